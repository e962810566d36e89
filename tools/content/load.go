package content

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/gohugoio/hugo/common/herrors"
	"github.com/gohugoio/hugo/parser/metadecoders"
	"github.com/gohugoio/hugo/parser/pageparser"

	"storyguard/tools/diag"
)

// MaxFileSize is the largest content file Storyguard loads, in bytes
// (4 MiB). A story is a few kilobytes; anything near this size is a
// mistake (a pasted binary, a generated dump) and is refused with the
// content-too-large error rather than read.
const MaxFileSize = 4 << 20

// Load rule ids, reported by LoadPage and LoadSite. All are errors.
const (
	RuleSyntax    = "frontmatter-syntax"    // front matter that does not parse, unterminated, duplicate keys
	RuleEncoding  = "content-encoding"      // not UTF-8
	RuleTooLarge  = "content-too-large"     // larger than MaxFileSize
	RuleEmpty     = "content-empty"         // empty or blank file
	RuleSymlink   = "content-symlink"       // a symlink leading outside content/ (or nowhere)
	RuleMediaFile = "media-file-in-content" // an image, audio or video file under content/
	RuleFormat    = "content-format"        // a content format Storyguard cannot read
	RuleShortcode = "shortcode-syntax"      // a shortcode Hugo's lexer rejects
	RuleRefused   = "frontmatter-refused"   // a key that makes Hugo render other values than check reads (config.toml here; pages in consent.Parse)
)

// LoadPage parses one content file already read into raw. rel is its
// slash-separated path relative to the site root, lang its language and
// section/bundle are derived from rel. Problems come back as diagnostics
// naming rel, a line and a column; when one makes the page unreadable,
// Page.Invalid is set. LoadPage never panics on any input (see FuzzLoadPage).
func LoadPage(rel, lang string, raw []byte) (*Page, []diag.Diagnostic) {
	p := &Page{Path: rel, Lang: lang, Raw: raw, FrontMatter: map[string]any{}}
	p.Section, p.Bundle, p.IsIndex = placement(rel)
	var ds []diag.Diagnostic
	bad := func(rule string, off int, format string, args ...any) {
		line, col := p.Position(off)
		ds = append(ds, diag.Diagnostic{File: rel, Line: line, Col: col, Rule: rule, Severity: diag.Error, Message: fmt.Sprintf(format, args...)})
		p.Invalid = true
	}
	if len(raw) > MaxFileSize {
		p.Raw = nil
		ds = append(ds, diag.Diagnostic{File: rel, Rule: RuleTooLarge, Severity: diag.Error,
			Message: fmt.Sprintf("file is %d bytes, more than the %d a content file may hold", len(raw), MaxFileSize)})
		p.Invalid = true
		return p, ds
	}
	if !utf8.Valid(raw) {
		off := 0
		for off < len(raw) {
			r, n := utf8.DecodeRune(raw[off:])
			if r == utf8.RuneError && n <= 1 {
				break
			}
			off += n
		}
		bad(RuleEncoding, off, "file is not UTF-8 (invalid byte 0x%02x); save it as UTF-8", raw[off])
		return p, ds
	}
	if len(bytes.TrimSpace(bytes.TrimPrefix(raw, []byte("\ufeff")))) == 0 {
		bad(RuleEmpty, 0, "file is empty: a page needs front matter")
		return p, ds
	}
	if !isMarkdown(rel) {
		bad(RuleFormat, 0, "content format %q is not one Storyguard checks; write the page in Markdown (.md)", ext(rel))
		return p, ds
	}
	items, err := pageparser.ParseBytes(raw, pageparser.Config{})
	if err != nil {
		bad(RuleSyntax, 0, "%v", err)
		return p, ds
	}
	fmIdx := -1
	for i, it := range items {
		if it.IsError() {
			rule := RuleShortcode
			if fmIdx < 0 && it.Pos() < 4 || strings.Contains(it.Err.Error(), "front matter") {
				rule = RuleSyntax
			}
			msg := it.Err.Error()
			off := it.Pos()
			if strings.HasPrefix(msg, "EOF looking for end") {
				delim := "---"
				if strings.Contains(msg, "TOML") {
					delim = "+++"
				}
				msg, off = "unterminated front matter: no closing "+delim+" line", 0
			} else if strings.Contains(msg, "unexpected EOF parsing JSON") {
				msg, off = "unterminated front matter: the JSON object is never closed", 0
			}
			bad(rule, off, "%s", lowerFirst(msg))
			return p, ds
		}
		if it.IsFrontMatter() && fmIdx < 0 {
			fmIdx = i
		}
	}
	if fmIdx >= 0 {
		it := items[fmIdx]
		p.Format = pageparser.FormatFromFrontMatterType(it.Type)
		p.FrontMatterStart = it.Pos()
		p.FrontMatterEnd = it.Pos() + len(it.Val(raw))
		p.BodyOffset = len(raw)
		for _, next := range items[fmIdx+1:] {
			if next.Type != pageparser.TypeIgnore {
				p.BodyOffset = next.Pos()
				break
			}
		}
		if p.Format != metadecoders.YAML && p.Format != metadecoders.TOML && p.Format != metadecoders.JSON {
			bad(RuleSyntax, p.FrontMatterStart, "front matter in %s is not supported; use YAML", p.Format)
			return p, ds
		}
		fm := raw[p.FrontMatterStart:p.FrontMatterEnd]
		m, err := metadecoders.Default.UnmarshalToMap(fm, p.Format)
		if err != nil {
			line, col, msg := decodeErrorPosition(err)
			off := p.FrontMatterStart
			if line > 0 {
				off = p.FrontMatterStart + offsetOfLine(fm, line, col, p.Format == metadecoders.YAML)
			}
			var jerr *json.SyntaxError
			var jtype *json.UnmarshalTypeError
			switch {
			case errors.As(err, &jerr) && jerr.Offset > 0:
				off = p.FrontMatterStart + min(int(jerr.Offset)-1, len(fm))
			case errors.As(err, &jtype) && jtype.Offset > 0:
				off = p.FrontMatterStart + min(int(jtype.Offset)-1, len(fm))
			case p.Format == metadecoders.YAML && line > 0:
				off = p.FrontMatterStart + yamlErrorOffset(fm, off-p.FrontMatterStart, msg)
			}
			fmLine, _ := p.Position(p.FrontMatterStart)
			msg = yamlAt.ReplaceAllStringFunc(msg, func(m string) string {
				sub := yamlAt.FindStringSubmatch(m)
				n, _ := strconv.Atoi(sub[1])
				return " on line " + strconv.Itoa(n+fmLine-1)
			})
			bad(RuleSyntax, off, "front matter (%s): %s", p.Format, msg)
			return p, ds
		}
		p.FrontMatter = m
		var dups []dupKey
		p.fields, dups = scanFields(raw, p.FrontMatterStart, p.FrontMatterEnd, p.Format)
		if len(dups) == 0 {
			// The line scanner sees block mappings only; a flow mapping or a
			// JSON object can hold keys that differ in case alone, of which
			// Hugo's lowercasing (hmaps.PrepareParams) keeps one at random.
			for _, path := range caseDuplicates(m, "") {
				dups = append(dups, dupKey{path: path, offset: p.FieldOffset(path)})
			}
		}
		for _, d := range dups {
			bad(RuleSyntax, d.offset, "front matter: duplicate key %q", d.path)
		}
		if len(dups) > 0 {
			return p, ds
		}
	} else {
		// No front matter: the lexer's first non-ignored item starts the body.
		for _, it := range items {
			if it.Type != pageparser.TypeIgnore {
				p.BodyOffset = it.Pos()
				break
			}
		}
		if t := bytes.TrimLeft(bytes.TrimPrefix(raw, []byte("\ufeff")), " \t\r\n"); bytes.HasPrefix(t, []byte("--")) || bytes.HasPrefix(t, []byte("++")) {
			bad(RuleSyntax, 0, "front matter delimiter is not \"---\" or \"+++\"")
			return p, ds
		}
	}
	p.Shortcodes = shortcodes(items, raw)
	p.ShortcodeTags = shortcodeTags(items, raw)
	return p, ds
}

// caseDuplicates returns the lowercased paths of keys of m, and of every
// mapping nested in it (through lists too), that another key of the same
// mapping equals ignoring case, sorted.
func caseDuplicates(m map[string]any, parent string) []string {
	var out []string
	seen := make(map[string]bool, len(m))
	for _, k := range slices.Sorted(maps.Keys(m)) {
		lk := strings.ToLower(k)
		path := lk
		if parent != "" {
			path = parent + "." + lk
		}
		if seen[lk] {
			out = append(out, path)
		}
		seen[lk] = true
		out = append(out, nestedCaseDuplicates(m[k], path)...)
	}
	return out
}

func nestedCaseDuplicates(v any, path string) []string {
	switch v := v.(type) {
	case map[string]any:
		return caseDuplicates(v, path)
	case []any:
		var out []string
		for i, e := range v {
			out = append(out, nestedCaseDuplicates(e, path+"["+strconv.Itoa(i)+"]")...)
		}
		return out
	}
	return nil
}

var (
	yamlErrPos = regexp.MustCompile(`^\[(\d+):(\d+)\]\s*`)
	yamlAt     = regexp.MustCompile(` at \[(\d+):(\d+)\]`)
)

// decodeErrorPosition extracts the 1-based line and column, relative to the
// front-matter text, of a metadecoders error, and a one-line message.
func decodeErrorPosition(err error) (line, col int, msg string) {
	msg = err.Error()
	var fe herrors.FileError
	if errors.As(err, &fe) {
		pos := fe.Position()
		line, col = pos.LineNumber, pos.ColumnNumber
		if u := errors.Unwrap(fe); u != nil {
			msg = u.Error()
		}
	}
	if m := yamlErrPos.FindStringSubmatch(msg); m != nil {
		line, _ = strconv.Atoi(m[1])
		col, _ = strconv.Atoi(m[2])
		msg = msg[len(m[0]):]
	}
	if i := strings.IndexByte(msg, '\n'); i >= 0 {
		msg = msg[:i]
	}
	msg = strings.TrimPrefix(msg, "unmarshal failed: ")
	return line, col, strings.TrimSpace(msg)
}

// offsetOfLine returns the offset in text of 1-based line and column.
// The column counts characters when runes is true (goccy/go-yaml, Hugo's
// YAML decoder, counts runes: "Lucía" is five columns), bytes otherwise
// (go-toml). It never runs past the end of the line.
func offsetOfLine(text []byte, line, col int, runes bool) int {
	off := 0
	for l := 1; l < line; l++ {
		i := bytes.IndexByte(text[off:], '\n')
		if i < 0 {
			return off
		}
		off += i + 1
	}
	end := len(text)
	if i := bytes.IndexByte(text[off:], '\n'); i >= 0 {
		end = off + i
	}
	for c := 1; c < col && off < end; c++ {
		n := 1
		if runes {
			_, n = utf8.DecodeRune(text[off:end])
		}
		off += n
	}
	return off
}

// yamlErrorOffset moves the offset at which goccy/go-yaml reports an error
// in the front-matter text fm to where the fault is written. The decoder
// notices an unclosed flow list or mapping ("',' or ']' must be
// specified", "sequence end token ']' not found") only at the next token,
// on a later line: the fault is the "[" or "{" left open, reported here.
// "mapping value is not allowed in this context" names the start of the
// plain scalar before the offending ":", which may lie on the line before:
// the fault is that ":", reported here. Other errors stay where they are.
func yamlErrorOffset(fm []byte, off int, msg string) int {
	off = min(max(off, 0), len(fm))
	switch {
	case strings.Contains(msg, "must be specified"), strings.Contains(msg, "end token"):
		if open := unclosedFlow(fm, off); open >= 0 {
			return open
		}
	case strings.HasPrefix(msg, "mapping value is not allowed"):
		colon := outsideQuotes(fm, off, func(i int) bool {
			return fm[i] == ':' && (i+1 == len(fm) || strings.IndexByte(" \t\r\n", fm[i+1]) >= 0)
		})
		if colon >= 0 {
			return colon
		}
	}
	return off
}

// unclosedFlow returns the offset of the innermost "[" or "{" still open
// at offset end of the YAML text fm, outside quotes and comments, or -1.
func unclosedFlow(fm []byte, end int) int {
	var stack []int
	var q byte
	for i := 0; i < end; i++ {
		c := fm[i]
		switch {
		case q == '"':
			if c == '\\' {
				i++
			} else if c == '"' {
				q = 0
			}
		case q == '\'':
			if c == '\'' {
				q = 0
			}
		case c == '"' || c == '\'':
			if i == 0 || strings.IndexByte(" \t\n[{,:", fm[i-1]) >= 0 {
				q = c
			}
		case c == '#' && (i == 0 || fm[i-1] == ' ' || fm[i-1] == '\t' || fm[i-1] == '\n'):
			for i < end && fm[i] != '\n' {
				i++
			}
		case c == '[' || c == '{':
			stack = append(stack, i)
		case c == ']' || c == '}':
			if len(stack) > 0 {
				stack = stack[:len(stack)-1]
			}
		}
	}
	if len(stack) == 0 {
		return -1
	}
	return stack[len(stack)-1]
}

func shortcodes(items pageparser.Items, raw []byte) []Shortcode {
	var out []Shortcode
	var cur *Shortcode
	pendingName := ""
	pendingOff := 0
	for _, it := range items {
		switch {
		case it.IsLeftShortcodeDelim():
			out = append(out, Shortcode{Offset: it.Pos()})
			cur = &out[len(out)-1]
		case cur == nil:
		case it.IsShortcodeName() || it.IsInlineShortcodeName():
			if cur.Name == "" {
				cur.Name = it.ValStr(raw)
			}
		case it.IsShortcodeParam():
			if pendingName != "" {
				cur.Params = append(cur.Params, ShortcodeParam{Value: pendingName, Offset: pendingOff})
			}
			pendingName, pendingOff = it.ValStr(raw), it.Pos()
		case it.IsShortcodeParamVal():
			cur.Params = append(cur.Params, ShortcodeParam{Name: pendingName, Value: it.ValStr(raw), Offset: it.Pos()})
			pendingName = ""
		case it.IsRightShortcodeDelim():
			if pendingName != "" {
				cur.Params = append(cur.Params, ShortcodeParam{Value: pendingName, Offset: pendingOff})
				pendingName = ""
			}
			cur = nil
		}
	}
	// Closing shortcodes ({{< /x >}}) carry a name but are no new call.
	kept := out[:0]
	for _, s := range out {
		if s.Name != "" {
			kept = append(kept, s)
		}
	}
	return kept
}

// shortcodeTags lists every shortcode tag of items in order. The lexer
// emits a closing tag as left delimiter, close, name, right delimiter, and
// a self-closed call as left delimiter, name, params, close, right
// delimiter (gohugoio/hugo parser/pageparser pagelexer_shortcode.go).
func shortcodeTags(items pageparser.Items, raw []byte) []ShortcodeTag {
	var out []ShortcodeTag
	var cur *ShortcodeTag
	named := false
	for _, it := range items {
		switch {
		case it.IsLeftShortcodeDelim():
			out = append(out, ShortcodeTag{Offset: it.Pos()})
			cur, named = &out[len(out)-1], false
		case cur == nil:
		case it.IsShortcodeClose():
			if named {
				cur.SelfClosed = true
			} else {
				cur.Close = true
			}
		case it.IsShortcodeName() || it.IsInlineShortcodeName():
			if !named {
				cur.Name, cur.Inline, named = it.ValStr(raw), it.IsInlineShortcodeName(), true
			}
		case it.IsRightShortcodeDelim():
			cur = nil
		}
	}
	return out
}

// placement derives Section, Bundle and IsIndex from a path
// "content/<...>".
func placement(rel string) (section, bundle string, index bool) {
	r := strings.TrimPrefix(rel, "content/")
	dir, file := "", r
	if i := strings.LastIndexByte(r, '/'); i >= 0 {
		dir, file = r[:i], r[i+1:]
	}
	if i := strings.IndexByte(r, '/'); i >= 0 {
		section = r[:i]
	}
	base := file
	if i := strings.IndexByte(base, '.'); i >= 0 {
		base = base[:i]
	}
	switch base {
	case "index":
		bundle = dir
	case "_index":
		bundle, index = dir, true
	default:
		bundle = base
		if dir != "" {
			bundle = dir + "/" + base
		}
	}
	return section, bundle, index
}

func isMarkdown(rel string) bool {
	switch ext(rel) {
	case "md", "markdown":
		return true
	}
	return false
}

func ext(rel string) string {
	i := strings.LastIndexByte(rel, '.')
	if i < 0 || strings.Contains(rel[i:], "/") {
		return ""
	}
	return strings.ToLower(rel[i+1:])
}

func lowerFirst(s string) string {
	if s == "" {
		return s
	}
	r, n := utf8.DecodeRuneInString(s)
	if r2, _ := utf8.DecodeRuneInString(s[n:]); unicode.IsUpper(r2) {
		return s
	}
	return strings.ToLower(string(r)) + s[n:]
}

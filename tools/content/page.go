// Package content loads the pages of a Hugo site exactly as Hugo reads them:
// front matter through Hugo's parser/pageparser and parser/metadecoders, the
// body through goldmark with Hugo's extensions, with byte offsets so every
// finding can name a file, line and column.
package content

import (
	"sort"
	"strings"
	"sync"

	"github.com/gohugoio/hugo/parser/metadecoders"
	"github.com/yuin/goldmark/ast"
)

// Page is one content file as loaded. It is the contract other packages scan:
// the leak scanner reads Path and Raw; the consent rules read FrontMatter.
type Page struct {
	// Path is the slash-separated path relative to the site root, for
	// example "content/stories/finding-my-voice/index.es.md".
	Path string
	// Lang is the page's language code from its file name ("index.es.md" is
	// "es"); the site's default language when the name carries none.
	Lang string
	// Section is the first folder under content/ ("stories", "advocacy"),
	// empty for content/_index.md.
	Section string
	// Bundle is the page bundle's folder relative to content/, for example
	// "stories/finding-my-voice"; for a single-file page, the path without
	// its extension.
	Bundle string
	// Raw is the whole file as read, after nothing: no BOM stripping, no
	// line-ending change. Offsets below index into Raw.
	Raw []byte
	// FrontMatter is the front matter as Hugo's metadecoders decodes it
	// (map keys as written, values as Hugo types them: dates stay strings
	// or time.Time exactly as Hugo would produce them).
	FrontMatter map[string]any
	// BodyOffset is the byte offset in Raw at which the body starts.
	BodyOffset int

	// Format is the front matter's format (metadecoders.YAML, TOML or JSON),
	// empty when the file has none.
	Format metadecoders.Format
	// FrontMatterStart and FrontMatterEnd delimit the front-matter text in
	// Raw, without the "---" or "+++" delimiters (JSON includes its braces).
	// Both are zero when the file has none.
	FrontMatterStart, FrontMatterEnd int
	// Shortcodes lists the shortcode calls in the body as Hugo's pageparser
	// lexes them, in order.
	Shortcodes []Shortcode
	// ShortcodeTags lists every shortcode tag of the body in source order,
	// closing tags included, as Hugo's pageparser lexes them: what
	// check needs to pair calls with their closing tags the way Hugo's
	// hugolib.extractShortcode does.
	ShortcodeTags []ShortcodeTag
	// Invalid is true when the file could not be loaded (not UTF-8, too
	// large, front matter that does not parse...). The load diagnostics say
	// why; an invalid page is never publishable.
	Invalid bool
	// IsIndex is true for a section or home page, "_index.<ext>".
	IsIndex bool

	fields     map[string]Field
	lineOnce   sync.Once
	lineStarts []int
}

// Shortcode is one shortcode call: "{{< media id="m-0101" >}}" has Name
// "media" and one Param {Name: "id", Value: "m-0101"}. Offsets index Raw.
type Shortcode struct {
	Name   string
	Offset int
	Params []ShortcodeParam
}

// ShortcodeTag is one shortcode tag: an opening "{{< name ... >}}"
// (SelfClosed when written "{{< name ... />}}") or a closing
// "{{< /name >}}" (Close). Name is as written, "" for "{{< >}}"; Inline is
// set for an inline shortcode ("{{< name.inline >}}"). Offset indexes Raw
// at the tag's "{{".
type ShortcodeTag struct {
	Name       string
	Offset     int
	Close      bool
	SelfClosed bool
	Inline     bool
}

// ShortcodeParam is a named or positional shortcode argument; Name is empty
// for a positional one.
type ShortcodeParam struct {
	Name   string
	Value  string
	Offset int
}

// Field locates one front-matter field in Raw. Key is the offset of the key
// (of the "- " for a list item without a key), Value and ValueEnd delimit the
// value written on the key's line, excluding a trailing comment (equal for a
// block mapping or sequence whose value follows on later lines), Indent is
// the key's column in bytes (YAML) and End is the offset just past the last
// line belonging to the field (its whole block).
type Field struct {
	Key, Value, ValueEnd, End, Indent int
}

// Markdown parses the body with goldmark and Hugo's default extensions
// (see the Markdown variable) and returns the document; text segments are
// offsets into Body(), so add BodyOffset for an offset into Raw. It parses
// anew on every call and keeps nothing, so a site of thousands of pages
// does not hold thousands of syntax trees: call it once per check. Nil
// for a page that could not be loaded.
func (p *Page) Markdown() ast.Node {
	if p.Invalid {
		return nil
	}
	return parseMarkdown(p.Body())
}

// Body returns the body of the page, Raw[BodyOffset:].
func (p *Page) Body() []byte {
	if p.BodyOffset > len(p.Raw) {
		return nil
	}
	return p.Raw[p.BodyOffset:]
}

// Position converts a byte offset in p.Raw to a 1-based line and a 1-based
// byte column. Offsets past the end clamp to the last position.
func (p *Page) Position(offset int) (line, col int) {
	if offset > len(p.Raw) {
		offset = len(p.Raw)
	}
	if offset < 0 {
		offset = 0
	}
	p.lineOnce.Do(func() {
		p.lineStarts = append(p.lineStarts, 0)
		for i, b := range p.Raw {
			if b == '\n' {
				p.lineStarts = append(p.lineStarts, i+1)
			}
		}
	})
	i := sort.Search(len(p.lineStarts), func(i int) bool { return p.lineStarts[i] > offset }) - 1
	return i + 1, offset - p.lineStarts[i] + 1
}

// Field returns the location of the front-matter field at path, written
// with dots between keys and [i] for list items: "consent.expires",
// "media[0].alt", "consent.channels[1]". Keys match case-insensitively, as
// Hugo lowercases front-matter keys.
func (p *Page) Field(path string) (Field, bool) {
	if p.fields == nil {
		return Field{}, false
	}
	f, ok := p.fields[strings.ToLower(path)]
	return f, ok
}

// FieldPosition returns the line and column of the field at path, or of its
// nearest written ancestor ("consent.identifiers.face" inside a flow mapping
// falls back to "consent.identifiers"), or of the start of the front matter
// when none is written (a missing field), or 1:1 for a file without front
// matter.
func (p *Page) FieldPosition(path string) (line, col int) {
	return p.Position(p.FieldOffset(path))
}

// FieldOffset is FieldPosition as a byte offset into Raw. A mapping
// written only through its children (TOML "[consent.identifiers]" with no
// "[consent]") is placed at its first written child.
func (p *Page) FieldOffset(path string) int {
	if _, ok := p.Field(path); !ok && path != "" {
		lp := strings.ToLower(path)
		first := -1
		for k, f := range p.fields {
			if (strings.HasPrefix(k, lp+".") || strings.HasPrefix(k, lp+"[")) && (first < 0 || f.Key < first) {
				first = f.Key
			}
		}
		if first >= 0 {
			return first
		}
	}
	for path != "" {
		if f, ok := p.Field(path); ok {
			return f.Key
		}
		i := strings.LastIndexAny(path, ".[")
		if i < 0 {
			break
		}
		path = path[:i]
	}
	return p.FrontMatterStart
}

// ValueOffset returns the offset of the value of the field at path (the
// key's offset when the value is on later lines), falling back as
// FieldOffset does.
func (p *Page) ValueOffset(path string) int {
	if f, ok := p.Field(path); ok && f.ValueEnd > f.Value {
		return f.Value
	}
	return p.FieldOffset(path)
}

// Get returns the front-matter value at a dotted path such as
// "consent.expires" or "media[0].alt", matching keys case-insensitively as
// Hugo does; ok is false when any step is missing or of the wrong shape.
func (p *Page) Get(path string) (v any, ok bool) {
	return Lookup(p.FrontMatter, path)
}

// Lookup is Page.Get over any decoded map.
func Lookup(m map[string]any, path string) (any, bool) {
	var cur any = m
	for _, seg := range splitPath(path) {
		if seg.key != "" {
			mm, ok := cur.(map[string]any)
			if !ok {
				return nil, false
			}
			cur, ok = lookupKey(mm, seg.key)
			if !ok {
				return nil, false
			}
		}
		if seg.index >= 0 {
			l, ok := cur.([]any)
			if !ok || seg.index >= len(l) {
				return nil, false
			}
			cur = l[seg.index]
		}
	}
	return cur, true
}

func lookupKey(m map[string]any, k string) (any, bool) {
	if v, ok := m[k]; ok {
		return v, true
	}
	for kk, v := range m {
		if strings.EqualFold(kk, k) {
			return v, true
		}
	}
	return nil, false
}

type pathSeg struct {
	key   string
	index int
}

func splitPath(path string) []pathSeg {
	var segs []pathSeg
	for _, part := range strings.Split(path, ".") {
		key, rest, _ := strings.Cut(part, "[")
		seg := pathSeg{key: key, index: -1}
		for rest != "" {
			num, after, _ := strings.Cut(rest, "]")
			n := 0
			for _, c := range num {
				if c < '0' || c > '9' {
					n = -1
					break
				}
				n = n*10 + int(c-'0')
			}
			if seg.index >= 0 || seg.key == "" && len(segs) > 0 {
				segs = append(segs, seg)
				seg = pathSeg{index: -1}
			}
			seg.index = n
			_, rest, _ = strings.Cut(after, "[")
		}
		segs = append(segs, seg)
	}
	return segs
}

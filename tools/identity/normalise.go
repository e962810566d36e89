package identity

import (
	"bytes"
	"html"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// The normaliser turns raw bytes (Markdown, HTML, XML, JSON, a path) into a
// folded byte stream in which a name is spelt one way only, and remembers for
// every folded byte the span of raw bytes it came from. Rules, in order:
//
//   - Letters and digits are kept: lowercased (Unicode simple case), with
//     diacritics removed (NFKD, combining marks dropped: "É" → "e",
//     "ñ" → "n"), plus ß → "ss", æ → "ae", œ → "oe", ø → "o", đ/ð → "d",
//     ł → "l", þ → "th", ı → "i".
//   - Cyrillic and Greek letters that look like Latin ones fold to that
//     Latin letter (homoglyphs, table homoglyphFold), so that "Mаrisol"
//     with a Cyrillic "а" (U+0430) is spelt "marisol".
//   - Ignorable, dropped without a trace so that the letters around them
//     join: "*" and "~" (Markdown emphasis and strikethrough, which
//     CommonMark and GFM allow inside a word: "Ana**bel**"), combining
//     marks, format characters (soft hyphen, zero-width space and joiners,
//     BOM: Unicode category Cf), HTML comments and inline HTML tags
//     (a, abbr, b, bdi, bdo, cite, code, data, del, dfn, em, font, i, ins,
//     kbd, mark, q, s, samp, small, span, strong, sub, sup, time, u, var,
//     wbr: "Ana<em>bel</em>").
//   - Everything else separates words and is folded to one space, runs of
//     separators collapsing into one: spaces and line breaks, hyphens and
//     dashes, "_" (CommonMark has no intraword "_" emphasis), punctuation,
//     other HTML tags ("<p>", "<br>").
//   - Encodings are decoded first and then folded as the character they
//     stand for, the folded bytes pointing at the whole escape: HTML
//     character references ("&eacute;", "&#233;", "&#xE9;"; only the
//     terminated form with ";"), URL percent-encoding of UTF-8 ("%C3%B1"),
//     JSON escapes ("\u00e9", surrogate pairs; "\n", "\r", "\t" are
//     separators).
//   - HTML escaped inside XML (RSS and Atom descriptions: "&lt;em&gt;")
//     is treated as the tags it stands for.
//   - The inside of an HTML tag (attribute names and values: alt, title,
//     href, content) and of an HTML comment is folded into a second,
//     "aside" stream, so that attribute text is scanned without splitting
//     the sentence around the tag.
//
// Source of the emphasis rules: CommonMark 0.31.2 §6.2 (emphasis and strong
// emphasis; "_" is not intraword) and GFM §6.5 (strikethrough).

// foldKind says what the normaliser does with a character.
type foldKind uint8

const (
	foldSep    foldKind = iota // a word separator
	foldWord                   // letters or digits, emitted as fold
	foldIgnore                 // dropped
)

type foldEntry struct {
	kind foldKind
	s    string // folded bytes for foldWord
}

// foldTabSize covers Latin, Greek, Cyrillic, Armenian, Hebrew, Arabic and
// the other scripts below U+3000, computed once; characters above it take
// the slow path.
const foldTabSize = 0x3000

var (
	foldOnce sync.Once
	foldTab  []foldEntry
)

// asciiFold maps an ASCII byte to its folded byte: a lowercase letter or a
// digit, 0 for an ignorable byte, ' ' for a separator, and 1 for a byte that
// starts an escape or a tag ('<', '&', '%', '\\').
var asciiFold = func() (t [128]byte) {
	for b := 0; b < 128; b++ {
		switch {
		case b >= 'a' && b <= 'z', b >= '0' && b <= '9':
			t[b] = byte(b)
		case b >= 'A' && b <= 'Z':
			t[b] = byte(b) + 'a' - 'A'
		case b == '*' || b == '~':
			t[b] = 0
		case b == '<' || b == '&' || b == '%' || b == '\\':
			t[b] = 1
		default:
			t[b] = ' '
		}
	}
	return t
}()

var specialFold = map[rune]string{
	'ß': "ss", 'ẞ': "ss", 'æ': "ae", 'Æ': "ae", 'œ': "oe", 'Œ': "oe",
	'ø': "o", 'Ø': "o", 'đ': "d", 'Đ': "d", 'ð': "d", 'Ð': "d",
	'ł': "l", 'Ł': "l", 'þ': "th", 'Þ': "th", 'ı': "i", 'ħ': "h", 'Ħ': "h",
}

// homoglyphFold maps Cyrillic and Greek letters that look like a Latin
// letter in common fonts to that letter, lowercase. Source: Unicode
// confusables.txt (UTS #39 "Unicode Security Mechanisms", §4 Confusable
// Detection), whose skeleton maps each of these to the Latin letter given,
// except for Greek small ε κ τ υ χ, which confusables.txt maps to Latin-
// looking IPA or small-capital letters (ꞓ ĸ ᴛ ʋ ꭓ): here they fold to the
// plain Latin letter a reader takes them for. Greek capital Ν (N) and small
// ν (v), capital Υ (Y) and small υ (u) fold differently, as they look.
// Letters with a diacritic fold through NFKD: "ё" is "е" plus a mark, "e".
var homoglyphFold = map[rune]string{
	// Cyrillic small: а е о р с у х і ј ѕ, and һ ԁ ԛ ԝ.
	'а': "a", 'е': "e", 'о': "o", 'р': "p", 'с': "c", 'у': "y", 'х': "x",
	'і': "i", 'ј': "j", 'ѕ': "s", 'һ': "h", 'ԁ': "d", 'ԛ': "q", 'ԝ': "w",
	// Cyrillic capital.
	'А': "a", 'В': "b", 'Е': "e", 'К': "k", 'М': "m", 'Н': "h", 'О': "o",
	'Р': "p", 'С': "c", 'Т': "t", 'У': "y", 'Х': "x", 'І': "i", 'Ј': "j",
	'Ѕ': "s", 'Һ': "h", 'Ԛ': "q", 'Ԝ': "w",
	// Greek small: ο α ε ι κ ν ρ τ υ χ.
	'ο': "o", 'α': "a", 'ε': "e", 'ι': "i", 'κ': "k", 'ν': "v", 'ρ': "p",
	'τ': "t", 'υ': "u", 'χ': "x",
	// Greek capital.
	'Α': "a", 'Β': "b", 'Ε': "e", 'Ζ': "z", 'Η': "h", 'Ι': "i", 'Κ': "k",
	'Μ': "m", 'Ν': "n", 'Ο': "o", 'Ρ': "p", 'Τ': "t", 'Υ': "y", 'Χ': "x",
}

func init() {
	for r, s := range homoglyphFold {
		specialFold[r] = s
	}
}

func initFold() {
	foldOnce.Do(func() {
		t := make([]foldEntry, foldTabSize)
		for r := rune(0); r < foldTabSize; r++ {
			t[r] = computeFold(r)
		}
		foldTab = t
	})
}

// computeFold is the slow, exact definition of folding one rune.
func computeFold(r rune) foldEntry {
	if r < 0x80 {
		switch b := asciiFold[r]; b {
		case 0:
			return foldEntry{kind: foldIgnore}
		case ' ', 1:
			return foldEntry{kind: foldSep}
		default:
			return foldEntry{kind: foldWord, s: string(rune(b))}
		}
	}
	if s, ok := specialFold[r]; ok {
		return foldEntry{kind: foldWord, s: s}
	}
	if unicode.Is(unicode.Cf, r) || unicode.Is(unicode.M, r) {
		return foldEntry{kind: foldIgnore}
	}
	if !unicode.IsLetter(r) && !unicode.IsDigit(r) && !unicode.Is(unicode.No, r) {
		return foldEntry{kind: foldSep}
	}
	var b strings.Builder
	for _, d := range norm.NFKD.String(string(r)) {
		switch {
		case unicode.Is(unicode.M, d) || unicode.Is(unicode.Cf, d):
		case d < 0x80:
			if c := asciiFold[d]; c > 1 && c != ' ' {
				b.WriteByte(c)
			}
		case unicode.IsLetter(d) || unicode.IsDigit(d):
			// The lowercase is looked up too, so that folding is
			// idempotent: a capital not in the table ("Ԁ") lowers to a
			// letter that is ("ԁ" → "d").
			if s, ok := specialFold[d]; ok {
				b.WriteString(s)
			} else if s, ok := specialFold[unicode.ToLower(d)]; ok {
				b.WriteString(s)
			} else {
				b.WriteRune(unicode.ToLower(d))
			}
		}
	}
	if b.Len() == 0 {
		return foldEntry{kind: foldSep}
	}
	return foldEntry{kind: foldWord, s: b.String()}
}

func lookupFold(r rune) foldEntry {
	if r >= 0 && r < foldTabSize {
		return foldTab[r]
	}
	return computeFold(r)
}

// inlineTags are HTML elements that render inside a word without breaking
// it (HTML Living Standard §4.5, text-level semantics).
var inlineTags = map[string]bool{
	"a": true, "abbr": true, "b": true, "bdi": true, "bdo": true, "cite": true,
	"code": true, "data": true, "del": true, "dfn": true, "em": true,
	"font": true, "i": true, "ins": true, "kbd": true, "mark": true, "q": true,
	"s": true, "samp": true, "small": true, "span": true, "strong": true,
	"sub": true, "sup": true, "time": true, "u": true, "var": true, "wbr": true,
}

// maxTagLen bounds the search for the ">" closing a tag; a "<" without one
// within this many bytes is an ordinary separator.
const maxTagLen = 8192

// folder runs the normaliser over one input, feeding two streams.
type folder struct {
	data  []byte
	main  *stream
	aside *stream
}

// run folds data[lo:hi] into st. With tags false, "<" is a separator (used
// inside tags, where the aside stream already is the target).
func (f *folder) run(lo, hi int, st *stream, tags bool) {
	data := f.data
	i := lo
	for i < hi {
		c := data[i]
		if c < utf8.RuneSelf {
			switch b := asciiFold[c]; b {
			case 0:
				i++
			case ' ':
				st.sep(i, i+1)
				i++
			case 1:
				i = f.escape(i, hi, st, tags)
			default:
				st.emit(b, i, i+1)
				i++
			}
			continue
		}
		r, size := utf8.DecodeRune(data[i:hi])
		if r == utf8.RuneError && size <= 1 {
			st.sep(i, i+1)
			i++
			continue
		}
		st.foldRune(r, i, i+size)
		i += size
	}
}

// escape handles '<', '&', '%' and '\\' at data[i] and returns the index
// after what it consumed.
func (f *folder) escape(i, hi int, st *stream, tags bool) int {
	data := f.data
	switch data[i] {
	case '<':
		if !tags {
			break
		}
		if end, ok := f.tag(i, hi, st); ok {
			return end
		}
	case '&':
		// An escaped tag, as RSS and Atom carry HTML: "&lt;em&gt;".
		if tags && hasPrefixAt(data, i, hi, "&lt;") {
			if end, ok := f.tagBody(i, i+4, hi, "&gt;", st); ok {
				return end
			}
		}
		j := i + 1
		for j < hi && j-i < 33 && (isAlnum(data[j]) || data[j] == '#') {
			j++
		}
		if j < hi && data[j] == ';' && j > i+1 {
			ref := string(data[i : j+1])
			if dec := html.UnescapeString(ref); dec != ref {
				for _, r := range dec {
					st.foldRune(r, i, j+1)
				}
				return j + 1
			}
		}
	case '%':
		if end, ok := f.percent(i, hi, st); ok {
			return end
		}
	case '\\':
		if i+1 < hi {
			switch data[i+1] {
			case 'n', 'r', 't':
				st.sep(i, i+2)
				return i + 2
			case 'u':
				if r, end, ok := jsonEscape(data, i, hi); ok {
					st.foldRune(r, i, end)
					return end
				}
			}
		}
	}
	st.sep(i, i+1)
	return i + 1
}

// tag handles an HTML tag or comment starting at data[i] == '<'.
func (f *folder) tag(i, hi int, st *stream) (int, bool) {
	data := f.data
	if i+1 >= hi {
		return 0, false
	}
	if hasPrefixAt(data, i+1, hi, "!--") {
		lo := i + 4
		end := indexFrom(data, lo, min(hi, lo+maxTagLen*16), "-->")
		stop := end
		if end < 0 {
			stop, end = hi, hi
		} else {
			end += 3
		}
		f.toAside(lo, stop)
		return end, true // a comment renders as nothing: ignorable
	}
	return f.tagBody(i, i+1, hi, ">", st)
}

// tagBody handles a tag whose "<" (or escaped "&lt;") spans data[i:j] and
// which closes with closer (">" or "&gt;").
func (f *folder) tagBody(i, j, hi int, closer string, st *stream) (int, bool) {
	data := f.data
	open := j
	if j < hi && data[j] == '/' {
		j++
	}
	if j >= hi || !(isAlpha(data[j]) || (j == open && (data[j] == '!' || data[j] == '?'))) {
		return 0, false
	}
	nameStart := j
	for j < hi && (isAlnum(data[j]) || data[j] == '-' || data[j] == ':') {
		j++
	}
	// The name is ASCII (letters, digits, '-', ':'): lowercase it in a
	// small buffer; no inline tag name is longer than it.
	var nb [8]byte
	inline := false
	if n := j - nameStart; n <= len(nb) {
		for k := range n {
			c := data[nameStart+k]
			if c >= 'A' && c <= 'Z' {
				c += 'a' - 'A'
			}
			nb[k] = c
		}
		inline = inlineTags[string(nb[:n])]
	}
	gt := indexFrom(data, j, min(hi, i+maxTagLen), closer)
	if gt < 0 {
		return 0, false
	}
	f.toAside(j, gt)
	if !inline {
		st.sep(i, gt+len(closer))
	}
	return gt + len(closer), true
}

func (f *folder) toAside(lo, hi int) {
	if f.aside == nil || lo >= hi {
		return
	}
	f.aside.sep(lo, lo)
	f.run(lo, hi, f.aside, false)
	f.aside.sep(hi, hi)
}

// percent decodes a URL percent-escape (RFC 3986 §2.1) of one character,
// ASCII or UTF-8.
func (f *folder) percent(i, hi int, st *stream) (int, bool) {
	data := f.data
	b0, ok := hexByte(data, i, hi)
	if !ok {
		return 0, false
	}
	if b0 < utf8.RuneSelf {
		switch b := asciiFold[b0]; b {
		case 0:
		case ' ', 1:
			st.sep(i, i+3)
		default:
			st.emit(b, i, i+3)
		}
		return i + 3, true
	}
	n := 0
	switch {
	case b0&0xE0 == 0xC0:
		n = 2
	case b0&0xF0 == 0xE0:
		n = 3
	case b0&0xF8 == 0xF0:
		n = 4
	default:
		return 0, false
	}
	var buf [4]byte
	buf[0] = b0
	for k := 1; k < n; k++ {
		b, ok := hexByte(data, i+3*k, hi)
		if !ok {
			return 0, false
		}
		buf[k] = b
	}
	r, size := utf8.DecodeRune(buf[:n])
	if r == utf8.RuneError || size != n {
		return 0, false
	}
	st.foldRune(r, i, i+3*n)
	return i + 3*n, true
}

func hexByte(data []byte, i, hi int) (byte, bool) {
	if i+2 >= hi || data[i] != '%' {
		return 0, false
	}
	h, ok1 := unhex(data[i+1])
	l, ok2 := unhex(data[i+2])
	return h<<4 | l, ok1 && ok2
}

// jsonEscape decodes \uXXXX at data[i] (RFC 8259 §7), joining a surrogate
// pair.
func jsonEscape(data []byte, i, hi int) (rune, int, bool) {
	r, ok := hex4(data, i+2, hi)
	if !ok {
		return 0, 0, false
	}
	end := i + 6
	if r >= 0xD800 && r < 0xDC00 && end+6 <= hi && data[end] == '\\' && data[end+1] == 'u' {
		if lo, ok := hex4(data, end+2, hi); ok && lo >= 0xDC00 && lo < 0xE000 {
			return 0x10000 + (r-0xD800)<<10 + (lo - 0xDC00), end + 6, true
		}
	}
	if r >= 0xD800 && r < 0xE000 {
		return utf8.RuneError, end, true
	}
	return r, end, true
}

func hex4(data []byte, i, hi int) (rune, bool) {
	if i+4 > hi {
		return 0, false
	}
	var r rune
	for k := 0; k < 4; k++ {
		v, ok := unhex(data[i+k])
		if !ok {
			return 0, false
		}
		r = r<<4 | rune(v)
	}
	return r, true
}

func unhex(c byte) (byte, bool) {
	switch {
	case c >= '0' && c <= '9':
		return c - '0', true
	case c >= 'a' && c <= 'f':
		return c - 'a' + 10, true
	case c >= 'A' && c <= 'F':
		return c - 'A' + 10, true
	}
	return 0, false
}

func isAlpha(c byte) bool { return (c|0x20) >= 'a' && (c|0x20) <= 'z' }
func isAlnum(c byte) bool { return isAlpha(c) || (c >= '0' && c <= '9') }

func hasPrefixAt(data []byte, i, hi int, p string) bool {
	return i+len(p) <= hi && string(data[i:i+len(p)]) == p
}

func indexFrom(data []byte, lo, hi int, p string) int {
	if lo >= hi {
		return -1
	}
	k := bytes.Index(data[lo:hi], []byte(p))
	if k < 0 {
		return -1
	}
	return lo + k
}

func indexByteFrom(data []byte, lo, hi int, c byte) int {
	for k := lo; k < hi; k++ {
		if data[k] == c {
			return k
		}
	}
	return -1
}

// Normalise folds s by the rules above and returns the main stream with
// single spaces between words and none at either end; the text of HTML tags
// and comments is left out. Normalise("Ana**bel** PÉREZ-Noj") is
// "anabel perez noj". It never fails: invalid UTF-8 is a separator.
func Normalise(s string) string {
	initFold()
	st := &stream{collect: true}
	st.reset()
	f := folder{data: []byte(s), main: st}
	f.run(0, len(f.data), st, true)
	return strings.TrimSpace(string(st.out))
}

package check

import (
	"bytes"
	"sort"
	"unicode"
	"unicode/utf8"

	"github.com/yuin/goldmark/ast"

	"storyguard/tools/content"
)

// Prose is the text of a page that a reader reads as words: the title, the
// description, and the body's text nodes outside code spans and code
// blocks, joined with spaces, with a map back to offsets in Page.Raw.
type Prose struct {
	// Text is the prose, each piece separated from the next by a space.
	Text []byte
	// Images are the body's Markdown images, links and autolinks with
	// their destinations, and raw HTML, for the media-path rule.
	Images []Ref
	HTML   []Ref
	Links  []Ref

	pieces []piece
	fold   []byte
}

// Fold returns Text case-folded without changing any byte offset: every
// letter whose lowercase form has the same UTF-8 length is lowercased
// (ASCII and accented Latin letters), and tabs, CR and LF become spaces.
// Offsets into Fold are offsets into Text.
func (pr *Prose) Fold() []byte {
	if pr.fold != nil {
		return pr.fold
	}
	f := make([]byte, len(pr.Text))
	for i := 0; i < len(pr.Text); {
		c := pr.Text[i]
		if c < utf8.RuneSelf {
			switch {
			case 'A' <= c && c <= 'Z':
				c += 'a' - 'A'
			case c == '\t' || c == '\n' || c == '\r':
				c = ' '
			}
			f[i] = c
			i++
			continue
		}
		r, n := utf8.DecodeRune(pr.Text[i:])
		if l := unicode.ToLower(r); l != r && utf8.RuneLen(l) == n {
			utf8.EncodeRune(f[i:], l)
		} else {
			copy(f[i:i+n], pr.Text[i:i+n])
		}
		i += n
	}
	pr.fold = f
	return f
}

// Ref is a destination (or raw HTML) found in the body, with its offset
// in Page.Raw.
type Ref struct {
	Value  string
	Offset int
}

type piece struct{ at, raw int }

// Offset maps an index into Text back to an offset in Page.Raw.
func (pr *Prose) Offset(i int) int {
	k := sort.Search(len(pr.pieces), func(k int) bool { return pr.pieces[k].at > i }) - 1
	if k < 0 {
		return 0
	}
	return pr.pieces[k].raw + (i - pr.pieces[k].at)
}

func (pr *Prose) add(b []byte, raw int) { pr.addText(b, raw, false) }

// addText appends b, read at raw; joined appends it without a separating
// space: the next text of the same paragraph after inline markup
// ("Quetzal**tenango**" reads as one word).
func (pr *Prose) addText(b []byte, raw int, joined bool) {
	if len(b) == 0 {
		return
	}
	if n := len(pr.Text); n > 0 && !joined && pr.Text[n-1] != ' ' && b[0] != ' ' {
		pr.Text = append(pr.Text, ' ')
	}
	pr.pieces = append(pr.pieces, piece{at: len(pr.Text), raw: raw})
	pr.Text = append(pr.Text, b...)
}

func buildProse(p *content.Page) *Prose {
	pr := &Prose{Text: make([]byte, 0, len(p.Raw))}
	for _, f := range []string{"title", "description"} {
		if fl, ok := p.Field(f); ok && fl.ValueEnd > fl.Value {
			v := p.Raw[fl.Value:fl.ValueEnd]
			start := fl.Value
			if len(v) >= 2 && (v[0] == '"' || v[0] == '\'') {
				v, start = v[1:len(v)-1], start+1
			}
			pr.add(v, start)
		}
	}
	if p.Invalid {
		return pr
	}
	if plainBody(p.Body()) {
		// Nothing goldmark could turn into an image, raw HTML or code:
		// the body's bytes are its prose (markup characters only add
		// word boundaries), and media paths in links show in the text.
		pr.add(p.Body(), p.BodyOffset)
		return pr
	}
	doc := p.Markdown()
	body := p.Body()
	base := p.BodyOffset
	blockStart := 0
	// join is true while the next text node continues the previous one's
	// line in the same block: emphasis, links and inline HTML between
	// them do not separate words for a reader.
	join := false
	_ = ast.Walk(doc, func(n ast.Node, entering bool) (ast.WalkStatus, error) {
		if !entering {
			return ast.WalkContinue, nil
		}
		if n.Type() == ast.TypeBlock {
			join = false
			if l := n.Lines(); l != nil && l.Len() > 0 {
				blockStart = l.At(0).Start
			}
		}
		switch n := n.(type) {
		case *ast.CodeBlock, *ast.FencedCodeBlock, *ast.CodeSpan:
			join = false // the code's own text stands between
			return ast.WalkSkipChildren, nil
		case *ast.Text:
			seg := n.Segment
			pr.addText(seg.Value(body), base+seg.Start, join)
			join = !n.SoftLineBreak() && !n.HardLineBreak()
		case *ast.String:
			// Not produced without the typographer; nothing to read.
		case *ast.Image:
			join = false
			pr.Images = append(pr.Images, Ref{Value: string(n.Destination), Offset: base + find(body, blockStart, n.Destination)})
		case *ast.Link:
			pr.Links = append(pr.Links, Ref{Value: string(n.Destination), Offset: base + find(body, blockStart, n.Destination)})
		case *ast.AutoLink:
			u := n.URL(body)
			pr.Links = append(pr.Links, Ref{Value: string(u), Offset: base + find(body, blockStart, u)})
		case *ast.RawHTML:
			for i := 0; i < n.Segments.Len(); i++ {
				s := n.Segments.At(i)
				pr.HTML = append(pr.HTML, Ref{Value: string(s.Value(body)), Offset: base + s.Start})
			}
		case *ast.HTMLBlock:
			for i := 0; i < n.Lines().Len(); i++ {
				s := n.Lines().At(i)
				pr.HTML = append(pr.HTML, Ref{Value: string(s.Value(body)), Offset: base + s.Start})
			}
			if n.HasClosure() {
				pr.HTML = append(pr.HTML, Ref{Value: string(n.ClosureLine.Value(body)), Offset: base + n.ClosureLine.Start})
			}
		}
		return ast.WalkContinue, nil
	})
	return pr
}

// plainBody reports whether goldmark could find in body no image, raw
// HTML, autolink or code: no "![", no "<" other than a shortcode's "{{<",
// no backtick, no "~~~" fence, no "://" or "www." (linkify), no "@"
// (e-mail autolinks) and no line indented by a tab or four spaces
// (indented code, or a list continuation, which takes the slow path).
// Then the raw body is the page's prose for every rule here.
func plainBody(b []byte) bool {
	if bytes.Contains(b, []byte("![")) || bytes.IndexByte(b, '`') >= 0 || bytes.Contains(b, []byte("~~~")) ||
		bytes.Contains(b, []byte("://")) || bytes.Contains(b, []byte("www.")) || bytes.IndexByte(b, '@') >= 0 ||
		bytes.Contains(b, []byte("\n\t")) || bytes.Contains(b, []byte("\n    ")) || bytes.HasPrefix(b, []byte("    ")) || bytes.HasPrefix(b, []byte("\t")) {
		return false
	}
	for i := 0; ; {
		j := bytes.IndexByte(b[i:], '<')
		if j < 0 {
			return true
		}
		at := i + j
		if at < 2 || b[at-1] != '{' || b[at-2] != '{' {
			return false
		}
		i = at + 1
	}
}

// find returns the offset of needle in body at or after from, or from.
func find(body []byte, from int, needle []byte) int {
	if from > len(body) {
		from = 0
	}
	if i := bytes.Index(body[from:], needle); i >= 0 && len(needle) > 0 {
		return from + i
	}
	return from
}

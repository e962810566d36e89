package check

import (
	"bytes"
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/yuin/goldmark/ast"

	"storyguard/tools/content"
	"storyguard/tools/identity"
)

// renderedText is one piece of a page as a reader receives it, with the
// span of the raw file it comes from.
type renderedText struct {
	// Data is the piece: a top-level Markdown block rendered to HTML by
	// goldmark with Hugo's extensions (content.Markdown), or a decoded
	// front-matter text.
	Data []byte
	// Start and End delimit the raw bytes of Page.Raw it comes from; At is
	// where a finding is reported.
	Start, End, At int
}

// renderMarkers are the bytes without which goldmark renders a body's words
// as they are written, so that the raw scan has seen them as the reader
// will: link and image brackets, autolinks and inline HTML, code spans,
// and backslash escapes.
const renderMarkers = "[\\`<"

// renderedTexts returns what a reader receives of p besides the raw bytes:
// every string of the front matter, decoded (YAML, TOML and JSON escapes
// resolved: "Mar\u0069sol"), and, when the body holds any renderMarkers,
// each top-level block of the body rendered to HTML (a link or escape in
// the middle of a word joins it: "[Mari](x)sol" reads "Marisol").
func renderedTexts(p *content.Page) []renderedText {
	var out []renderedText
	var walk func(path string, v any)
	walk = func(path string, v any) {
		switch v := v.(type) {
		case string:
			start, end := fieldSpan(p, path)
			out = append(out, renderedText{Data: []byte(v), Start: start, End: end, At: p.ValueOffset(path)})
		case map[string]any:
			keys := make([]string, 0, len(v))
			for k := range v {
				keys = append(keys, k)
			}
			slices.Sort(keys)
			for _, k := range keys {
				sub := k
				if path != "" {
					sub = path + "." + k
				}
				walk(sub, v[k])
			}
		case []any:
			for i, e := range v {
				walk(fmt.Sprintf("%s[%d]", path, i), e)
			}
		}
	}
	walk("", p.FrontMatter)
	body := p.Body()
	if p.Invalid || !bytes.ContainsAny(body, renderMarkers) {
		return out
	}
	doc := p.Markdown()
	r := content.Markdown.Renderer()
	for n := doc.FirstChild(); n != nil; n = n.NextSibling() {
		start, end, ok := nodeSpan(n)
		if !ok {
			continue
		}
		var buf bytes.Buffer
		if err := r.Render(&buf, body, n); err != nil {
			// A block goldmark cannot render is scanned raw only; the
			// whole raw file is scanned anyway.
			continue
		}
		out = append(out, renderedText{Data: buf.Bytes(), Start: p.BodyOffset + start, End: p.BodyOffset + end, At: p.BodyOffset + start})
	}
	return out
}

// nodeSpan returns the smallest and largest body offsets of n's lines and
// text segments; ok is false for a node with none.
func nodeSpan(n ast.Node) (start, end int, ok bool) {
	start, end = -1, -1
	see := func(a, b int) {
		if start < 0 || a < start {
			start = a
		}
		if b > end {
			end = b
		}
	}
	_ = ast.Walk(n, func(c ast.Node, entering bool) (ast.WalkStatus, error) {
		if !entering {
			return ast.WalkContinue, nil
		}
		if t, isText := c.(*ast.Text); isText {
			see(t.Segment.Start, t.Segment.Stop)
		} else if c.Type() == ast.TypeBlock {
			if l := c.Lines(); l != nil {
				for i := 0; i < l.Len(); i++ {
					see(l.At(i).Start, l.At(i).Stop)
				}
			}
		}
		return ast.WalkContinue, nil
	})
	return start, end, start >= 0
}

// renderedLeaks returns the registry matches in p's rendered texts that the
// raw scan (raw, ScanPage over Page.Raw) did not find in the same span for
// the same person and kind: names joined only once markup is rendered or
// escapes decoded. Each match's Start is the rendered text's At, in Raw.
func renderedLeaks(sc *identity.Scanner, p *content.Page, raw []identity.Match) []identity.Match {
	starts := map[[2]string][]int{}
	for _, m := range raw {
		if !m.InPath {
			k := [2]string{m.PersonID, m.Kind}
			starts[k] = append(starts[k], m.Start)
		}
	}
	for _, s := range starts {
		sort.Ints(s)
	}
	var out []identity.Match
	for _, t := range renderedTexts(p) {
		seen := map[[2]string]bool{}
		for _, m := range sc.ScanPage("", t.Data, identity.ScanOptions{}) {
			k := [2]string{m.PersonID, m.Kind}
			if seen[k] {
				continue
			}
			seen[k] = true
			s := starts[k]
			i := sort.SearchInts(s, t.Start)
			if i < len(s) && s[i] < t.End {
				continue
			}
			out = append(out, identity.Match{Start: t.At, End: t.At, PersonID: m.PersonID, Kind: m.Kind, Term: m.Term})
		}
	}
	return out
}

// fieldSpan returns the raw span of the field at path, or of its nearest
// written ancestor (a key inside a flow mapping is not located on its
// own), or the whole front matter.
func fieldSpan(p *content.Page, path string) (start, end int) {
	for q := path; q != ""; {
		if f, ok := p.Field(q); ok {
			return f.Key, max(f.End, f.ValueEnd)
		}
		i := strings.LastIndexAny(q, ".[")
		if i < 0 {
			break
		}
		q = q[:i]
	}
	return 0, p.BodyOffset
}

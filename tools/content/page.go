// Package content loads the pages of a Hugo site exactly as Hugo reads them:
// front matter through Hugo's parser/pageparser and parser/metadecoders, the
// body through goldmark with Hugo's extensions, with byte offsets so every
// finding can name a file, line and column.
package content

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
	line, col = 1, 1
	for _, b := range p.Raw[:offset] {
		if b == '\n' {
			line++
			col = 1
		} else {
			col++
		}
	}
	return line, col
}

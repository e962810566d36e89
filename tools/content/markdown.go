package content

import (
	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/ast"
	"github.com/yuin/goldmark/extension"
	"github.com/yuin/goldmark/parser"
	"github.com/yuin/goldmark/text"
)

// Markdown is the goldmark parser Storyguard reads bodies with: the
// extensions Hugo v0.165.0 enables by default (markup/goldmark/convert.go
// with goldmark_config.Default): table, strikethrough, linkify, task list,
// definition list, footnote, and attributes on titles. Hugo's typographer
// is left out on purpose: it only swaps punctuation when rendering and
// would split the text nodes the rules read, without changing which words
// or images a page holds. Hugo's own auto heading ids change nothing a rule
// reads either.
var Markdown = goldmark.New(
	goldmark.WithExtensions(
		extension.Table,
		extension.Strikethrough,
		extension.Linkify,
		extension.TaskList,
		extension.DefinitionList,
		extension.Footnote,
	),
	goldmark.WithParserOptions(parser.WithAttribute()),
)

// parseMarkdown parses body into a goldmark document; segments are offsets
// into body.
func parseMarkdown(body []byte) ast.Node {
	return Markdown.Parser().Parse(text.NewReader(body))
}

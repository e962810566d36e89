package content

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"text/template/parse"
)

// ShortcodeTemplate is what check needs to know of the templates Hugo
// would find for one shortcode name.
type ShortcodeTemplate struct {
	// Inner is Hugo's TemplInfo.ParseInfo.IsInner: the template evaluates
	// .Inner or .InnerDeindent. Hugo then requires every call to be closed
	// ("{{< x >}}...{{< /x >}}") or self-closed ("{{< x />}}"), and refuses
	// both for a template that does not (hugolib/shortcode.go
	// extractShortcode, v0.165.0).
	Inner bool
	// Ambiguous is set when the templates of this name (variants per
	// language or output format, the project's, a theme's and Hugo's own,
	// or one that does not parse) disagree on Inner or cannot be read: Hugo picks one of them arbitrarily
	// (tplimpl.LookupShortcodeByName), so no call of it is known to build.
	Ambiguous bool
	// Own is set when the project or a theme defines a template of this
	// name (overriding Hugo's own, if any): a shortcode the site made for
	// its writers, not one of EmbeddedShortcodes alone.
	Own bool
}

// EmbeddedShortcodes are the shortcodes Hugo v0.165.0 embeds, by name:
// tpl/tplimpl/embedded/templates/_shortcodes/*.html, plus "tweet", its
// alias of "twitter" (tpl/tplimpl/templates.go embeddedTemplatesAliases).
// The internal "1__h_simple_assets" is left out. TestEmbeddedShortcodes
// compares this list with the Hugo module.
var EmbeddedShortcodes = map[string]ShortcodeTemplate{
	"comment":          {Inner: true},
	"details":          {Inner: true},
	"figure":           {},
	"gist":             {},
	"highlight":        {Inner: true},
	"instagram":        {},
	"instagram_simple": {},
	"param":            {},
	"qr":               {Inner: true},
	"ref":              {},
	"relref":           {},
	"tweet":            {},
	"twitter":          {},
	"twitter_simple":   {},
	"vimeo":            {},
	"vimeo_simple":     {},
	"x":                {},
	"x_simple":         {},
	"youtube":          {},
}

// shortcodeDirs are the folders, relative to a project or theme root,
// where Hugo v0.165.0 finds shortcode templates: the current layout
// "_shortcodes" and the legacy "shortcodes" it maps onto it
// (tplimpl/templatestore.go).
var shortcodeDirs = []string{"layouts/_shortcodes", "layouts/shortcodes"}

// FindShortcodes returns the shortcodes Hugo would find for the site at
// root with the given themes (folders under themesDir, relative to root):
// the project's and each theme's layouts/_shortcodes and
// layouts/shortcodes, and EmbeddedShortcodes. Names are lowercase, as
// Hugo looks them up, the path below the shortcode folder without
// extension or identifiers ("_shortcodes/media.en.html" is "media",
// "_shortcodes/a/b.html" is "a/b"). A template that cannot be read or
// parsed makes its name Ambiguous. A shortcode folder that exists but
// cannot be walked is an error.
func FindShortcodes(root, themesDir string, themes []string) (map[string]ShortcodeTemplate, error) {
	out := map[string]ShortcodeTemplate{}
	for k, v := range EmbeddedShortcodes {
		out[k] = v
	}
	// Project templates override the themes', and themes override the
	// embedded ones; a name's flags come from the level that defines it.
	roots := []string{root}
	for _, t := range themes {
		roots = append(roots, filepath.Join(root, themesDir, t))
	}
	defined := map[string]bool{}
	for _, r := range roots {
		level := map[string]ShortcodeTemplate{}
		seen := map[string]bool{}
		for _, d := range shortcodeDirs {
			dir := filepath.Join(r, filepath.FromSlash(d))
			err := filepath.WalkDir(dir, func(path string, e fs.DirEntry, err error) error {
				if err != nil {
					if path == dir && errors.Is(err, fs.ErrNotExist) {
						return nil
					}
					return err
				}
				if e.IsDir() {
					return nil
				}
				rel, _ := filepath.Rel(dir, path)
				rel = filepath.ToSlash(rel)
				base := rel[strings.LastIndexByte(rel, '/')+1:]
				if strings.HasPrefix(base, ".") {
					return nil
				}
				name := strings.ToLower(rel[:len(rel)-len(base)] + strings.SplitN(base, ".", 2)[0])
				t := ShortcodeTemplate{Own: true}
				src, rerr := os.ReadFile(path)
				inner, perr := templateEvaluatesInner(string(src))
				if rerr != nil || perr != nil {
					t.Ambiguous = true
				}
				t.Inner = inner
				if seen[name] {
					prev := level[name]
					t.Ambiguous = t.Ambiguous || prev.Ambiguous || prev.Inner != t.Inner
					t.Inner = t.Inner || prev.Inner
				}
				seen[name] = true
				level[name] = t
				return nil
			})
			if err != nil {
				return nil, fmt.Errorf("read shortcode templates %s: %w", dir, err)
			}
		}
		for name, t := range level {
			prev, ok := out[name]
			switch {
			case !ok:
				out[name] = t
			case !defined[name]:
				// This level overrides the embedded template; Hugo's
				// check of .Inner may still read either.
				t.Ambiguous = t.Ambiguous || prev.Inner != t.Inner
				out[name] = t
			default:
				// A project template overrides a theme's, but which one
				// Hugo reads for .Inner is not defined
				// (tplimpl.LookupShortcodeByName keeps the last inserted).
				prev.Ambiguous = prev.Ambiguous || prev.Inner != t.Inner || t.Ambiguous
				out[name] = prev
			}
			defined[name] = true
		}
	}
	return out, nil
}

// templateEvaluatesInner reports whether the Go template src uses .Inner
// or .InnerDeindent in a command, the way Hugo's
// tplimpl.collectInnerInShortcode decides (any field or variable chain
// naming Inner or InnerDeindent: ".Inner", "$.Inner", "$sc.InnerDeindent",
// also inside parentheses, but not after a chain "(x).Inner", which Hugo
// does not look into either). Comments do not count. An error means src does not parse.
func templateEvaluatesInner(src string) (bool, error) {
	t := parse.New("shortcode")
	t.Mode = parse.SkipFuncCheck
	trees := map[string]*parse.Tree{}
	if _, err := t.Parse(src, "", "", trees); err != nil {
		return false, err
	}
	for _, tree := range trees {
		if tree != nil && tree.Root != nil && nodeEvaluatesInner(tree.Root) {
			return true, nil
		}
	}
	return false, nil
}

func nodeEvaluatesInner(n parse.Node) bool {
	switch n := n.(type) {
	case nil:
		return false
	case *parse.ListNode:
		if n == nil {
			return false
		}
		for _, c := range n.Nodes {
			if nodeEvaluatesInner(c) {
				return true
			}
		}
	case *parse.ActionNode:
		return n.Pipe != nil && nodeEvaluatesInner(n.Pipe)
	case *parse.PipeNode:
		if n == nil {
			return false
		}
		for _, c := range n.Cmds {
			if nodeEvaluatesInner(c) {
				return true
			}
		}
	case *parse.CommandNode:
		for _, a := range n.Args {
			var idents []string
			switch a := a.(type) {
			case *parse.FieldNode:
				idents = a.Ident
			case *parse.VariableNode:
				idents = a.Ident
			case *parse.PipeNode:
				if nodeEvaluatesInner(a) {
					return true
				}
			}
			for _, id := range idents {
				if id == "Inner" || id == "InnerDeindent" {
					return true
				}
			}
		}
	case *parse.IfNode:
		return nodeEvaluatesInner(n.Pipe) || nodeEvaluatesInner(n.List) || nodeEvaluatesInner(n.ElseList)
	case *parse.RangeNode:
		return nodeEvaluatesInner(n.Pipe) || nodeEvaluatesInner(n.List) || nodeEvaluatesInner(n.ElseList)
	case *parse.WithNode:
		return nodeEvaluatesInner(n.Pipe) || nodeEvaluatesInner(n.List) || nodeEvaluatesInner(n.ElseList)
	case *parse.TemplateNode:
		return n.Pipe != nil && nodeEvaluatesInner(n.Pipe)
	}
	return false
}

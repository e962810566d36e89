package check

import (
	"maps"
	"slices"
	"strings"

	"storyguard/tools/consent"
	"storyguard/tools/content"
	"storyguard/tools/diag"
)

// RuleShortcodeUnknown is the error for a shortcode call Hugo would refuse
// at build time: a name no template defines (content.Site.Shortcodes), an
// inline shortcode, a call without a name, a call whose closing does
// not fit its template, or, on a story page, one of Hugo's built-in
// shortcodes the site does not define itself (param prints site settings,
// figure loads images from anywhere, ref and relref pull in other pages:
// not what a storyteller approved, and a desk story's text is hers to
// read literally) (hugolib/shortcode.go extractShortcode, Hugo
// v0.165.0). Such a page fails the whole Hugo build, so check must stop it
// first. Messages say "this shortcode" and the position, never the name
// as written: it may be anything, a registry name included.
const RuleShortcodeUnknown = "shortcode-unknown"

type shortcodeRule struct{}

func (shortcodeRule) ID() string              { return RuleShortcodeUnknown }
func (shortcodeRule) Severity() diag.Severity { return diag.Error }

// Check pairs the page's shortcode tags the way Hugo's extractShortcode
// does: a call of a template that evaluates .Inner runs to its closing
// tag (or is self-closed), nested calls included; any other call ends at
// its right delimiter and may be neither self-closed nor closed. Hugo
// stops at the first fault, and so does Check: one finding per page.
func (r shortcodeRule) Check(c *Context, s *consent.Story) []diag.Diagnostic {
	tags := s.Page.ShortcodeTags
	known := c.Site.Shortcodes
	var bad *diag.Diagnostic
	fail := func(t content.ShortcodeTag, format string, args ...any) {
		if bad == nil {
			d := finding(r, s, t.Offset, format, args...)
			bad = &d
		}
	}
	// call handles the opening tag tags[i] and returns the index after
	// its call, or -1 after a fault.
	var call func(i, depth int) int
	call = func(i, depth int) int {
		t := tags[i]
		if t.Close {
			fail(t, "this closing shortcode tag closes no shortcode that takes inner content; remove it")
			return -1
		}
		if t.Name == "" {
			fail(t, "this shortcode has no name; write {{< media id=\"...\" >}} or remove it")
			return -1
		}
		if t.Inline {
			fail(t, "inline shortcodes are not allowed in content: check cannot know what their template shows; use a shortcode of the theme")
			return -1
		}
		tmpl, ok := known[strings.ToLower(t.Name)]
		if !ok {
			hint := "the site defines no shortcode of its own"
			if own := themeShortcodes(c.Site); len(own) > 0 {
				hint = "use one of the site's shortcodes (" + strings.Join(own, ", ") + ")"
			}
			if near, ok := consent.NearMiss(t.Name, slices.Collect(maps.Keys(known))); ok {
				hint = "did you mean \"" + near + "\"?"
			}
			fail(t, "this shortcode is not one Hugo would find (not in layouts/_shortcodes, the theme's, or Hugo's own), so the whole build would fail; %s", hint)
			return -1
		}
		if s.IsStory && !tmpl.Own {
			hint := "the site defines none for stories"
			if own := themeShortcodes(c.Site); len(own) > 0 {
				hint = "use " + strings.Join(own, ", ")
			}
			fail(t, "a story may use only the site's own shortcodes (%s): Hugo's built-in ones can print the site's settings, load images from other sites or pull in other pages, none of which the storyteller approved", hint)
			return -1
		}
		if tmpl.Ambiguous {
			fail(t, "the templates of this shortcode disagree on whether it takes inner content, or one does not parse, so Hugo may refuse any call of it; fix its templates")
			return -1
		}
		if !tmpl.Inner {
			if t.SelfClosed {
				fail(t, "this shortcode takes no inner content, so Hugo refuses it self-closed (\"/>\"); write it without the \"/\"")
				return -1
			}
			return i + 1
		}
		if t.SelfClosed {
			return i + 1
		}
		if depth > 100 {
			fail(t, "shortcodes nested more than 100 deep")
			return -1
		}
		for j := i + 1; j < len(tags); {
			if tags[j].Close {
				return j + 1
			}
			if j = call(j, depth+1); j < 0 {
				return -1
			}
		}
		fail(t, "this shortcode takes inner content and is never closed; close it ({{< /... >}}) or self-close it (\"/>\")")
		return -1
	}
	for i := 0; i < len(tags) && i >= 0; {
		i = call(i, 0)
	}
	if bad == nil {
		return nil
	}
	return []diag.Diagnostic{*bad}
}

// themeShortcodes lists the site's shortcodes that are not Hugo's own,
// sorted: what a writer is meant to use.
func themeShortcodes(site *content.Site) []string {
	var out []string
	for name := range site.Shortcodes {
		if _, embedded := content.EmbeddedShortcodes[name]; !embedded {
			out = append(out, name)
		}
	}
	slices.Sort(out)
	return out
}

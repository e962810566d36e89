package check

import (
	"fmt"
	"regexp"
	"slices"

	"storyguard/tools/consent"
	"storyguard/tools/content"
	"storyguard/tools/diag"
)

// fundraisingRule is fundraising-channel: a page the organisation marks as
// fundraising (front matter fundraising: true: a "how to help" page, an
// appeal) may show or link a story only when that story's consent names
// the fundraising channel and the page's language (DESIGN.md "Content
// model": consent.channels; issue #18). A story is shown or linked by
// its id in featured_stories (which the theme renders as story cards), by
// its id anywhere in the body, or by a path to its bundle
// ("stories/<slug>", in a link, a ref shortcode or plain text, with or
// without a language prefix or the base URL). A story that cannot be
// found, or whose consent is missing, not given or renewed, or does not
// cover fundraising in the page's language, is an error at the mention.
type fundraisingRule struct{}

func (fundraisingRule) ID() string              { return "fundraising-channel" }
func (fundraisingRule) Severity() diag.Severity { return diag.Error }

// storyPathRef finds a path to a story bundle: "stories/<slug>" after a
// start of text, "/", a quote, "(" or a space.
var storyPathRef = regexp.MustCompile(`(?:^|[/"'(\s])stories/([a-z0-9][a-z0-9_-]*)`)

// storyIDRef finds a story id ("st-" and letters or digits) on its own.
var storyIDRef = regexp.MustCompile(`\bst-[a-z0-9]+\b`)

func (r fundraisingRule) Check(c *Context, s *consent.Story) []diag.Diagnostic {
	if s.IsStory {
		return nil
	}
	v, _ := s.Page.Get("fundraising")
	if v != true {
		return nil
	}
	var ds []diag.Diagnostic
	seen := map[string]bool{}
	check := func(off int, match func(*content.Page) bool, what string) {
		if seen[what] {
			return
		}
		seen[what] = true
		if msg := fundraisingCovered(c.Site, s.Page.Lang, match); msg != "" {
			ds = append(ds, finding(r, s, off, "%s %s; a fundraising page may show or link a story only when its consent includes the fundraising channel in the page's language", what, msg))
		}
	}
	if list, ok := s.Page.Get("featured_stories"); ok {
		items, isList := list.([]any)
		if !isList {
			ds = append(ds, finding(r, s, s.Page.FieldOffset("featured_stories"), "featured_stories: want a list of story ids"))
		}
		for i, it := range items {
			id, _ := it.(string)
			off := s.Page.ValueOffset(fmt.Sprintf("featured_stories[%d]", i))
			if !storyIDRef.MatchString(id) || storyIDRef.FindString(id) != id {
				ds = append(ds, finding(r, s, off, "featured_stories[%d]: want a story id such as st-7q2k9m", i))
				continue
			}
			check(off, func(p *content.Page) bool { return p.FrontMatter["story_id"] == id }, "story "+id)
		}
	}
	body := s.Page.Raw[s.Page.BodyOffset:]
	for _, m := range storyIDRef.FindAllIndex(body, -1) {
		id := string(body[m[0]:m[1]])
		check(s.Page.BodyOffset+m[0], func(p *content.Page) bool { return p.FrontMatter["story_id"] == id }, "story "+id)
	}
	for _, m := range storyPathRef.FindAllSubmatchIndex(body, -1) {
		bundle := "stories/" + string(body[m[2]:m[3]])
		check(s.Page.BodyOffset+m[2], func(p *content.Page) bool { return p.Bundle == bundle }, "the story at "+bundle)
	}
	return ds
}

// fundraisingCovered returns "" when the story whose pages match covers
// fundraising in lang: its page in lang (or, when it has none in lang,
// each of its pages) has a consent that is given or renewed and covers
// the fundraising channel in lang. Otherwise it returns why not, naming
// only the consent record id.
func fundraisingCovered(site *content.Site, lang string, match func(*content.Page) bool) string {
	var pages []*content.Page
	for _, p := range site.Pages {
		if !p.IsIndex && p.Section == "stories" && match(p) {
			pages = append(pages, p)
		}
	}
	if len(pages) == 0 {
		return "is not a story of this site, so its consent cannot be checked"
	}
	if i := slices.IndexFunc(pages, func(p *content.Page) bool { return p.Lang == lang }); i >= 0 {
		pages = pages[i : i+1]
	}
	for _, p := range pages {
		st, _ := consent.Parse(p)
		switch {
		case st == nil || st.Consent == nil:
			return "has no consent record that can be read"
		case !st.Consent.Status.Publishable():
			return fmt.Sprintf("has consent %s with status %s", st.Consent.SafeRecord(), st.Consent.Status)
		case !st.Consent.Covers("fundraising", lang):
			return fmt.Sprintf("has consent %s, which does not include the fundraising channel in %s", st.Consent.SafeRecord(), lang)
		}
	}
	return ""
}

package publish

import (
	"path"
	"slices"
	"strings"

	"storyguard/tools/check"
	"storyguard/tools/consent"
	"storyguard/tools/content"
)

// Storytellers are the person ids the output scan needs after planning:
// Live are the storytellers of publishable pages; Withdrawn are those of
// withdrawn or refused stories that no publishable page names. Both are
// sorted, without repeats.
type Storytellers struct {
	Live, Withdrawn []string
}

// PlanSite turns the checker's report on s (check.Run: its findings and
// the stories it parsed) into the pipeline's plan: the pages that passed (check.Publishable), every story
// bundle with its ids, languages, consent records, media, approval state
// and the site key prefixes of its own pages (PagePrefix), and the media of
// the organisation's own publishable pages. A page whose photo files are not
// the approved ones (check.RuleReviewMedia) makes its story unapproved, like
// changed text. Invalid pages are left out; a bundle without a story_id is
// not a story of the plan. It reads nothing but s and rep, and parses a
// page only when rep holds no story for it (an emergency withdrawal plans
// with an empty report: no rule runs, every page counts as passing).
func PlanSite(s *content.Site, rep check.Report) (*Plan, Storytellers) {
	ds := rep.Diagnostics
	parsed := make(map[*content.Page]*consent.Story, len(rep.Stories))
	for _, st := range rep.Stories {
		if st != nil {
			parsed[st.Page] = st
		}
	}
	storyOf := func(p *content.Page) *consent.Story {
		if st := parsed[p]; st != nil {
			return st
		}
		st, _ := consent.Parse(p)
		return st
	}
	plan := &Plan{}
	var live, withdrawn []string
	ok := map[string]bool{}
	photosChanged := map[string]bool{}
	for _, d := range ds {
		if d.Rule == check.RuleReviewMedia {
			photosChanged[d.File] = true
		}
	}
	for _, p := range check.Publishable(s, ds) {
		plan.Pages = append(plan.Pages, p.Path)
		ok[p.Path] = true
	}
	for _, bundle := range s.Bundles() {
		var st *Story
		for _, p := range bundle {
			if p.Invalid {
				continue
			}
			story := storyOf(p)
			if !consent.IsStoryPage(p) {
				if ok[p.Path] {
					for _, m := range story.Media {
						if !slices.Contains(plan.OrgMedia, m.ID) {
							plan.OrgMedia = append(plan.OrgMedia, m.ID)
						}
					}
				}
				continue
			}
			if st == nil {
				st = &Story{ID: story.ID, Bundle: p.Bundle, Approved: true}
			}
			if person := storytellerOf(story); person != "" {
				switch {
				case ok[p.Path]:
					live = append(live, person)
				case story.Consent != nil && (story.Consent.Status == consent.Withdrawn || story.Consent.Status == consent.Refused):
					withdrawn = append(withdrawn, person)
				}
			}
			st.Files = append(st.Files, p.Path)
			st.Langs = append(st.Langs, p.Lang)
			if ok[p.Path] {
				st.Publishable = true
				for _, m := range story.Media {
					if !slices.Contains(st.Media, m.ID) {
						st.Media = append(st.Media, m.ID)
					}
				}
			}
			if ok[p.Path] && story.Consent.Covers("social", p.Lang) {
				st.Social = append(st.Social, p.Lang)
			}
			if ok[p.Path] && story.Consent != nil && !story.Consent.SearchEngines {
				st.Unindexed = append(st.Unindexed, unindexedTexts(story)...)
			}
			if story.Consent != nil && story.Consent.Record != "" && !slices.Contains(st.ConsentRecords, story.Consent.Record) {
				st.ConsentRecords = append(st.ConsentRecords, story.Consent.Record)
			}
			if story.Consent != nil && (st.Status == "" || p.Lang == s.DefaultLanguage) {
				st.Status = string(story.Consent.Status)
				st.Expires = story.Consent.Expires
			}
			if story.Review.ApprovedSHA256 == "" || story.Review.ApprovedSHA256 != consent.ApprovalDigest(p) || photosChanged[p.Path] {
				st.Approved = false
			}
			st.PagePrefixes = append(st.PagePrefixes, PagePrefix(s, p))
		}
		if st != nil && st.ID != "" {
			plan.Stories = append(plan.Stories, *st)
		}
	}
	withdrawn = slices.DeleteFunc(withdrawn, func(id string) bool { return slices.Contains(live, id) })
	slices.Sort(live)
	slices.Sort(withdrawn)
	return plan, Storytellers{Live: slices.Compact(live), Withdrawn: slices.Compact(withdrawn)}
}

// PagePrefix is the site key prefix of a page's own output folder, as Hugo
// v0.165.0 places it (resources/page/page_paths.go, CreateTargetPaths):
// "site/[<lang>/]<section>/<slug>/", where <lang>/ is left out for the
// site's default language (defaultContentLanguageInSubdir false). The
// bundle path is normalised as Hugo does (lower case, spaces as hyphens:
// "stories/Ana Maria" is "stories/ana-maria"). A front-matter slug, its
// leading and trailing hyphens trimmed and normalised the same way,
// replaces the bundle's last path element. A
// front-matter url replaces the whole path: one with a leading slash is
// taken from the site root ("site/<url>/"), one without is relative to the
// language's root ("site/[<lang>/]<url>/"). The trailing slash matters:
// "site/stories/ana/" does not hold "site/stories/ana-maria/".
func PagePrefix(s *content.Site, p *content.Page) string {
	lang := ""
	if p.Lang != s.DefaultLanguage {
		lang = p.Lang + "/"
	}
	if u, ok := p.Get("url"); ok {
		if us, ok := u.(string); ok && us != "" {
			if strings.HasPrefix(us, "/") {
				lang = ""
			}
			return "site/" + lang + strings.Trim(path.Clean("/"+us), "/") + "/"
		}
	}
	dir := normalisePath(p.Bundle)
	if sl, ok := p.Get("slug"); ok {
		if ss, ok := sl.(string); ok && strings.Trim(ss, "-") != "" {
			dir = path.Join(path.Dir(dir), normalisePath(strings.Trim(ss, "-")))
		}
	}
	return "site/" + lang + dir + "/"
}

// normalisePath is Hugo's basic path normalisation of content paths and
// slugs (v0.165.0 common/paths NormalizePathStringBasic; the site does not
// set disablePathToLower): lower case, spaces as hyphens. Accents stay.
func normalisePath(s string) string {
	return strings.ReplaceAll(strings.ToLower(s), " ", "-")
}

// storytellerOf returns the story's storyteller person id, or "".
func storytellerOf(story *consent.Story) string {
	if story.Storyteller == nil {
		return ""
	}
	return story.Storyteller.Person
}

// unindexedTexts returns what a reader sees of story in listings (title,
// description, byline unless anonymous), for the output-noindex scan.
func unindexedTexts(story *consent.Story) []UnindexedText {
	out := []UnindexedText{{StoryID: story.SafeID(), Field: "title", Text: story.Title}, {StoryID: story.SafeID(), Field: "description", Text: story.Description}}
	if st := story.Storyteller; st != nil && st.NameKind != "anonymous" {
		out = append(out, UnindexedText{StoryID: story.SafeID(), Field: "byline", Text: st.DisplayName})
	}
	return out
}

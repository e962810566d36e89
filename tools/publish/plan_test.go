package publish

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"storyguard/tools/check"
	"storyguard/tools/consent"
	"storyguard/tools/content"
	"storyguard/tools/diag"
)

const planConfig = `baseURL = "https://stories.example.org/"
defaultContentLanguage = "en"
[languages]
  [languages.en]
    weight = 1
  [languages.es]
    weight = 2
[taxonomies]
  country = "countries"
  theme = "themes"
`

// planStory is the front matter of a story page with the given id, status
// and storyteller, placed in Guatemala (a taxonomy term).
func planStory(id, status, person string) string {
	return `---
title: "A story"
description: "What it is about."
story_id: ` + id + `
storyteller: {display_name: "Ana*", name_kind: pseudonym, person: ` + person + `}
consent: {record: cr-` + id + `, status: ` + status + `, search_engines: true}
countries: [Guatemala]
themes: [justice]
media:
  - {id: m-` + id + `, alt: "a drawing"}
---
Body.
`
}

// loadPlanSite writes files (slash paths under the site root) and loads
// the site.
func loadPlanSite(t *testing.T, files map[string]string) *content.Site {
	t.Helper()
	root := t.TempDir()
	files["config.toml"] = planConfig
	for name, text := range files {
		p := filepath.Join(root, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	s, err := content.LoadSite(root)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func storyByID(t *testing.T, plan *Plan, id string) Story {
	t.Helper()
	for _, s := range plan.Stories {
		if s.ID == id {
			return s
		}
	}
	t.Fatalf("story %s not in the plan (%d stories)", id, len(plan.Stories))
	return Story{}
}

// TestPlanSitePrefixes asserts every site prefix each story owns, in both
// languages and for a story told in one language only, and that no
// prefix of one story holds a key of another whose slug it begins (ana and
// ana-maria): a wrong prefix leaves a withdrawn page live, or takes down
// someone else's.
func TestPlanSitePrefixes(t *testing.T) {
	s := loadPlanSite(t, map[string]string{
		"content/_index.md":                        "---\ntitle: Home\n---\n",
		"content/stories/_index.md":                "---\ntitle: Stories\n---\n",
		"content/stories/ana/index.md":             planStory("st-ana", "given", "p-1"),
		"content/stories/ana/index.es.md":          planStory("st-ana", "given", "p-1"),
		"content/stories/ana-maria/index.md":       planStory("st-anamaria", "withdrawn", "p-2"),
		"content/stories/ana-maria/index.es.md":    planStory("st-anamaria", "withdrawn", "p-2"),
		"content/stories/solo-es/index.es.md":      planStory("st-solo", "given", "p-3"),
		"content/countries/guatemala/_index.md":    "---\ntitle: Guatemala\n---\n",
		"content/countries/guatemala/_index.es.md": "---\ntitle: Guatemala\n---\n",
		"content/advocacy/hub/index.md":            "---\ntitle: Hub\nmedia:\n  - {id: m-org, alt: \"a map\"}\n---\n",
		"content/themes/justice/_index.md":         "---\ntitle: Justice\n---\n",
	})
	// The withdrawn story is not publishable (check says not-published).
	ds := []diag.Diagnostic{
		{File: "content/stories/ana-maria/index.md", Rule: check.RuleNotPublished, Severity: diag.Info},
		{File: "content/stories/ana-maria/index.es.md", Rule: check.RuleNotPublished, Severity: diag.Info},
	}
	plan, who := PlanSite(s, check.Report{Diagnostics: ds})

	want := map[string][]string{
		"st-ana":      {"site/stories/ana/", "site/es/stories/ana/"},
		"st-anamaria": {"site/stories/ana-maria/", "site/es/stories/ana-maria/"},
		"st-solo":     {"site/es/stories/solo-es/"},
	}
	if len(plan.Stories) != len(want) {
		var ids []string
		for _, st := range plan.Stories {
			ids = append(ids, st.ID)
		}
		t.Fatalf("plan stories = %v, want exactly %d (taxonomy, section and advocacy pages are no stories)", ids, len(want))
	}
	for id, prefixes := range want {
		st := storyByID(t, plan, id)
		got := slices.Clone(st.PagePrefixes)
		slices.Sort(got)
		slices.Sort(prefixes)
		if !slices.Equal(got, prefixes) {
			t.Errorf("%s: PagePrefixes = %q, want %q", id, got, prefixes)
		}
		if len(st.Files) != len(st.Langs) || len(st.Files) != len(st.PagePrefixes) {
			t.Errorf("%s: %d files, %d languages, %d prefixes: want one of each per language file", id, len(st.Files), len(st.Langs), len(st.PagePrefixes))
		}
	}
	// The built pages of each story (index.html, its images, its
	// translations) fall under its own prefixes and under nobody else's.
	built := map[string]string{
		"site/stories/ana/index.html":          "st-ana",
		"site/es/stories/ana/index.html":       "st-ana",
		"site/stories/ana-maria/index.html":    "st-anamaria",
		"site/es/stories/ana-maria/index.html": "st-anamaria",
		"site/es/stories/solo-es/index.html":   "st-solo",
	}
	for key, owner := range built {
		for _, st := range plan.Stories {
			holds := slices.ContainsFunc(st.PagePrefixes, func(p string) bool { return strings.HasPrefix(key, p) })
			if holds != (st.ID == owner) {
				t.Errorf("%s: under a prefix of %s = %v, want %v", key, st.ID, holds, st.ID == owner)
			}
		}
	}
	// Shared pages (home, sections, taxonomy terms) are rebuilt, never
	// purged as a story's own.
	for _, shared := range []string{"site/index.html", "site/stories/index.html", "site/countries/guatemala/index.html", "site/es/countries/guatemala/index.html", "site/themes/justice/index.html"} {
		for _, st := range plan.Stories {
			if slices.ContainsFunc(st.PagePrefixes, func(p string) bool { return strings.HasPrefix(shared, p) }) {
				t.Errorf("shared page %s is under a prefix of %s (%q)", shared, st.ID, st.PagePrefixes)
			}
		}
	}

	ana := storyByID(t, plan, "st-ana")
	if !ana.Publishable || !slices.Equal(ana.Media, []string{"m-st-ana"}) || ana.Bundle != "stories/ana" {
		t.Errorf("st-ana: publishable %v, media %q, bundle %q; want true, [m-st-ana], stories/ana", ana.Publishable, ana.Media, ana.Bundle)
	}
	if w := storyByID(t, plan, "st-anamaria"); w.Publishable || w.Status != "withdrawn" || len(w.Media) != 0 {
		t.Errorf("withdrawn story: publishable %v, status %q, media %q; want false, withdrawn, none", w.Publishable, w.Status, w.Media)
	}
	if solo := storyByID(t, plan, "st-solo"); !slices.Equal(solo.Langs, []string{"es"}) {
		t.Errorf("st-solo languages = %q, want [es]", solo.Langs)
	}
	if !slices.Equal(who.Live, []string{"p-1", "p-3"}) || !slices.Equal(who.Withdrawn, []string{"p-2"}) {
		t.Errorf("storytellers = %+v, want live [p-1 p-3], withdrawn [p-2]", who)
	}
	if !slices.Equal(plan.OrgMedia, []string{"m-org"}) {
		t.Errorf("OrgMedia = %q, want [m-org]", plan.OrgMedia)
	}
	for _, p := range plan.Pages {
		if strings.Contains(p, "ana-maria") {
			t.Errorf("withdrawn page %s in plan.Pages", p)
		}
	}
}

// TestPlanSiteTranslationJudgedAlone: a translation with an error leaves
// the story publishable in the other language, keeps the failing file's
// prefix in the story (so withdrawal and prune still reach it) and leaves
// the failing file out of the pages to build.
func TestPlanSiteTranslationJudgedAlone(t *testing.T) {
	s := loadPlanSite(t, map[string]string{
		"content/stories/ana/index.md":    planStory("st-ana", "given", "p-1"),
		"content/stories/ana/index.es.md": planStory("st-ana", "given", "p-1"),
	})
	ds := []diag.Diagnostic{{File: "content/stories/ana/index.es.md", Rule: "consent-language", Severity: diag.Error}}
	plan, _ := PlanSite(s, check.Report{Diagnostics: ds})
	if !slices.Equal(plan.Pages, []string{"content/stories/ana/index.md"}) {
		t.Errorf("Pages = %q, want only the English file", plan.Pages)
	}
	st := storyByID(t, plan, "st-ana")
	if !st.Publishable || !slices.Contains(st.PagePrefixes, "site/es/stories/ana/") {
		t.Errorf("publishable %v, prefixes %q: want true and the Spanish prefix kept", st.Publishable, st.PagePrefixes)
	}
}

// TestPlanSiteReviewMediaUnapproves: photos changed since approval
// (check.RuleReviewMedia, a warning) make the story unapproved.
func TestPlanSiteReviewMediaUnapproves(t *testing.T) {
	s := loadPlanSite(t, map[string]string{"content/stories/ana/index.md": planStory("st-ana", "given", "p-1")})
	plan, _ := PlanSite(s, check.Report{Diagnostics: []diag.Diagnostic{{File: "content/stories/ana/index.md", Rule: check.RuleReviewMedia, Severity: diag.Warning}}})
	if storyByID(t, plan, "st-ana").Approved {
		t.Error("story approved although its photos changed since approval")
	}
}

// TestPagePrefixFrontMatter: slug replaces the bundle's last element, url
// the whole path, in each language, and folder names are normalised, as
// Hugo v0.165.0 places the page (resources/page/page_paths.go
// CreateTargetPaths: a url without a leading slash is relative to the
// language's root, one with it is not). The expected keys are what a real
// Hugo build wrote for these pages (tools/site TestPagePrefixMatchesHugo
// checks the same against the build).
func TestPagePrefixFrontMatter(t *testing.T) {
	s := loadPlanSite(t, map[string]string{
		"content/advocacy/a/index.md":            "---\ntitle: A\nslug: other\n---\n",
		"content/advocacy/a/index.es.md":         "---\ntitle: A\nslug: otro\n---\n",
		"content/advocacy/b/index.md":            "---\ntitle: B\nurl: /campaign/b/\n---\n",
		"content/advocacy/b/index.es.md":         "---\ntitle: B\nurl: /campana/b/\n---\n",
		"content/advocacy/c/index.es.md":         "---\ntitle: C\nurl: campana/c\n---\n",
		"content/advocacy/c/index.md":            "---\ntitle: C\nurl: campaign/c/\n---\n",
		"content/advocacy/d/index.md":            "---\ntitle: D\n---\n",
		"content/advocacy/Ana Maria/index.md":    "---\ntitle: E\n---\n",
		"content/advocacy/Ana Maria/index.es.md": "---\ntitle: E\n---\n",
		"content/advocacy/f/index.md":            "---\ntitle: F\nslug: \"-Otro Slug-\"\n---\n",
		"content/advocacy/g/index.es.md":         "---\ntitle: G\nurl: /Campana/G/\n---\n",
		"content/advocacy/niña/index.md":         "---\ntitle: H\n---\n",
	})
	want := map[string]string{
		"content/advocacy/a/index.md":    "site/advocacy/other/",
		"content/advocacy/a/index.es.md": "site/es/advocacy/otro/",
		"content/advocacy/b/index.md":    "site/campaign/b/",
		"content/advocacy/b/index.es.md": "site/campana/b/",
		"content/advocacy/c/index.es.md": "site/es/campana/c/",
		"content/advocacy/c/index.md":    "site/campaign/c/",
		"content/advocacy/d/index.md":    "site/advocacy/d/",
		// Hugo lowercases the content path and turns spaces into hyphens
		// (common/paths NormalizePathStringBasic), slugs too after trimming
		// their hyphens; a url with a leading slash is kept as written;
		// accents stay.
		"content/advocacy/Ana Maria/index.md":    "site/advocacy/ana-maria/",
		"content/advocacy/Ana Maria/index.es.md": "site/es/advocacy/ana-maria/",
		"content/advocacy/f/index.md":            "site/advocacy/otro-slug/",
		"content/advocacy/g/index.es.md":         "site/Campana/G/",
		"content/advocacy/niña/index.md":         "site/advocacy/niña/",
	}
	for _, p := range s.Pages {
		w, ok := want[p.Path]
		if !ok {
			continue
		}
		if got := PagePrefix(s, p); got != w {
			t.Errorf("%s: PagePrefix = %q, want %q", p.Path, got, w)
		}
		delete(want, p.Path)
	}
	for p := range want {
		t.Errorf("%s: not loaded", p)
	}
}

// TestStoryLookupAgrees: approve (consent.FindStory over the pages) and
// withdraw (findStory over the plan) resolve every name to the same
// bundle, or both refuse it: a story approved by its slug is the story
// withdrawn by that slug.
func TestStoryLookupAgrees(t *testing.T) {
	s := loadPlanSite(t, map[string]string{
		"content/stories/_index.md":             "---\ntitle: Stories\n---\n",
		"content/stories/ana/index.md":          planStory("st-ana", "given", "p-1"),
		"content/stories/ana/index.es.md":       planStory("st-ana", "given", "p-1"),
		"content/stories/ana-maria/index.md":    planStory("st-anamaria", "given", "p-2"),
		"content/advocacy/told/index.md":        planStory("st-told", "given", "p-3"),
		"content/advocacy/hub/index.md":         "---\ntitle: Hub\n---\n",
		"content/stories/copy-a/index.md":       planStory("st-copied", "given", "p-4"),
		"content/stories/copy-b/index.md":       planStory("st-copied", "given", "p-4"),
		"content/partners/ana-maria/index.md":   "---\ntitle: A partner\n---\n",
		"content/stories/twice/index.md":        planStory("st-twice1", "given", "p-5"),
		"content/advocacy/twice/index.md":       planStory("st-twice2", "given", "p-6"),
		"content/countries/guatemala/_index.md": "---\ntitle: Guatemala\n---\n",
	})
	plan, _ := PlanSite(s, check.Report{})
	want := map[string]string{ // name -> bundle; "" refused by both
		"st-ana": "stories/ana", "ana": "stories/ana", "stories/ana": "stories/ana",
		"an": "", "ana-": "", "st-an": "",
		"ana-maria": "stories/ana-maria", "st-anamaria": "stories/ana-maria",
		"told": "advocacy/told", "st-told": "advocacy/told",
		"hub": "", "advocacy/hub": "", "guatemala": "", "stories": "",
		"st-copied": "", "copy-a": "stories/copy-a",
		"twice": "", "st-twice2": "advocacy/twice",
		"": "",
	}
	for name, bundle := range want {
		pages, perr := consent.FindStory(s, name)
		st, serr := findStory(plan, name)
		got1, got2 := "", ""
		if perr == nil {
			got1 = pages[0].Bundle
			for _, p := range pages {
				if p.Bundle != got1 {
					t.Errorf("FindStory(%q) returned pages of %s and %s", name, got1, p.Bundle)
				}
			}
		}
		if serr == nil {
			got2 = st.Bundle
		}
		if got1 != bundle || got2 != bundle {
			t.Errorf("%q: approve finds %q (%v), withdraw finds %q (%v); want %q for both", name, got1, perr, got2, serr, bundle)
		}
	}
}

// TestPlanSiteUsesTheCheckersStories: the plan is made from the stories
// check.Run parsed, the same values the rules judged, and agrees with a
// plan made without them (parsing each page itself).
func TestPlanSiteUsesTheCheckersStories(t *testing.T) {
	s := loadPlanSite(t, map[string]string{
		"content/stories/ana/index.md":    planStory("st-ana", "given", "p-1"),
		"content/stories/ana/index.es.md": planStory("st-ana", "given", "p-1"),
	})
	rep := check.Run(s, check.Options{Now: time.Date(2026, 11, 29, 0, 0, 0, 0, time.UTC)})
	if len(rep.Stories) != len(s.Pages) {
		t.Fatalf("report holds %d stories for %d pages", len(rep.Stories), len(s.Pages))
	}
	own, _ := PlanSite(s, check.Report{Diagnostics: rep.Diagnostics})
	for _, st := range rep.Stories {
		st.ID = "st-as-checked" // what the rules saw is what the plan uses
	}
	plan, _ := PlanSite(s, rep)
	if len(plan.Stories) != 1 || plan.Stories[0].ID != "st-as-checked" {
		t.Fatalf("plan stories %+v: want the checker's story", plan.Stories)
	}
	if !slices.Equal(plan.Pages, own.Pages) || !slices.Equal(plan.Stories[0].PagePrefixes, own.Stories[0].PagePrefixes) {
		t.Errorf("plans differ: %q %q vs %q %q", plan.Pages, plan.Stories[0].PagePrefixes, own.Pages, own.Stories[0].PagePrefixes)
	}
}

package check_test

import (
	"slices"
	"testing"

	"storyguard/tools/check"
	"storyguard/tools/consent"
	"storyguard/tools/content"
	"storyguard/tools/diag"
)

// allPages is a SiteRule that reports one finding on every page it is
// given, under its own rule id, and remembers the pages.
type allPages struct{ seen []string }

func (a *allPages) CheckSite(_ *check.Context, stories []*consent.Story) []diag.Diagnostic {
	var ds []diag.Diagnostic
	for _, s := range stories {
		a.seen = append(a.seen, s.Page.Path)
		ds = append(ds, diag.Diagnostic{File: s.Page.Path, Line: 1, Col: 1, Rule: "site-test", Severity: diag.Error, Message: "site-wide"})
	}
	return ds
}

// TestSiteRules: a site rule sees every page that loaded, drafts and
// withdrawn stories included, once; its findings keep their own rule id
// and are kept only on pages Run checks. Run's report holds one parsed
// story per page.
func TestSiteRules(t *testing.T) {
	root := t.TempDir()
	files := map[string]string{
		"config.toml":                      "defaultContentLanguage = \"en\"\n",
		"content/stories/live/index.md":    "---\ntitle: Live\nstory_id: st-live1\nconsent: {status: given}\n---\nText.\n",
		"content/stories/gone/index.md":    "---\ntitle: Gone\nstory_id: st-gone1\nconsent: {status: withdrawn}\n---\nText.\n",
		"content/stories/draft/index.md":   "---\ntitle: Draft\ndraft: true\nstory_id: st-draft1\n---\nText.\n",
		"content/stories/broken/index.md":  "---\ntitle: [unclosed\n---\nText.\n",
		"content/advocacy/a-page/index.md": "---\ntitle: A page\n---\nText.\n",
	}
	for name, text := range files {
		writeFixture(t, root, name, []byte(text))
	}
	site, err := content.LoadSite(root)
	if err != nil {
		t.Fatal(err)
	}
	r := &allPages{}
	rep := check.Run(site, check.Options{Now: now, SiteRules: []check.SiteRule{r}})
	slices.Sort(r.seen)
	wantSeen := []string{"content/advocacy/a-page/index.md", "content/stories/draft/index.md", "content/stories/gone/index.md", "content/stories/live/index.md"}
	if !slices.Equal(r.seen, wantSeen) {
		t.Errorf("site rule saw %q, want every loaded page %q", r.seen, wantSeen)
	}
	var got []string
	for _, d := range rep.Diagnostics {
		if d.Rule == "site-test" {
			got = append(got, d.File)
		}
	}
	slices.Sort(got)
	if want := []string{"content/advocacy/a-page/index.md", "content/stories/live/index.md"}; !slices.Equal(got, want) {
		t.Errorf("site-test findings on %q, want only the checked pages %q", got, want)
	}
	if len(rep.Stories) != len(site.Pages) {
		t.Fatalf("%d stories for %d pages", len(rep.Stories), len(site.Pages))
	}
	for i, s := range rep.Stories {
		if s == nil || s.Page != site.Pages[i] {
			t.Errorf("story %d is not page %d's", i, i)
		}
	}
}

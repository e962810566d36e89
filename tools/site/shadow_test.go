package site

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"storyguard/tools/check"
	"storyguard/tools/consent"
	"storyguard/tools/content"
	"storyguard/tools/diag"
)

// shadowStory is goodStory with search engines refused. Its %s is
// "en\n" followed by any extra front-matter lines, which start at line 22.
var shadowStory = strings.Replace(goodStory, "search_engines: true", "search_engines: false", 1)

const noindex = `<meta name="robots" content="noindex">`

// checkAndBuild stages files, runs check's default rules on the staged site
// (as publish does before staging) and builds it with Hugo. It returns the
// findings, the parsed story at storyPath and the built page's HTML.
func checkAndBuild(t *testing.T, files map[string]string, storyPath string) ([]diag.Diagnostic, *consent.Story, string) {
	t.Helper()
	src := stage(t, files, nil)
	s, err := content.LoadSite(src)
	if err != nil {
		t.Fatal(err)
	}
	ds := check.Run(s, check.Options{Now: time.Date(2026, 11, 29, 0, 0, 0, 0, time.UTC)}).Diagnostics
	var story *consent.Story
	for _, p := range s.Pages {
		if p.Path == storyPath {
			story, _ = consent.Parse(p)
		}
	}
	if story == nil || story.Storyteller == nil || story.Consent == nil {
		t.Fatalf("%s: no story parsed", storyPath)
	}
	dst := filepath.Join(t.TempDir(), "public")
	if err := Build(context.Background(), BuildOptions{Source: src, Destination: dst}); err != nil {
		t.Fatal(err)
	}
	return ds, story, readOut(t, dst, "stories/ok/index.html")
}

// TestThemeRendersWhatCheckRead builds a story Hugo can render and proves
// that the page the public gets is the page check read: noindex exactly
// when consent.search_engines is false, the byline check parsed.
func TestThemeRendersWhatCheckRead(t *testing.T) {
	ds, story, html := checkAndBuild(t, map[string]string{"content/stories/ok/index.md": fmt.Sprintf(shadowStory, "en\n")}, "content/stories/ok/index.md")
	for _, d := range ds {
		if strings.HasPrefix(d.Rule, "frontmatter-") {
			t.Errorf("clean story: %v", d)
		}
	}
	if got := strings.Contains(html, noindex); got != !story.Consent.SearchEngines {
		t.Errorf("noindex rendered = %v; check read search_engines = %v", got, story.Consent.SearchEngines)
	}
	if want := `<span class="byline__name">` + story.Storyteller.DisplayName + `</span>`; !strings.Contains(html, want) {
		t.Errorf("byline: want %s as check read it", want)
	}
}

// TestShadowingRefused shows, for each way Hugo lets a value reach the
// templates past the field check reads, that Hugo really renders the other
// value (so the refusal is needed) and that check refuses the site with a
// finding at the file and line of the key.
func TestShadowingRefused(t *testing.T) {
	const story = "content/stories/ok/index.md"
	cases := []struct {
		name    string
		files   map[string]string
		where   string // file:line of the expected frontmatter-refused finding
		renders func(html string) bool
	}{
		{
			name: "params-consent",
			files: map[string]string{story: fmt.Sprintf(shadowStory, "en\n"+`params:
  consent: {record: cr-test, status: given, given: 2026-01-10, expires: 2029-01-09, channels: [website], languages: [en, es], search_engines: true}
`)},
			where:   story + ":22",
			renders: func(html string) bool { return !strings.Contains(html, noindex) },
		},
		{
			name: "Params-storyteller",
			files: map[string]string{story: fmt.Sprintf(shadowStory, "en\n"+`Params:
  storyteller: {display_name: "Someone else*", name_kind: pseudonym}
`)},
			where:   story + ":22",
			renders: func(html string) bool { return strings.Contains(html, "Someone else*") },
		},
		{
			name: "section-cascade",
			files: map[string]string{
				story: fmt.Sprintf(shadowStory, "en\n"),
				"content/stories/_index.md": `---
title: "Stories"
cascade:
  description: "Text the storyteller never approved"
---
`,
			},
			where:   "content/stories/_index.md:3",
			renders: func(html string) bool { return strings.Contains(html, "Text the storyteller never approved") },
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			ds, _, html := checkAndBuild(t, c.files, story)
			if !c.renders(html) {
				t.Errorf("Hugo did not render the shadowing value; the case proves nothing")
			}
			found := false
			for _, d := range ds {
				if d.Rule == consent.RuleRefusedKey && fmt.Sprintf("%s:%d", d.File, d.Line) == c.where && d.Severity == diag.Error {
					found = true
				}
			}
			if !found {
				t.Errorf("no error %s at %s; findings: %v", consent.RuleRefusedKey, c.where, ds)
			}
		})
	}
}

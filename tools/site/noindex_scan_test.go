package site_test

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"storyguard/tools/consent"
	"storyguard/tools/content"
	"storyguard/tools/identity"
	"storyguard/tools/publish"
	"storyguard/tools/site"
)

// noIndexTexts returns the title, description and byline of each language
// of the demo story whose consent says no search engines
// (a-safer-walk-to-school, st-9v4n6b).
func noIndexTexts(t *testing.T) []publish.UnindexedText {
	t.Helper()
	var texts []publish.UnindexedText
	for _, name := range []string{"index.md", "index.es.md"} {
		rel := "content/stories/a-safer-walk-to-school/" + name
		raw, err := os.ReadFile(filepath.Join("..", "..", filepath.FromSlash(rel)))
		if err != nil {
			t.Fatal(err)
		}
		lang := "en"
		if name == "index.es.md" {
			lang = "es"
		}
		p, _ := content.LoadPage(rel, lang, raw)
		s, _ := consent.Parse(p)
		if s.Consent == nil || s.Consent.SearchEngines {
			t.Fatalf("%s: the demo story no longer says search_engines: false", rel)
		}
		texts = append(texts, publish.UnindexedText{StoryID: s.ID, Field: "title", Text: s.Title},
			publish.UnindexedText{StoryID: s.ID, Field: "description", Text: s.Description},
			publish.UnindexedText{StoryID: s.ID, Field: "byline", Text: s.Storyteller.DisplayName})
	}
	return texts
}

// TestOutputScanRefusesIndexableNoIndexStory builds the demo site with Hugo
// twice and runs publish's output scan with the texts of the demo story
// whose consent says no search engines: with the theme as shipped it finds
// nothing; with listings that show every story (the theme before the
// listable partial) it refuses the home page, the section list and the
// term pages, naming the story id and the field only.
func TestOutputScanRefusesIndexableNoIndexStory(t *testing.T) {
	texts := noIndexTexts(t)
	scan := func(t *testing.T, override bool) []string {
		src := site.StageForTest(t, nil, nil)
		if override {
			p := filepath.Join(src, "layouts", "_partials", "listable.html")
			os.MkdirAll(filepath.Dir(p), 0o755)
			if err := os.WriteFile(p, []byte(`{{ return .pages }}`), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		out := filepath.Join(t.TempDir(), "public")
		if err := site.Build(context.Background(), site.BuildOptions{Source: src, Destination: out, BaseURL: "http://127.0.0.1/"}); err != nil {
			t.Fatal(err)
		}
		ds, err := publish.ScanOutput(publish.OutputScan{Dir: out, BaseURL: "http://127.0.0.1/", Unindexed: texts,
			Leaks: func(string, []byte) []publish.Finding { return nil }, VerifyImage: func(string, []byte) error { return nil }})
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, d := range ds {
			if d.Rule == "output-noindex" {
				got = append(got, d.String())
				if strings.Contains(d.Message, "safer") || strings.Contains(d.Message, "Daniela") {
					t.Errorf("finding repeats the story's text: %s", d)
				}
			}
		}
		return got
	}
	if got := scan(t, false); len(got) > 0 {
		t.Errorf("the shipped theme puts the noindex story on indexable pages:\n%s", strings.Join(got, "\n"))
	}
	got := strings.Join(scan(t, true), "\n")
	for _, want := range []string{
		"index.html: error output-noindex: indexable page carries the title of story st-9v4n6b",
		"es/index.html: error output-noindex: indexable page carries the byline of story st-9v4n6b",
		"stories/index.html: error output-noindex: indexable page carries the description of story st-9v4n6b",
		"countries/guatemala/index.html: error output-noindex",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("listings of every story: want %q among\n%s", want, got)
		}
	}
}

// TestOutputScanFindsWhatCheckFinds is the sanity side of check's
// TestObfuscatedNames with Hugo itself: a registry name split by inline
// markup, an escape or an entity in a story's body is found by the
// scanner publish runs over the built page, so check (which scans the
// rendered body too) and publish agree.
func TestOutputScanFindsWhatCheckFinds(t *testing.T) {
	ids, err := identity.LoadIdentities("../../examples/vault/demo-identity.txt", func(string) string { return "" })
	if err != nil {
		t.Fatal(err)
	}
	reg, err := identity.OpenRegistry("../../examples/vault/registry.age", ids)
	if err != nil {
		t.Fatal(err)
	}
	sc, err := identity.NewScanner(reg)
	if err != nil {
		t.Fatal(err)
	}
	obfuscated := []string{
		"Ma*ri*sol", "[Mari](https://x.example)sol", "Mari`sol`", "Mari\\*sol", "Mari&shy;sol",
		"Mar&#105;sol", "Mari\u200bsol", "<span>Mari</span>sol",
	}
	src := site.StageForTest(t, nil, nil)
	page := filepath.Join(src, "content", "stories", "finding-my-voice", "index.md")
	raw, err := os.ReadFile(page)
	if err != nil {
		t.Fatal(err)
	}
	for i, o := range obfuscated {
		raw = append(raw, []byte("\n\nParagraph "+string(rune('a'+i))+": "+o+" spoke.\n")...)
	}
	if err := os.WriteFile(page, raw, 0o644); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(t.TempDir(), "public")
	if err := site.Build(context.Background(), site.BuildOptions{Source: src, Destination: out, BaseURL: "http://127.0.0.1/"}); err != nil {
		t.Fatal(err)
	}
	html, err := os.ReadFile(filepath.Join(out, "stories", "finding-my-voice", "index.html"))
	if err != nil {
		t.Fatal(err)
	}
	// One paragraph at a time: each obfuscation must be found on its own.
	for i, o := range obfuscated {
		marker := []byte("Paragraph " + string(rune('a'+i)) + ":")
		at := bytes.Index(html, marker)
		if at < 0 {
			t.Fatalf("paragraph for %q not in the built page", o)
		}
		end := bytes.Index(html[at:], []byte("</p>"))
		found := false
		for _, m := range sc.Scan("", html[at:at+end]) {
			if m.PersonID == "p-0001" && m.Kind == "given_name" {
				found = true
			}
		}
		if !found {
			t.Errorf("%q: the output scanner does not find the name in %q", o, html[at:at+end])
		}
	}
}

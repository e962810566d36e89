package check_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"storyguard/tools/check"
	"storyguard/tools/consent"
	"storyguard/tools/content"
	"storyguard/tools/diag"
)

// sampleSite writes a one-story site holding copies of the shipped sample
// story content/stories/<slug> (both languages), each passed through edit
// (which gets the language), and returns its findings.
func sampleSite(t *testing.T, slug string, edit func(lang, raw string) string) []diag.Diagnostic {
	t.Helper()
	dir := t.TempDir()
	writeFixture(t, dir, "config.toml", []byte("defaultContentLanguage = 'en'\n[languages.en]\n[languages.es]\n"))
	for lang, name := range map[string]string{"en": "index.md", "es": "index.es.md"} {
		raw, err := os.ReadFile(filepath.Join("..", "..", "content", "stories", slug, name))
		if err != nil {
			t.Fatal(err)
		}
		writeFixture(t, dir, "content/stories/"+slug+"/"+name, []byte(edit(lang, string(raw))))
	}
	site, err := content.LoadSite(dir)
	if err != nil {
		t.Fatal(err)
	}
	return check.Run(site, check.Options{Now: now})
}

// approveRaw returns raw with a fresh approval of its current text.
func approveRaw(t *testing.T, lang, raw string) string {
	t.Helper()
	name := "content/stories/x/index.md"
	if lang != "en" {
		name = "content/stories/x/index." + lang + ".md"
	}
	p, ds := content.LoadPage(name, lang, []byte(raw))
	if len(ds) > 0 {
		t.Fatalf("load: %v", ds)
	}
	out, _, err := consent.Approve(p, time.Date(2026, 11, 29, 0, 0, 0, 0, time.UTC))
	if err != nil {
		t.Fatal(err)
	}
	return string(out)
}

func rulesFired(ds []diag.Diagnostic, lang string) map[string]bool {
	out := map[string]bool{}
	for _, d := range ds {
		if (lang == "es") == strings.HasSuffix(d.File, ".es.md") {
			out[d.Rule] = true
		}
	}
	return out
}

// TestDigestCoversWhatThePublicReads approves the sample story, then makes
// each change a reader would see outside the body and expects review-digest
// to block it in that language.
func TestDigestCoversWhatThePublicReads(t *testing.T) {
	base := sampleSite(t, "finding-my-voice", func(lang, raw string) string { return approveRaw(t, lang, raw) })
	for _, d := range base {
		if d.Severity == diag.Error {
			t.Fatalf("freshly approved sample has an error: %s", d)
		}
	}
	changes := []struct{ name, old, new string }{
		{"content warnings deleted", "content_warnings: [", "content_warnings: []\nx_was: ["},
		{"countries changed", "countries: [Guatemala]", "countries: [Honduras]"},
		{"themes changed", "themes: [", "themes: [extra, "},
		{"preferred term changed", "preferred_term: survivor leader", "preferred_term: victim"},
		{"medium swapped", "id: m-0101", "id: m-0102"},
	}
	for _, c := range changes {
		t.Run(c.name, func(t *testing.T) {
			ds := sampleSite(t, "finding-my-voice", func(lang, raw string) string {
				raw = approveRaw(t, lang, raw)
				if lang != "en" {
					return raw
				}
				if !strings.Contains(raw, c.old) {
					t.Fatalf("sample has no %q", c.old)
				}
				return strings.Replace(raw, c.old, c.new, 1)
			})
			if !rulesFired(ds, "en")["review-digest"] {
				t.Errorf("%s after approval: no review-digest; findings: %v", c.name, ds)
			}
			if rulesFired(ds, "es")["review-digest"] {
				t.Errorf("the untouched es translation reports review-digest")
			}
		})
	}
}

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
	return check.Run(site, check.Options{Now: now}).Diagnostics
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
	out, _, err := consent.Approve(p, time.Date(2026, 11, 29, 0, 0, 0, 0, time.UTC), sampleMediaSum)
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

// TestContentWarningOnSamples removes the content_warnings of each shipped
// sample story (all about violence) and expects content-warning in every
// language: the word lists must know how these stories name what happened.
func TestContentWarningOnSamples(t *testing.T) {
	for _, slug := range []string{"finding-my-voice", "from-survivor-to-advocate", "a-safer-walk-to-school"} {
		t.Run(slug, func(t *testing.T) {
			ds := sampleSite(t, slug, func(lang, raw string) string {
				i := strings.Index(raw, "\ncontent_warnings: [")
				if i < 0 {
					t.Fatalf("%s (%s) has no content_warnings line", slug, lang)
				}
				j := strings.IndexByte(raw[i+1:], '\n')
				return approveRaw(t, lang, raw[:i+1]+"content_warnings: []"+raw[i+1+j:])
			})
			for _, lang := range []string{"en", "es"} {
				if !rulesFired(ds, lang)["content-warning"] {
					t.Errorf("%s without content_warnings: no content-warning finding", lang)
				}
			}
		})
	}
}

// TestContentWarningQuiet: ordinary words that only look like a sensitive
// topic, or that are not one by themselves (court, trial), give no
// finding on a story without content_warnings.
func TestContentWarningQuiet(t *testing.T) {
	for _, c := range []struct{ lang, body string }{
		{"en", "The trial lasted a year. In court I told the judges what I needed, and the sentence was read."},
		{"en", "I walk to school with my friends. We talk about our rights and about the law."},
		{"es", "Esta historia se trata de una caminata a la escuela. Se trata de nuestros derechos."},
		{"es", "El juicio duró un año. En el tribunal conté lo que necesitaba y leyeron la sentencia."},
	} {
		ds := sampleSite(t, "a-safer-walk-to-school", func(lang, raw string) string {
			i := strings.Index(raw, "\ncontent_warnings: [")
			j := strings.IndexByte(raw[i+1:], '\n')
			raw = raw[:i+1] + "content_warnings: []" + raw[i+1+j:]
			if lang == c.lang {
				d := strings.Index(raw, "\ndescription: ")
				raw = raw[:d+1] + "description: \"A map.\"" + raw[d+1+strings.IndexByte(raw[d+1:], '\n'):]
				end := strings.Index(raw[4:], "\n---\n") + 4 + 5
				raw = raw[:end] + c.body + "\n"
			}
			return approveRaw(t, lang, raw)
		})
		for _, d := range ds {
			if d.Rule == "content-warning" && strings.HasSuffix(d.File, ".es.md") == (c.lang == "es") {
				t.Errorf("%s %q: %s", c.lang, c.body, d)
			}
		}
	}
}

// sampleMediaSum stands in for the vault in the rules' own tests (no
// vault): every original has the same digest.
func sampleMediaSum(string) (string, error) { return strings.Repeat("0", 64), nil }

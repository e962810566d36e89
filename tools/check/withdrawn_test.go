package check_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
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
	"storyguard/tools/media"
)

// reusePage is a story page for the withdrawn-content-reused tests; the
// keys of f replace its defaults.
func reusePage(f map[string]string) string {
	v := map[string]string{
		"id": "st-n3wc0py", "person": "p-0001", "record": "cr-2026-0099",
		"given": "2026-03-02", "approved": "2026-04-01", "sha": strings.Repeat("a", 64),
		"media": "m-0901", "body": "I kept silent for years. Then someone listened.",
	}
	for k, x := range f {
		v[k] = x
	}
	return `---
title: "A story"
date: 2026-04-02
expiryDate: 2029-03-01
story_id: ` + v["id"] + `
storyteller:
  display_name: "Lucía*"
  name_kind: pseudonym
  person: ` + v["person"] + `
  preferred_term: survivor leader
consent:
  record: ` + v["record"] + `
  status: given
  given: ` + v["given"] + `
  expires: 2029-03-01
  channels: [website]
  languages: [en]
  identifiers: {name: false, face: false, voice: false, location: country}
  search_engines: true
  minor: false
review:
  approved: ` + v["approved"] + `
  approved_sha256: "` + v["sha"] + `"
media:
  - id: ` + v["media"] + `
    alt: "An illustration."
---
` + v["body"] + "\n"
}

// reuseFindings checks a one-page site whose page is page, with the vault
// holding photo bytes for media m-0901 (and the withdrawn photo's bytes
// for m-0101), against the withdrawal ws, and returns the fields
// (line:col resolved back to field paths) withdrawn-content-reused names.
func reuseFindings(t *testing.T, ws []check.Withdrawal, rel, page string, photo []byte) []diag.Diagnostic {
	t.Helper()
	dir := t.TempDir()
	writeFixture(t, dir, "config.toml", []byte("defaultContentLanguage = 'en'\n[languages.en]\n"))
	writeFixture(t, dir, rel, []byte(page))
	vault := filepath.Join(dir, "vault")
	if err := os.MkdirAll(filepath.Join(vault, "media"), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(vault, "media", "m-0901.jpg"), photo, 0o600); err != nil {
		t.Fatal(err)
	}
	site, err := content.LoadSite(dir)
	if err != nil {
		t.Fatal(err)
	}
	ds := check.Run(site, check.Options{Now: time.Date(2026, 12, 4, 12, 0, 0, 0, time.UTC), Rules: []check.Rule{check.WithdrawnContentRule(ws, vault)}}).Diagnostics
	return slices.DeleteFunc(ds, func(d diag.Diagnostic) bool { return d.Rule != check.RuleWithdrawnReused })
}

// fieldsOf maps each finding's line back to the front-matter key written
// on it ("approved_sha256", "given", "- id").
func fieldsOf(page string, ds []diag.Diagnostic) []string {
	lines := strings.Split(page, "\n")
	var out []string
	for _, d := range ds {
		key, _, _ := strings.Cut(strings.TrimSpace(lines[d.Line-1]), ":")
		out = append(out, key)
	}
	return out
}

func TestWithdrawnContentReused(t *testing.T) {
	withdrawnPhoto := []byte("the withdrawn photo's bytes")
	otherPhoto := []byte("another photo")
	wd := time.Date(2026, 11, 29, 0, 0, 0, 0, time.UTC)
	w := check.Withdrawal{
		StoryID: "st-7q2k9m", Persons: []string{"p-0001"}, Day: wd,
		ApprovalDigests: []string{strings.Repeat("a", 64)},
		MediaSHA256:     []string{sha256hex(withdrawnPhoto)},
	}
	// The digest of the page's text as written, for the case where the
	// copy's approved_sha256 was edited but its text was not.
	p, _ := content.LoadPage("content/stories/copy/index.md", "en", []byte(reusePage(nil)))
	textDigest := consent.ApprovalDigest(p)
	wText := w
	wText.ApprovalDigests = []string{textDigest}
	other := strings.Repeat("b", 64)
	after := map[string]string{"given": "2026-11-30", "approved": "2026-11-30"}
	with := func(base map[string]string, kv ...string) map[string]string {
		m := map[string]string{}
		for k, v := range base {
			m[k] = v
		}
		for i := 0; i < len(kv); i += 2 {
			m[kv[i]] = kv[i+1]
		}
		return m
	}
	for _, tc := range []struct {
		name  string
		ws    []check.Withdrawal
		rel   string
		f     map[string]string
		photo []byte
		want  []string
	}{
		{"the tester's copy: new ids, same text, photo and person", []check.Withdrawal{w}, "", nil, withdrawnPhoto,
			[]string{"given", "approved", "approved_sha256", "- id"}},
		{"same text only, another person, new consent", []check.Withdrawal{w}, "", with(after, "person", "p-0002"), otherPhoto,
			[]string{"approved_sha256"}},
		{"same text, approved_sha256 edited", []check.Withdrawal{wText}, "", with(after, "person", "p-0002", "sha", other), otherPhoto,
			[]string{"approved_sha256"}},
		{"same photo only under a new media id, another person", []check.Withdrawal{w}, "", with(after, "person", "p-0002", "sha", other), withdrawnPhoto,
			[]string{"- id"}},
		{"old consent re-used, new text and photo", []check.Withdrawal{w}, "", map[string]string{"sha": other, "approved": "2026-12-01"}, otherPhoto,
			[]string{"given"}},
		{"consent given on the day of the withdrawal", []check.Withdrawal{w}, "", map[string]string{"sha": other, "given": "2026-11-29", "approved": "2026-11-30"}, otherPhoto,
			[]string{"given"}},
		{"approved on the day of the withdrawal", []check.Withdrawal{w}, "", map[string]string{"sha": other, "given": "2026-11-30", "approved": "2026-11-29"}, otherPhoto,
			[]string{"approved"}},
		{"new consent after the withdrawal by the same storyteller", []check.Withdrawal{w}, "", after, withdrawnPhoto,
			nil},
		{"a photo of the withdrawn story on an advocacy page", []check.Withdrawal{w}, "content/advocacy/x.md", nil, withdrawnPhoto,
			nil}, // replaced below: a page without storyteller
		{"another person's story", []check.Withdrawal{w}, "", map[string]string{"person": "p-0002", "sha": other}, otherPhoto,
			nil},
		{"a fresh vault: no withdrawals", nil, "", nil, withdrawnPhoto,
			nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rel, page := tc.rel, reusePage(tc.f)
			if rel == "" {
				rel = "content/stories/copy/index.md"
			}
			if strings.HasPrefix(rel, "content/advocacy/") {
				page = "---\ntitle: \"Our work\"\nmedia:\n  - id: m-0901\n    alt: \"An illustration.\"\n---\nText.\n"
				tc.want = []string{"- id"}
			}
			ds := reuseFindings(t, tc.ws, rel, page, tc.photo)
			if got := fieldsOf(page, ds); !slices.Equal(got, tc.want) {
				t.Errorf("findings at %q, want %q:\n%v", got, tc.want, ds)
			}
			for _, d := range ds {
				if d.Severity != diag.Error || !strings.Contains(d.Message, "st-7q2k9m") || strings.Contains(d.Message, "Lucía") {
					t.Errorf("finding %v: want an error naming the withdrawn story by id only", d)
				}
			}
		})
	}
}

func sha256hex(b []byte) string {
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:])
}

// TestWithdrawnTextRetyped (issue #12): the withdrawn story's body comes
// back with a new byline, another casing, other spacing or emphasis, or
// with one paragraph rewritten: the body digest, or each paragraph still
// the same, refuses it at its line; short paragraphs alone never do.
func TestWithdrawnTextRetyped(t *testing.T) {
	paras := []string{
		"When I was a child, nobody in the village talked about what happened behind closed doors.",
		"I kept silent for years. Then a woman from the network came and sat with me, and she listened.",
		"Today I lead a group of twelve women who meet every week and speak out against violence.",
	}
	body := strings.Join(paras, "\n\n")
	withdrawnPage, _ := content.LoadPage("content/stories/old/index.md", "en", []byte(reusePage(map[string]string{"body": body})))
	sum, ps := consent.TextDigests(withdrawnPage)
	if sum == "" || len(ps) != 3 {
		t.Fatalf("TextDigests: body %q, %d paragraphs, want a body digest and 3", sum, len(ps))
	}
	w := check.Withdrawal{StoryID: "st-7q2k9m", Persons: []string{"p-0001"}, Day: time.Date(2026, 11, 29, 0, 0, 0, 0, time.UTC), BodySHA256: []string{sum}}
	for _, p := range ps {
		w.ParagraphSHA256 = append(w.ParagraphSHA256, p.Sum)
	}
	// Another storyteller, a new consent, her own approval digest.
	f := func(body string) map[string]string {
		return map[string]string{"person": "p-0002", "given": "2026-11-30", "approved": "2026-11-30", "sha": strings.Repeat("b", 64), "body": body}
	}
	for _, tc := range []struct {
		name, body string
		want       []string // the first words of the lines the findings name
	}{
		{"the same body", body, []string{"When"}},
		{"other casing, spacing and emphasis", "WHEN I was a child,   nobody in the *village* talked\nabout what happened behind closed doors.\n\n\n  I kept silent for years. Then a woman from the network came and sat with me, and she __listened__.\n\ntoday i lead a group of twelve women who meet every week and speak out against violence.", []string{"WHEN"}},
		{"one paragraph rewritten", paras[0] + "\n\nI never spoke, until one day somebody from the network asked me how I was.\n\n" + paras[2], []string{"When", "Today"}},
		{"one paragraph kept among new ones", "A new beginning that has nothing to do with anything written before at all, surely.\n\n" + strings.ToUpper(paras[1]), []string{"I"}},
		{"only short paragraphs kept", "When I was a child.\n\nI kept silent for years.", nil},
		{"all new text", "A story of my own, told in my own words, about the years in which I found my voice again.", nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			page := reusePage(f(tc.body))
			ds := reuseFindings(t, []check.Withdrawal{w}, "content/stories/copy/index.md", page, []byte("another photo"))
			lines := strings.Split(page, "\n")
			var got []string
			for _, d := range ds {
				word, _, _ := strings.Cut(strings.TrimSpace(lines[d.Line-1]), " ")
				got = append(got, word)
				if !strings.Contains(d.Message, "st-7q2k9m") || strings.Contains(d.Message, "village") || strings.Contains(d.Message, "Lucía") {
					t.Errorf("finding %v: want the withdrawn story by id, no text", d)
				}
			}
			if !slices.Equal(got, tc.want) {
				t.Errorf("findings at lines starting %q, want %q:\n%v", got, tc.want, ds)
			}
		})
	}
}

// TestWithdrawnPhotoRefiled (issue #12): the withdrawn photo copied to a
// new media id with a byte appended is refused by its scrubbed and pixel
// digests, which a withdrawal records; another photo is not.
func TestWithdrawnPhotoRefiled(t *testing.T) {
	orig, err := os.ReadFile("../../examples/vault/media/m-0101.jpg")
	if err != nil {
		t.Fatal(err)
	}
	fp, err := media.FingerprintOf(bytes.NewReader(orig), media.Options{})
	if err != nil {
		t.Fatal(err)
	}
	other, err := os.ReadFile("../../examples/vault/media/m-0201.jpg")
	if err != nil {
		t.Fatal(err)
	}
	base := check.Withdrawal{StoryID: "st-7q2k9m", Persons: []string{"p-0001"}, Day: time.Date(2026, 11, 29, 0, 0, 0, 0, time.UTC), MediaSHA256: []string{sha256hex(orig)}}
	scrubbed, pixels := base, base
	scrubbed.MediaSHA256 = append(slices.Clone(base.MediaSHA256), fp.Scrubbed)
	pixels.MediaPixels = []string{fp.Pixels}
	appended := append(slices.Clone(orig), 0)
	f := map[string]string{"person": "p-0002", "given": "2026-11-30", "approved": "2026-11-30", "sha": strings.Repeat("b", 64)}
	for _, tc := range []struct {
		name  string
		w     check.Withdrawal
		photo []byte
		want  int
	}{
		{"byte appended, scrubbed digest recorded", scrubbed, appended, 1},
		{"byte appended, pixel digest recorded", pixels, appended, 1},
		{"byte appended, only the file digest recorded", base, appended, 0},
		{"another photo", scrubbed, other, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			page := reusePage(f)
			ds := reuseFindings(t, []check.Withdrawal{tc.w}, "content/stories/copy/index.md", page, tc.photo)
			if len(ds) != tc.want {
				t.Fatalf("%d findings, want %d: %v", len(ds), tc.want, ds)
			}
			for _, d := range ds {
				if got := fieldsOf(page, []diag.Diagnostic{d}); got[0] != "- id" || !strings.Contains(d.Message, "media m-0901") {
					t.Errorf("finding %v at %q, want at the media id", d, got)
				}
			}
		})
	}
}

package check_test

import (
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

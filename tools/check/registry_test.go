package check_test

import (
	"bytes"
	"image"
	"image/jpeg"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"storyguard/tools/check"
	"storyguard/tools/content"
	"storyguard/tools/diag"
	"storyguard/tools/identity"
)

// demoVault opens the shipped demo registry with the demo key: the real
// registry code path, on fictional people.
func demoVault(t testing.TB) (*identity.Registry, *identity.Scanner) {
	t.Helper()
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
	return reg, sc
}

// storyPage returns a story in the demo cast's shape for p-0001 with the
// given front-matter lines replaced and body.
func storyPage(replace map[string]string, body string) string {
	fm := map[string]string{
		"display":  `"Lucía*"`,
		"kind":     "pseudonym",
		"location": "country",
		"face":     "false",
		"media":    "[]",
		"title":    `"A story"`,
	}
	for k, v := range replace {
		fm[k] = v
	}
	return `---
title: ` + fm["title"] + `
date: 2026-04-02
expiryDate: 2029-03-01
story_id: st-7q2k9m
storyteller:
  display_name: ` + fm["display"] + `
  name_kind: ` + fm["kind"] + `
  person: p-0001
  preferred_term: survivor leader
consent:
  record: cr-2026-0011
  status: given
  given: 2026-03-02
  expires: 2029-03-01
  channels: [website]
  languages: [en]
  identifiers: {name: false, face: ` + fm["face"] + `, voice: false, location: ` + fm["location"] + `}
  search_engines: true
  minor: false
review:
  approved: 2026-04-01
  approved_sha256: ""
content_warnings: [court proceedings]
media: ` + fm["media"] + `
---
` + body
}

// tinyJPEG and tinyPNG are real 2x2 images for the vault of a test site.
var tinyJPEG, tinyPNG = func() (string, string) {
	m := image.NewRGBA(image.Rect(0, 0, 2, 2))
	var j, p bytes.Buffer
	jpeg.Encode(&j, m, nil)
	png.Encode(&p, m)
	return j.String(), p.String()
}()

func runRegistry(t *testing.T, files map[string]string) []diag.Diagnostic {
	t.Helper()
	reg, sc := demoVault(t)
	dir := t.TempDir()
	if _, ok := files["config.toml"]; !ok {
		files["config.toml"] = "defaultContentLanguage = 'en'\n[languages.en]\n[taxonomies]\n  country = 'countries'\n  theme = 'themes'\n"
	}
	for name, data := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		os.MkdirAll(filepath.Dir(p), 0o755)
		if err := os.WriteFile(p, []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	site, err := content.LoadSite(dir)
	if err != nil {
		t.Fatal(err)
	}
	rules := check.RegistryRules(reg, sc, []string{"+502 2200 0000"}, filepath.Join(dir, "vault"))
	return check.Run(site, check.Options{Now: now, Rules: rules, SiteRules: check.ConsistencyRules(reg)}).Diagnostics
}

// only keeps the findings of the registry-backed rules, as text.
func only(ds []diag.Diagnostic, rules ...string) []string {
	var out []string
	for _, d := range ds {
		for _, r := range rules {
			if d.Rule == r {
				out = append(out, d.String())
			}
		}
	}
	return out
}

func TestRegistryRules(t *testing.T) {
	registryRules := []string{check.RuleRegistryLeak, check.RuleIdentifying, check.RuleMediaMissing, check.RuleMediaFace,
		check.RuleMediaRelease, check.RuleMediaPersonUnknown, check.RuleLocation,
		identity.RuleBylineMarker, identity.RuleBylineMismatch, identity.RuleBylineUnknown, identity.RuleFirstMentionMarker,
		identity.RuleInconsistent, identity.RuleRealNameByline, check.RuleStoryIDDuplicate, check.RuleMediaFormat}
	cases := []struct {
		name  string
		files map[string]string
		want  []string // substrings, one per expected finding, in order
	}{
		{name: "clean story", files: map[string]string{
			"content/stories/a/index.md": storyPage(nil, "Lucía* speaks. In Guatemala the court listened to Lucía.\n"),
		}},
		{name: "real family name split by emphasis", files: map[string]string{
			"content/stories/a/index.md": storyPage(nil, "Lucía* grew up near the\nQui**ñó**nez family.\n"),
		}, want: []string{"index.md:28:1: error registry-leak: names registry person p-0001 (family_name)",
			// The aunt, p-0102, shares the family name.
			"index.md:28:1: error registry-leak: names registry person p-0102 (family_name)"}},
		{name: "village in a caption, across case and accents", files: map[string]string{
			"content/stories/a/index.md": storyPage(map[string]string{"media": `[{id: m-01, alt: "A road", caption: "near SAN BARTOLO XOLA", depicts: []}]`}, "Lucía* text.\n"),
			"vault/media/m-01.jpg":       tinyJPEG,
		}, want: []string{"registry-leak: names registry person p-0001 (village)"}},
		{name: "nickname in an HTML comment", files: map[string]string{
			"content/stories/a/index.md": storyPage(nil, "Lucía* text. <!-- ask Chola about the photo -->\n"),
		}, want: []string{"registry-leak: names registry person p-0001 (nickname)"}},
		{name: "name in the bundle path", files: map[string]string{
			"content/stories/marisol-quinonez/index.md": storyPage(nil, "Lucía* text.\n"),
		}, want: []string{"the file path names registry person p-0001 (family_name)",
			"the file path names registry person p-0001 (given_name)", "the file path names registry person p-0102 (family_name)"}},
		{name: "byline without its marker", files: map[string]string{
			"content/stories/a/index.md": storyPage(map[string]string{"display": `"Lucía"`}, "Lucía* text.\n"),
		}, want: []string{"index.md:7:3: error pseudonym-byline-marker", "index.md:7:3: error pseudonym-byline-registry", "index.md:7:3: error pseudonym-inconsistent"}},
		{name: "a byline holding the storyteller's real given name", files: map[string]string{
			"content/stories/a/index.md": storyPage(map[string]string{"display": `"Mari**sol** Q.*"`}, "Lucía* text.\n"),
		}, want: []string{"index.md:7:3: error pseudonym-byline-real-name: byline of p-0001 contains their real name (given_name)", "index.md:7:3: error pseudonym-byline-registry", "index.md:7:3: error pseudonym-inconsistent", "index.md:7:18: error registry-leak"}},
		{name: "a public first name as byline when consent allows no name", files: map[string]string{
			"content/stories/a/index.md": strings.Replace(storyPage(map[string]string{"display": `"Rosa"`, "kind": "first_name"}, "Rosa text.\n"), "person: p-0001", "person: p-0002", 1),
		}, want: []string{"index.md:7:3: error pseudonym-byline-real-name: byline of p-0002 contains their real name (public_name), and their consent does not allow their name"}},
		{name: "a public first name as byline when consent allows the name", files: map[string]string{
			"content/stories/a/index.md": strings.Replace(strings.Replace(storyPage(map[string]string{"display": `"Rosa"`, "kind": "first_name"}, "Rosa text.\n"), "person: p-0001", "person: p-0002", 1), "name: false", "name: true", 1),
		}},
		{name: "first mention without the marker", files: map[string]string{
			"content/stories/a/index.md": storyPage(nil, "El Lobo was convicted. Later El Lobo* appealed.\n"),
		}, want: []string{"index.md:27:1: error pseudonym-first-mention: first mention of the pseudonym of p-0101 lacks its * marker"}},
		{name: "phone number warns, the allow-listed one does not", files: map[string]string{
			"content/stories/a/index.md": storyPage(nil, "Lucía* text. Call +502 4455 1234 or our office on +502 2200 0000.\n"),
		}, want: []string{"warning identifying-detail: looks like a phone"}},
		{name: "a registry phone number in pairs and with parentheses is a leak naming the person", files: map[string]string{
			"content/stories/a/index.md": storyPage(nil, "Lucía* text. Call 55 21 09 37 or (502) 5521-0937.\n"),
		}, want: []string{"index.md:27:20: error registry-leak: names registry person p-0001 (phone)", "index.md:27:36: error registry-leak: names registry person p-0001 (phone)", "warning identifying-detail"}},
		{name: "an HTML file named .jpg", files: map[string]string{
			"content/stories/a/index.md": storyPage(map[string]string{"media": `[{id: m-01, alt: "x", caption: "y", depicts: []}]`}, "Lucía* text.\n"),
			"vault/media/m-01.jpg":       "<!doctype html><html><body>not a photo</body></html>",
		}, want: []string{"error media-format: media m-01: the original in the vault is html, which Storyguard cannot scrub yet"}},
		{name: "a PNG named .jpg", files: map[string]string{
			"content/stories/a/index.md": storyPage(map[string]string{"media": `[{id: m-01, alt: "x", caption: "y", depicts: []}]`}, "Lucía* text.\n"),
			"vault/media/m-01.jpg":       tinyPNG,
		}, want: []string{"error media-format: media m-01: the original in the vault is png but named jpg"}},
		{name: "a GIF", files: map[string]string{
			"content/stories/a/index.md": storyPage(map[string]string{"media": `[{id: m-01, alt: "x", caption: "y", depicts: []}]`}, "Lucía* text.\n"),
			"vault/media/m-01.gif":       "GIF89a\x01\x00\x01\x00\x00\x00\x00;",
		}, want: []string{"error media-format: media m-01: the original in the vault is gif"}},
		{name: "a face nobody is named for", files: map[string]string{
			"content/stories/a/index.md": storyPage(map[string]string{"media": `[{id: m-01, alt: "x", caption: "y", depicts: [], face_visible: true}]`}, "Lucía* text.\n"),
			"vault/media/m-01.jpg":       tinyJPEG,
		}, want: []string{"error media-face-not-consented: media m-01 shows a face but depicts names nobody"}},
		{name: "media original missing", files: map[string]string{
			"content/stories/a/index.md": storyPage(map[string]string{"media": `[{id: m-09, alt: "x", caption: "y", depicts: []}]`}, "Lucía* text.\n"),
		}, want: []string{"error media-missing: media m-09 has no original"}},
		{name: "media depicts someone else", files: map[string]string{
			"content/stories/a/index.md": storyPage(map[string]string{"media": `[{id: m-01, alt: "x", caption: "y", depicts: [p-0002]}]`}, "Lucía* text.\n"),
			"vault/media/m-01.jpg":       tinyJPEG,
		}, want: []string{"error media-release-missing: media m-01 depicts p-0002"}},
		{name: "face shown without consent", files: map[string]string{
			"content/stories/a/index.md": storyPage(map[string]string{"media": `[{id: m-01, alt: "x", caption: "y", depicts: [p-0001], face_visible: true}]`}, "Lucía* text.\n"),
			"vault/media/m-01.jpg":       tinyJPEG,
		}, want: []string{"error media-face-not-consented"}},
		{name: "face shown with consent", files: map[string]string{
			"content/stories/a/index.md": storyPage(map[string]string{"face": "true", "media": `[{id: m-01, alt: "x", caption: "y", depicts: [p-0001], face_visible: true}]`}, "Lucía* text.\n"),
			"vault/media/m-01.jpg":       tinyJPEG,
		}},
		{name: "city named with country-level consent", files: map[string]string{
			"content/stories/a/index.md": storyPage(nil, "Lucía* grew up in Guatemala, then moved to\nSan Pedro Sula and later Quetzaltenango.\n"),
		}, want: []string{"index.md:28:1: error location-too-precise: names a place at city level", "index.md:28:26: error location-too-precise: names a place at region level"}},
		{name: "region allowed at region level, city not", files: map[string]string{
			"content/stories/a/index.md": storyPage(map[string]string{"location": "region"}, "Lucía* lives in Quetzaltenango, near Xela.\n"),
		}, want: []string{"error location-too-precise: names a place at city level"}},
		{name: "a place split by emphasis, in a plain body and in one goldmark parses", files: map[string]string{
			"content/stories/a/index.md": storyPage(nil, "Lucía* grew up in Quetzal**tenango**.\n"),
			"content/stories/b/index.md": strings.Replace(storyPage(nil, "Lucía* grew up in `x` and San Pedro *Su*la.\n"), "st-7q2k9m", "st-other1", 1),
		}, want: []string{"a/index.md:27:20: error location-too-precise: names a place at region level", "b/index.md:27:28: error location-too-precise: names a place at city level"}},
		{name: "no location at all", files: map[string]string{
			"content/stories/a/index.md": storyPage(map[string]string{"location": "none"}, "Lucía* lives in Honduras.\n"),
		}, want: []string{"error location-too-precise: names a place at country level"}},
		{name: "taxonomy terms finer than the consented level", files: map[string]string{
			"content/stories/a/index.md": strings.Replace(storyPage(nil, "Lucía* text.\n"), "media: []", "media: []\ncountries: [Guatemala]\nthemes: [justice, \"Quetzaltenango\"]", 1),
		}, want: []string{"index.md:27:19: error location-too-precise: names a place at region level"}},
		{name: "a term of any declared taxonomy, and a city in a caption", files: map[string]string{
			"config.toml":                "defaultContentLanguage = 'en'\n[languages.en]\n[taxonomies]\n  place = 'places'\n",
			"content/stories/a/index.md": storyPage(map[string]string{"media": `[{id: m-1, alt: "A road", caption: "Dawn in Tegucigalpa", depicts: []}]` + "\nplaces: [\"San Pedro Sula\"]"}, "Lucía* text.\n"),
			"vault/media/m-1.jpg":        tinyJPEG,
		}, want: []string{"index.md:25:9: error location-too-precise: names a place at city level", "index.md:26:10: error location-too-precise: names a place at city level"}},
		{name: "a country term with no location consented, whatever the country", files: map[string]string{
			"content/stories/a/index.md": strings.Replace(storyPage(map[string]string{"location": "none"}, "Lucía* text.\n"), "media: []", "media: []\ncountries: [Atlantis]", 1),
		}, want: []string{"index.md:26:13: error location-too-precise: names a place at country level"}},
		{name: "country terms allowed at country level", files: map[string]string{
			"content/stories/a/index.md": strings.Replace(storyPage(nil, "Lucía* text.\n"), "media: []", "media: []\ncountries: [Guatemala, Honduras]\nthemes: [justice]", 1),
		}},
		{name: "GPS coordinates in the body and in a caption are errors", files: map[string]string{
			"content/stories/a/index.md": storyPage(map[string]string{"media": `[{id: m-1, alt: "A road", caption: "14.6349, -90.5069", depicts: []}]`, "location": "city"}, "Lucía* lives at 14°38′N 90°30′W.\n"),
			"vault/media/m-1.jpg":        tinyJPEG,
		}, want: []string{"index.md:25:9: error location-too-precise: GPS coordinates are finer than any location level", "index.md:27:18: error location-too-precise: GPS coordinates", "index.md:27:29: error location-too-precise: GPS coordinates"}},
		{name: "a bundle copied as a template keeps the story id", files: map[string]string{
			"content/stories/a/index.md":    storyPage(nil, "Lucía* text.\n"),
			"content/stories/copy/index.md": storyPage(nil, "Lucía* other text.\n"),
		}, want: []string{"content/stories/a/index.md:5:1: error story-id-duplicate: story_id st-7q2k9m is also the id of 1 other bundle(s)",
			"content/stories/copy/index.md:5:1: error story-id-duplicate"}},
		{name: "a byline that differs between pages", files: map[string]string{
			"content/stories/a/index.md": storyPage(nil, "Lucía* text.\n"),
			"content/stories/b/index.md": strings.Replace(storyPage(map[string]string{"display": `"Luz*"`}, "Luz* text.\n"), "st-7q2k9m", "st-other1", 1),
		}, want: []string{"content/stories/b/index.md:7:3: error pseudonym-byline-registry", "content/stories/b/index.md:7:3: error pseudonym-inconsistent"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got := only(runRegistry(t, tc.files), registryRules...)
			if len(got) != len(tc.want) {
				t.Fatalf("want %d findings, got %d:\n%s", len(tc.want), len(got), strings.Join(got, "\n"))
			}
			for i, w := range tc.want {
				if !strings.Contains(got[i], w) {
					t.Errorf("finding %d: want %q in\n%s", i, w, got[i])
				}
			}
			for _, g := range got {
				for _, secret := range []string{"Quiñónez", "Quinonez", "Marisol", "Chola", "Bartolo", "Xolá", "Ixcoy"} {
					if strings.Contains(strings.ToLower(g), strings.ToLower(secret)) && !strings.Contains(g, "content/stories/marisol-quinonez/") {
						t.Errorf("finding repeats a registry term: %s", g)
					}
				}
			}
		})
	}
}

func TestFoldTokenMatchesFoldWords(t *testing.T) {
	for _, w := range []string{"Petén", "SOLOLÁ", "Quiché", "Niño", "Curaçao", "Ÿpsilon", "Dǎo", "straße", "abc123", "İstanbul"} {
		if got, want := check.FoldTokenForTest(w), strings.Join(check.FoldWordsForTest(w), ""); got != want {
			t.Errorf("%q: fast fold %q, normalising fold %q", w, got, want)
		}
	}
}

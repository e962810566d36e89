package check_test

import (
	"testing"
	"time"

	"storyguard/tools/check"
	"storyguard/tools/consent"
	"storyguard/tools/content"
)

// FuzzCheckPage runs the loader, the consent parser and every rule on
// arbitrary bytes: none may panic (a panic in a rule would become an
// internal-error finding, which this target also refuses).
func FuzzCheckPage(f *testing.F) {
	f.Add([]byte("---\nstory_id: st-aaaa1\nconsent: {status: given, given: 2026-01-01, expires: 2027-01-01}\nmedia: [{id: m-01}]\n---\n![x](a.jpg) <img src=a> victim {{< media id=\"m-01\" >}}"))
	f.Add([]byte("---\nstoryteller: [a]\nconsent: 3\nreview: {approved: [1]}\n---\n`victim`\n\n    code\n"))
	f.Add([]byte("+++\n[consent]\nstatus = 'pending'\n+++\nrescued"))
	f.Add([]byte("{\"storyteller\": {\"display_name\": \"A\", \"name_kind\": \"pseudonym\"}}\nhttps://x.example/a.png"))
	f.Add([]byte("---\nParams: {consent: {search_engines: true}}\ncascade: [{params: {x: 1}, _target: {path: /}}]\ncontent_warning: [a]\nconsent: {identifiers: {fase: true}}\nmedia: [{Alt: x}, 3]\n---\n"))
	f.Add([]byte("+++\n[PARAMS.storyteller]\ndisplay_name = 'x'\n[[media]]\ncaptoin = 'c'\n+++\n"))
	f.Add([]byte("---\ntitle: x\n---\n{{< details >}}a{{< note >}}b{{< /details >}}{{< /note >}}{{< media />}}{{< x.inline >}}{{< >}}"))
	shortcodes := map[string]content.ShortcodeTemplate{"media": {}, "note": {Inner: true}, "odd": {Ambiguous: true}}
	for k, v := range content.EmbeddedShortcodes {
		shortcodes[k] = v
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		site := &content.Site{Languages: []string{"en", "es"}, DefaultLanguage: "en", Shortcodes: shortcodes}
		for _, path := range []string{"content/stories/a/index.md", "content/stories/a/index.es.md"} {
			lang := "en"
			if path[len(path)-5:] == "es.md" {
				lang = "es"
			}
			p, ds := content.LoadPage(path, lang, raw)
			site.Pages = append(site.Pages, p)
			site.Diagnostics = append(site.Diagnostics, ds...)
			consent.Parse(p)
		}
		for _, d := range check.Run(site, check.Options{Now: time.Date(2026, 11, 29, 0, 0, 0, 0, time.UTC)}).Diagnostics {
			if d.Rule == "internal-error" {
				t.Fatalf("rule panicked: %s", d.Message)
			}
			if d.Line < 0 || d.Col < 0 {
				t.Fatalf("bad position %v", d)
			}
		}
	})
}

// FuzzRegistryRules runs the registry rules (the raw and rendered leak
// scans, bylines, details, locations) on arbitrary pages with the demo
// registry: none may panic, and no finding may sit outside the file.
func FuzzRegistryRules(f *testing.F) {
	f.Add([]byte("---\ntitle: \"Mar\\u0069sol\"\nstory_id: st-aaaa1\nstoryteller: {display_name: \"Rosa\", name_kind: first_name, person: p-0002}\ncountries: [Atlantis]\n---\n[Mari](x)sol `a` \\* 55 21 09 37 14.6349, -90.5069"))
	f.Add([]byte("---\nmedia: [{id: m-1, caption: \"[x\"}]\n---\n- a\n  > [b](c)\n\n[^1]: Mari`sol`\n"))
	reg, sc := demoVault(f)
	rules := check.RegistryRules(reg, sc, nil, f.TempDir())
	f.Fuzz(func(t *testing.T, raw []byte) {
		p, ds := content.LoadPage("content/stories/a/index.md", "en", raw)
		site := &content.Site{Languages: []string{"en"}, DefaultLanguage: "en", Taxonomies: []string{"countries", "themes"}, Pages: []*content.Page{p}, Diagnostics: ds}
		for _, d := range check.Run(site, check.Options{Now: time.Date(2026, 11, 29, 0, 0, 0, 0, time.UTC), Rules: rules}).Diagnostics {
			if d.Rule == "internal-error" {
				t.Fatalf("rule panicked: %s", d.Message)
			}
			if d.Line < 0 || d.Col < 0 {
				t.Fatalf("bad position %v", d)
			}
		}
	})
}

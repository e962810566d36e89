package export

import (
	"errors"
	"strings"
	"testing"

	"storyguard/tools/consent"
	"storyguard/tools/content"
	"storyguard/tools/manifest"
)

const storyFM = `---
title: "A title"
description: "A description."
story_id: st-7q2k9m
storyteller:
  display_name: "Ana*"
  name_kind: pseudonym
  person: p-0001
  preferred_term: survivor
consent:
  record: cr-1
  status: given
  given: 2026-01-01
  expires: 2028-01-01
  channels: [website, CHANNELS]
  languages: [en]
  identifiers: {name: false, face: false, voice: false, location: country}
  search_engines: true
  minor: false
content_warnings: [court proceedings]
media:
  - id: m-0101
    alt: "Mountains."
    caption: "An *illustration*."
    depicts: []
    face_visible: false
---
`

func render(t testing.TB, channels, body string, leaks func([]byte) []Leak) ([]byte, error) {
	t.Helper()
	p, _ := content.LoadPage("content/stories/a/index.md", "en", []byte(strings.Replace(storyFM, "CHANNELS", channels, 1)+body))
	s, _ := consent.Parse(p)
	if leaks == nil {
		leaks = func([]byte) []Leak { return nil }
	}
	m := &manifest.Manifest{Media: map[string]manifest.Entry{"m-0101": {StoryID: "st-7q2k9m",
		Object: manifest.Object{Key: "media/st-7q2k9m/ab.jpg", Width: 1200, Height: 800}}}}
	return NewsletterHTML(Newsletter{Story: s, Manifest: m, PageURL: "https://x.example/stories/a/",
		MediaBaseURL: "https://cdn.example/", BaseURL: "https://x.example/",
		Words: map[string]string{"content_warning": "CW", "content_warning_intro": "About:", "told_by": "Told by", "pseudonym_note": "*A pseudonym", "newsletter_read_online": "Read online"},
		Leaks: leaks})
}

// TestNewsletterHTML: what a newsletter editor pastes is inline-styled,
// carries no script, raw HTML or relative URL, places the photo where the
// shortcode was (at most 600 px wide, from its public object) and puts
// the content warning before the title.
func TestNewsletterHTML(t *testing.T) {
	out, err := render(t, "newsletter", "First [link](/about/) and <script>alert(1)</script>.\n\n{{< media id=\"m-0101\" >}}\n\nLast.\n", nil)
	if err != nil {
		t.Fatal(err)
	}
	h := string(out)
	for _, want := range []string{
		`<a href="https://x.example/about/" style="`,
		`<img src="https://cdn.example/media/st-7q2k9m/ab.jpg" width="600" height="400" alt="Mountains." style="`,
		`An <em>illustration</em>.`,
		`Told by Ana*`, `*A pseudonym`, `<a href="https://x.example/stories/a/"`,
	} {
		if !strings.Contains(h, want) {
			t.Errorf("fragment lacks %q:\n%s", want, h)
		}
	}
	for _, bad := range []string{"<script", "alert(1)</script>", `href="/`, "<p>", "{{<", "SGMEDIA"} {
		if strings.Contains(h, bad) {
			t.Errorf("fragment holds %q:\n%s", bad, h)
		}
	}
	if cw, h1 := strings.Index(h, "CW</strong>"), strings.Index(h, "<h1"); cw < 0 || cw > h1 {
		t.Errorf("content warning at %d, title at %d", cw, h1)
	}
	if strings.Index(h, "First") > strings.Index(h, "<img") || strings.Index(h, "<img") > strings.Index(h, "Last.") {
		t.Errorf("the photo is not where its shortcode was")
	}
}

// TestNewsletterRefuses: no newsletter channel, another shortcode, an
// unpublished photo and a registry match are refused, without output.
func TestNewsletterRefuses(t *testing.T) {
	for _, tc := range []struct {
		name, channels, body string
		leaks                func([]byte) []Leak
		want                 error
	}{
		{"channel", "social", "Text.\n", nil, ErrNotConsented},
		{"shortcode", "newsletter", "{{< youtube id=\"x\" >}}\n", nil, nil},
		{"photo", "newsletter", "{{< media id=\"m-0999\" >}}\n", nil, nil},
		{"leak", "newsletter", "Text.\n", func([]byte) []Leak { return []Leak{{PersonID: "p-0002", Kind: "family_name"}} }, ErrLeak},
	} {
		out, err := render(t, tc.channels, tc.body, tc.leaks)
		if err == nil || out != nil || tc.want != nil && !errors.Is(err, tc.want) {
			t.Errorf("%s: %q, %v; want a refusal (%v)", tc.name, out, err, tc.want)
		}
	}
}

// FuzzNewsletterBody: any body renders or is refused, never with a script
// element or an unreplaced placeholder.
func FuzzNewsletterBody(f *testing.F) {
	f.Add("Text [a](b) <script>x</script>\n\n{{< media id=\"m-0101\" >}}\n")
	f.Add("{{< media >}}")
	f.Fuzz(func(t *testing.T, body string) {
		out, err := render(t, "newsletter", body, nil)
		if err != nil {
			return
		}
		if strings.Contains(strings.ToLower(string(out)), "<script") || strings.Contains(string(out), "SGMEDIAPLACEHOLDER") {
			t.Fatalf("fragment: %s", out)
		}
	})
}

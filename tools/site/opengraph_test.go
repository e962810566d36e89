package site

import (
	"context"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"storyguard/tools/publish"
)

var ogImage = regexp.MustCompile(`<meta property="og:image" content="([^"]*)">`)

// TestOpenGraph: every page has a share preview; a story's photo is in it
// only when the story's consent includes the social channel
// (from-survivor-to-advocate), by an absolute URL of a manifest object,
// never for a story without that consent (finding-my-voice, which has a
// photo) or an organisation page; a story's preview begins with its
// content warnings.
func TestOpenGraph(t *testing.T) {
	out := builtSite(t)
	for _, tc := range []struct {
		page  string
		image bool
	}{
		{"stories/from-survivor-to-advocate/index.html", true},
		{"es/stories/from-survivor-to-advocate/index.html", true},
		{"stories/finding-my-voice/index.html", false},
		{"es/stories/finding-my-voice/index.html", false},
		{"stories/a-safer-walk-to-school/index.html", false},
		{"advocacy/guatemala-field-visit/index.html", false},
		{"index.html", false},
	} {
		body := readOut(t, out, tc.page)
		if !strings.Contains(body, `<meta property="og:title" content="`) || !strings.Contains(body, `<meta property="og:url" content="http://127.0.0.1/`) {
			t.Errorf("%s: no og:title or absolute og:url", tc.page)
		}
		m := ogImage.FindStringSubmatch(body)
		if (m != nil) != tc.image {
			t.Errorf("%s: og:image %q, want one: %v", tc.page, m, tc.image)
			continue
		}
		if m != nil && !regexp.MustCompile(`^http://127\.0\.0\.1/media/st-3h8d1x/[0-9a-f]{64}\.jpg$`).MatchString(m[1]) {
			t.Errorf("%s: og:image %q is not the story's media object by absolute URL", tc.page, m[1])
		}
	}
	body := readOut(t, out, "stories/finding-my-voice/index.html")
	if !regexp.MustCompile(`<meta property="og:description" content="Content warning: [^"]+\. `).MatchString(body) {
		t.Errorf("finding-my-voice: og:description does not begin with the content warning")
	}
}

// TestOutputScanRefusesUnconsentedShareImage: with a theme that gives
// every story a share preview image (the mistake the scan exists for),
// publish's output scan refuses the pages of the story without social
// consent, by story id; the shipped theme passes.
func TestOutputScanRefusesUnconsentedShareImage(t *testing.T) {
	scan := func(t *testing.T, everyStory bool) []string {
		src := stage(t, nil, nil)
		if everyStory {
			p := filepath.Join(src, "themes", "voices", "layouts", "_partials", "opengraph.html")
			raw, err := os.ReadFile(p)
			if err != nil {
				t.Fatal(err)
			}
			s := strings.Replace(string(raw), `(in ($c.channels | default slice) "social")`, `true`, 1)
			if s == string(raw) {
				t.Fatal("opengraph.html: social condition not found")
			}
			os.WriteFile(p, []byte(s), 0o644)
		}
		out := filepath.Join(t.TempDir(), "public")
		if err := Build(context.Background(), BuildOptions{Source: src, Destination: out, BaseURL: "http://127.0.0.1/"}); err != nil {
			t.Fatal(err)
		}
		keys := FixtureMediaKeysForTest(t)
		ds, err := publish.ScanOutput(publish.OutputScan{Dir: out, BaseURL: "http://127.0.0.1/",
			Leaks: func(string, []byte) []publish.Finding { return nil }, VerifyImage: func(string, []byte) error { return nil },
			MediaPrefix: "/media/", MediaKeys: keys, Social: map[string][]string{"st-3h8d1x": {"en", "es"}}})
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, d := range ds {
			if d.Rule == "output-social" {
				got = append(got, d.File+": "+d.Message)
			}
		}
		return got
	}
	if got := scan(t, false); len(got) > 0 {
		t.Errorf("shipped theme: %q", got)
	}
	got := strings.Join(scan(t, true), "\n")
	for _, want := range []string{
		"stories/finding-my-voice/index.html: share preview image of story st-7q2k9m",
		"es/stories/finding-my-voice/index.html: share preview image of story st-7q2k9m",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("want %q among\n%s", want, got)
		}
	}
}

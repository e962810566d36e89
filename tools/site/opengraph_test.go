package site

import (
	"regexp"
	"strings"
	"testing"
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

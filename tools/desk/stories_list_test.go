package desk

import (
	"strings"
	"testing"
)

// TestStoriesHeadingSaysWhose: the story list is "My stories" to a
// storyteller, in the page's heading and the menu, and "Stories" to staff,
// whose list is everyone's, in both languages.
func TestStoriesHeadingSaysWhose(t *testing.T) {
	d, ana, ed, _, _ := staffDesk(t)
	for _, lang := range Languages {
		for _, tc := range []struct {
			who        string
			c          *client
			want, not  string
			wantInMenu string
		}{
			{"storyteller", ana, "stories_heading", "stories_heading_staff", "nav_stories"},
			{"editor", ed, "stories_heading_staff", "stories_heading", "stories_heading_staff"},
		} {
			c := *tc.c
			c.lang = lang
			body := c.get("/stories").body
			if body == "" {
				t.Fatalf("%s %s: empty page", tc.who, lang)
			}
			h1 := "<h1>" + htmlEscape(d.srv.msgs.text(lang, tc.want)) + "</h1>"
			if !strings.Contains(body, h1) {
				t.Errorf("%s %s: no heading %s", tc.who, lang, h1)
			}
			if tc.not != tc.want && strings.Contains(body, "<h1>"+htmlEscape(d.srv.msgs.text(lang, tc.not))+"</h1>") {
				t.Errorf("%s %s: heading %q", tc.who, lang, d.srv.msgs.text(lang, tc.not))
			}
			if !strings.Contains(body, `<a href="/stories">`+htmlEscape(d.srv.msgs.text(lang, tc.wantInMenu))+`</a>`) {
				t.Errorf("%s %s: the menu does not say %q", tc.who, lang, d.srv.msgs.text(lang, tc.wantInMenu))
			}
		}
	}
}

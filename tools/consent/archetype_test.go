package consent

import (
	"os"
	"regexp"
	"strings"
	"testing"

	"storyguard/tools/content"
)

// TestArchetype checks archetypes/story.md (and its copy stories.md, the
// name Hugo looks up for "hugo new content stories/<slug>/index.md"): with
// its template actions filled in as Hugo fills them, it is a draft story
// with every consent field present and status pending.
func TestArchetype(t *testing.T) {
	a, err := os.ReadFile("../../archetypes/story.md")
	if err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile("../../archetypes/stories.md")
	if err != nil || string(a) != string(b) {
		t.Fatalf("archetypes/stories.md must be a copy of story.md (err %v)", err)
	}
	filled := regexp.MustCompile(`\{\{[^}]*\}\}`).ReplaceAllStringFunc(string(a), func(action string) string {
		switch {
		case strings.Contains(action, "ContentBaseName"):
			return "A new story"
		case strings.Contains(action, ".Date"):
			return "2026-11-29T10:00:00Z"
		case strings.Contains(action, "sha256"):
			return "3093bf2d9a"
		case strings.Contains(action, "Language.Lang"):
			return "en"
		}
		t.Fatalf("unexpected template action %s", action)
		return ""
	})
	p, ds := content.LoadPage("content/stories/a-new-story/index.md", "en", []byte(filled))
	if len(ds) > 0 {
		t.Fatal(ds)
	}
	s, _ := Parse(p)
	if !s.Draft || s.Consent == nil || s.Consent.Status != Pending {
		t.Fatalf("archetype: draft %v consent %+v", s.Draft, s.Consent)
	}
	for _, f := range []string{"record", "status", "given", "expires", "withdrawn", "channels", "languages",
		"identifiers.name", "identifiers.face", "identifiers.voice", "identifiers.location", "search_engines", "minor", "guardian_record"} {
		if _, ok := p.Get("consent." + f); !ok {
			t.Errorf("archetype lacks consent.%s", f)
		}
	}
	for _, f := range []string{"expiryDate", "story_id", "storyteller.display_name", "storyteller.name_kind", "storyteller.person",
		"storyteller.preferred_term", "review.approved", "review.approved_sha256", "review.approved_media_sha256", "content_warnings", "media"} {
		if _, ok := p.Get(f); !ok {
			t.Errorf("archetype lacks %s", f)
		}
	}
}

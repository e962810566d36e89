package site_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"storyguard/tools/site"
)

// TestFundraisingPageShowsOnlyConsentedStories: the theme's backstop
// behind check's fundraising-channel rule. A fundraising page featuring a
// story whose consent lacks the fundraising channel stops the build, by
// story id only; once the consent includes it (in both languages), the
// story's card is on the page.
func TestFundraisingPageShowsOnlyConsentedStories(t *testing.T) {
	src := site.StageForTest(t, nil, nil)
	page := "---\ntitle: \"How to help\"\ndescription: \"Give.\"\nfundraising: true\nfeatured_stories: [st-3h8d1x]\n---\nGive monthly.\n"
	if err := os.WriteFile(filepath.Join(src, "content", "how-to-help", "index.md"), []byte(page), 0o644); err != nil {
		t.Fatal(err)
	}
	err := site.Build(context.Background(), site.BuildOptions{Source: src, Destination: filepath.Join(t.TempDir(), "public")})
	if !errors.Is(err, site.ErrBuild) || !strings.Contains(err.Error(), "story st-3h8d1x: featured on a fundraising page, but its consent does not include the fundraising channel in en") {
		t.Fatalf("build with an unconsented featured story: %v", err)
	}
	for _, f := range []string{"index.md", "index.es.md"} {
		p := filepath.Join(src, "content", "stories", "from-survivor-to-advocate", f)
		raw, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		s := strings.Replace(string(raw), "channels: [website, newsletter, social]", "channels: [website, newsletter, social, fundraising]", 1)
		if s == string(raw) {
			t.Fatalf("%s: channels line not found", f)
		}
		os.WriteFile(p, []byte(s), 0o644)
	}
	out := filepath.Join(t.TempDir(), "public")
	if err := site.Build(context.Background(), site.BuildOptions{Source: src, Destination: out}); err != nil {
		t.Fatal(err)
	}
	html, err := os.ReadFile(filepath.Join(out, "how-to-help", "index.html"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(html), `href="/stories/from-survivor-to-advocate/"`) {
		t.Errorf("the consented story's card is not on the fundraising page")
	}
}

package site

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"storyguard/tools/content"
	"storyguard/tools/publish"
)

// TestPagePrefixMatchesHugo builds pages whose folder names, slugs and
// urls Hugo rewrites, and checks that publish.PagePrefix names the folder
// Hugo really wrote each page's index.html into: a prefix that misses it
// leaves a withdrawn page live.
func TestPagePrefixMatchesHugo(t *testing.T) {
	root := t.TempDir()
	files := map[string]string{
		"config.toml": `baseURL = "https://stories.example.org/"
defaultContentLanguage = "en"
disableKinds = ["taxonomy", "term", "rss", "sitemap", "robotstxt", "404"]
[languages]
  [languages.en]
    weight = 1
  [languages.es]
    weight = 2
`,
		"layouts/single.html":                   "page",
		"layouts/list.html":                     "list",
		"layouts/home.html":                     "home",
		"content/stories/ana/index.md":          "---\ntitle: A\n---\n",
		"content/stories/ana/index.es.md":       "---\ntitle: A\n---\n",
		"content/stories/Ana Maria/index.md":    "---\ntitle: B\n---\n",
		"content/stories/Ana Maria/index.es.md": "---\ntitle: B\n---\n",
		"content/stories/niña/index.es.md":      "---\ntitle: C\n---\n",
		"content/advocacy/d/index.md":           "---\ntitle: D\nslug: \"-Otro Slug-\"\n---\n",
		"content/advocacy/d/index.es.md":        "---\ntitle: D\nslug: otro\n---\n",
		"content/advocacy/e/index.es.md":        "---\ntitle: E\nurl: campana/e\n---\n",
		"content/advocacy/f/index.es.md":        "---\ntitle: F\nurl: /Campana/F/\n---\n",
		"content/advocacy/g/index.md":           "---\ntitle: G\nurl: campaign/g/\n---\n",
	}
	for name, text := range files {
		p := filepath.Join(root, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	out := t.TempDir()
	if err := Build(context.Background(), BuildOptions{Source: root, Destination: out}); err != nil {
		t.Fatal(err)
	}
	s, err := content.LoadSite(root)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, p := range s.Pages {
		if p.IsIndex {
			continue
		}
		n++
		prefix := publish.PagePrefix(s, p)
		key := strings.TrimPrefix(prefix, "site/") + "index.html"
		if _, err := os.Stat(filepath.Join(out, filepath.FromSlash(key))); err != nil {
			t.Errorf("%s: PagePrefix %q, but Hugo wrote no %s there", p.Path, prefix, key)
		}
	}
	if n != 10 {
		t.Errorf("checked %d pages, want 10", n)
	}
}

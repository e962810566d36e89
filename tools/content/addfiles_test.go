package content

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func writeTree(t *testing.T, root string, files map[string]string) {
	t.Helper()
	for name, text := range files {
		p := filepath.Join(root, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// A stored story added from another folder is a page of the site at its
// content/ path, in its language; a path the site already has is refused.
func TestAddFiles(t *testing.T) {
	root, over := t.TempDir(), t.TempDir()
	writeTree(t, root, map[string]string{
		"config.toml":                "defaultContentLanguage = \"en\"\n[languages.en]\n[languages.es]\n",
		"content/_index.md":          "---\ntitle: Home\n---\n",
		"content/stories/a/index.md": "---\ntitle: A\n---\n",
		"content/stories/b/index.md": "---\ntitle: B on disk\n---\n",
	})
	writeTree(t, over, map[string]string{
		"content/stories/s/index.md":    "---\ntitle: Stored\n---\nBody.\n",
		"content/stories/s/index.es.md": "---\ntitle: Guardada\n---\nCuerpo.\n",
		"content/stories/b/index.md":    "---\ntitle: B stored\n---\n",
	})
	s, err := LoadSite(root)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.AddFiles(over, []string{"content/stories/s/index.md", "content/stories/s/index.es.md"}); err != nil {
		t.Fatal(err)
	}
	var paths []string
	for _, p := range s.Pages {
		paths = append(paths, p.Path+":"+p.Lang)
	}
	want := []string{"content/_index.md:en", "content/stories/a/index.md:en", "content/stories/b/index.md:en", "content/stories/s/index.es.md:es", "content/stories/s/index.md:en"}
	if !slices.Equal(paths, want) {
		t.Fatalf("pages %v, want %v", paths, want)
	}
	if got := s.Pages[4].FrontMatter["title"]; got != "Stored" {
		t.Errorf("stored page title %v, want it read from the overlay", got)
	}
	n := len(s.Pages)
	err = s.AddFiles(over, []string{"content/stories/b/index.md"})
	if err == nil || !strings.Contains(err.Error(), "already has a file") {
		t.Fatalf("duplicate path: err %v", err)
	}
	if len(s.Pages) != n {
		t.Errorf("a refused add changed the pages")
	}
	if err := s.AddFiles(over, []string{"../x.md"}); err == nil {
		t.Error("a path outside content/ was accepted")
	}
}

package corpus_test

import (
	"os"
	"path/filepath"
	"testing"

	"storyguard/tools/check"
	"storyguard/tools/content"
	"storyguard/tools/diag"
	"storyguard/tools/testgen/corpus"
)

func TestGeneratePassesCheck(t *testing.T) {
	dir := t.TempDir()
	if err := corpus.Generate(dir, 20, 1); err != nil {
		t.Fatal(err)
	}
	site, err := content.LoadSite(dir)
	if err != nil {
		t.Fatal(err)
	}
	ds := check.Run(site, check.Options{Now: corpus.Today}).Diagnostics
	if len(ds) > 0 {
		t.Fatalf("findings on the corpus: %v", ds)
	}
	if got := len(check.Publishable(site, ds)); got != 44 {
		t.Errorf("publishable %d, want 44 (40 stories and 4 index pages)", got)
	}
	fi, err := os.Stat(filepath.Join(dir, "content/stories/story-00003/index.es.md"))
	if err != nil || fi.Size() < 5<<10 || fi.Size() > 7<<10 {
		t.Errorf("story size %v, %v; want about 5 KB", fi, err)
	}
	again := t.TempDir()
	if err := corpus.Generate(again, 20, 1); err != nil {
		t.Fatal(err)
	}
	a, _ := os.ReadFile(filepath.Join(dir, "content/stories/story-00007/index.md"))
	b, _ := os.ReadFile(filepath.Join(again, "content/stories/story-00007/index.md"))
	if string(a) != string(b) {
		t.Error("same seed wrote different bytes")
	}
	_ = diag.Error
}

package corpus_test

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"storyguard/tools/check"
	"storyguard/tools/consent"
	"storyguard/tools/content"
	"storyguard/tools/diag"
	"storyguard/tools/publish"
	"storyguard/tools/testgen/corpus"
	"storyguard/tools/testgen/fixture"
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

// The benchmark's site (bench/site.sh): stories only, into an existing
// site, with phone photos as the first stories' originals and the approval
// pinned to each photo's own digest, as storyguard approve would.
func TestGenerateWithPhotos(t *testing.T) {
	site, vault, photos := t.TempDir(), t.TempDir(), t.TempDir()
	var paths []string
	for _, c := range []string{"first", "second"} {
		p := filepath.Join(photos, c+".jpg")
		if err := os.WriteFile(p, fixture.JPEG(fixture.JPEGOptions{Comment: c}), 0o644); err != nil {
			t.Fatal(err)
		}
		paths = append(paths, p)
	}
	if err := corpus.GenerateVaultWith(vault, 3, 1, corpus.VaultOptions{Photos: paths}); err != nil {
		t.Fatal(err)
	}
	digest := func(id string) (string, error) {
		sum, _, err := publish.HashFile(filepath.Join(vault, "media", id+".jpg"))
		return sum, err
	}
	if err := corpus.GenerateWith(site, 3, 1, corpus.Options{StoriesOnly: true, MediaDigest: digest}); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(site, "config.toml")); err == nil {
		t.Error("StoriesOnly wrote config.toml")
	}
	for i, want := range paths {
		a, _ := os.ReadFile(want)
		b, err := os.ReadFile(filepath.Join(vault, "media", fmt.Sprintf("m-%05d.jpg", i)))
		if err != nil || !bytes.Equal(a, b) {
			t.Errorf("vault original %d is not photo %d (%v)", i, i, err)
		}
	}
	for i := range 3 {
		id := fmt.Sprintf("m-%05d", i)
		pin, err := consent.MediaApprovalDigest([]string{id}, digest)
		if err != nil {
			t.Fatal(err)
		}
		page, _ := os.ReadFile(filepath.Join(site, fmt.Sprintf("content/stories/story-%05d/index.md", i)))
		if !strings.Contains(string(page), `approved_media_sha256: "`+pin+`"`) {
			t.Errorf("story %d: approval not pinned to its photo's digest %s", i, pin)
		}
	}
}

// No two corpus stories share an original: withdrawing one story would
// otherwise leave every other out of the rebuild (withdrawn-content-reused
// compares the originals' SHA-256).
func TestVaultOriginalsDistinct(t *testing.T) {
	vault := t.TempDir()
	if err := corpus.GenerateVault(vault, 30, 1); err != nil {
		t.Fatal(err)
	}
	seen := map[string]string{}
	for i := range 30 {
		id := fmt.Sprintf("m-%05d", i)
		sum, _, err := publish.HashFile(filepath.Join(vault, "media", id+".jpg"))
		if err != nil {
			t.Fatal(err)
		}
		if other, dup := seen[sum]; dup {
			t.Fatalf("%s and %s have the same original", other, id)
		}
		seen[sum] = id
	}
}

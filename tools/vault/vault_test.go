package vault

import (
	"errors"
	"os"
	"path/filepath"
	"sync"
	"testing"
)

// TestOriginalsSum: the digest is the file's SHA-256; missing, doubled
// and symlinked originals wrap ErrNoOriginal.
func TestOriginalsSum(t *testing.T) {
	dir := t.TempDir()
	os.MkdirAll(filepath.Join(dir, "media"), 0o755)
	os.WriteFile(filepath.Join(dir, "media", "m-0101.jpg"), []byte("one"), 0o644)
	os.WriteFile(filepath.Join(dir, "media", "m-0102.jpg"), []byte("two"), 0o644)
	os.WriteFile(filepath.Join(dir, "media", "m-0102.png"), []byte("two"), 0o644)
	os.Symlink(filepath.Join(dir, "media", "m-0101.jpg"), filepath.Join(dir, "media", "m-0103.jpg"))
	v := NewOriginals(dir)
	if got, err := v.Sum("m-0101"); err != nil || got != "7692c3ad3540bb803c020b3aee66cd8887123234ea0c6e7143c0add73ff431ed" {
		t.Errorf("Sum(m-0101) = %q, %v; want sha256(\"one\")", got, err)
	}
	for _, id := range []string{"m-0102", "m-0103", "m-0104"} {
		if _, err := v.Sum(id); !errors.Is(err, ErrNoOriginal) {
			t.Errorf("Sum(%s) = %v, want ErrNoOriginal", id, err)
		}
	}
	// check calls Sum from many goroutines at once (go test -race).
	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := NewOriginals(dir).Sum("m-0101"); err != nil {
				t.Error(err)
			}
			v.Sum("m-0101")
		}()
	}
	wg.Wait()
}

// TestFindOriginalAgreesWithSum: publish (FindOriginal) and check and
// approve (Originals.Sum) follow one rule, so a vault that check refuses
// is never published from, and the file published is the file approved.
func TestFindOriginalAgreesWithSum(t *testing.T) {
	for _, c := range []struct {
		name  string
		files []string
		want  string // "" when there is no single original
	}{
		{"one", []string{"m-0101.jpg"}, "m-0101.jpg"},
		{"mixed case extension", []string{"m-0101.Jpg"}, "m-0101.Jpg"},
		{"unlisted extension", []string{"m-0101.bmp"}, "m-0101.bmp"},
		{"note beside the photo", []string{"m-0101.jpg", "m-0101.txt"}, ""},
		{"two formats", []string{"m-0101.jpg", "m-0101.png"}, ""},
		{"none", []string{"m-0102.jpg"}, ""},
	} {
		dir := t.TempDir()
		os.MkdirAll(filepath.Join(dir, "media"), 0o755)
		for _, f := range c.files {
			os.WriteFile(filepath.Join(dir, "media", f), []byte(f), 0o644)
		}
		p, ferr := FindOriginal(dir, "m-0101")
		_, serr := NewOriginals(dir).Sum("m-0101")
		if (ferr == nil) != (serr == nil) {
			t.Errorf("%s: FindOriginal %v, Sum %v: they disagree", c.name, ferr, serr)
		}
		if c.want == "" {
			if !errors.Is(ferr, ErrNoOriginal) {
				t.Errorf("%s: FindOriginal = %q, %v; want ErrNoOriginal", c.name, p, ferr)
			}
			continue
		}
		if ferr != nil || filepath.Base(p) != c.want {
			t.Errorf("%s: FindOriginal = %q, %v; want %s", c.name, p, ferr, c.want)
		}
	}
	if _, err := FindOriginal(t.TempDir(), "../m-0101"); !errors.Is(err, ErrNoOriginal) {
		t.Errorf("a path as media id: %v, want ErrNoOriginal", err)
	}
}

package media_test

import (
	"bytes"
	"errors"
	"image/jpeg"
	"os"
	"slices"
	"strings"
	"testing"

	"storyguard/tools/media"
	"storyguard/tools/testgen/fixture"
)

// TestRecodeJPEGDropsHiddenBytes: text put before EOI survives Scrub and
// Verify but not DeepVerify; RecodeJPEG rewrites the same coefficients
// without it: DeepVerify passes, the pixels are identical, the kept
// Display P3 profile is still there and the text is gone.
func TestRecodeJPEGDropsHiddenBytes(t *testing.T) {
	p3, err := os.ReadFile("testdata/icc-cc0-display-p3-v4.icc")
	if err != nil {
		t.Fatal(err)
	}
	src := fixture.JPEG(fixture.JPEGOptions{Image: fixture.Noise(160, 120, 3), ICC: p3})
	var clean bytes.Buffer
	if _, err := media.Scrub(bytes.NewReader(src), &clean, media.Options{}); err != nil {
		t.Fatal(err)
	}
	c := clean.Bytes()
	hidden := slices.Concat(c[:len(c)-2], []byte("Jane HIDDENNAME 51.5074"), c[len(c)-2:])
	if _, err := media.DeepVerify(hidden, media.Options{}); !errors.Is(err, media.ErrNotClean) {
		t.Fatalf("DeepVerify(hidden) = %v, want ErrNotClean", err)
	}
	out, err := media.RecodeJPEG(hidden, media.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := media.DeepVerify(out, media.Options{}); err != nil {
		t.Fatalf("DeepVerify(recoded) = %v", err)
	}
	if bytes.Contains(out, []byte("HIDDEN")) {
		t.Error("the hidden text survived the recode")
	}
	if !bytes.Contains(out, p3[128:]) {
		t.Error("the recode dropped the kept colour profile")
	}
	a, err := jpeg.Decode(bytes.NewReader(c))
	if err != nil {
		t.Fatal(err)
	}
	b, err := jpeg.Decode(bytes.NewReader(out))
	if err != nil {
		t.Fatal(err)
	}
	if !a.Bounds().Eq(b.Bounds()) {
		t.Fatalf("bounds %v, want %v", b.Bounds(), a.Bounds())
	}
	for y := a.Bounds().Min.Y; y < a.Bounds().Max.Y; y++ {
		for x := a.Bounds().Min.X; x < a.Bounds().Max.X; x++ {
			if a.At(x, y) != b.At(x, y) {
				t.Fatalf("pixel %d,%d differs after the recode", x, y)
			}
		}
	}
	// Input that is not Scrub's output is refused, not rewritten.
	if _, err := media.RecodeJPEG(src, media.Options{}); err == nil || !strings.Contains(err.Error(), "not one Scrub keeps") {
		t.Errorf("RecodeJPEG(unscrubbed) = %v, want a refusal", err)
	}
}

// FuzzRecodeJPEG: any input is refused or rewritten, never a panic; a
// rewrite of Scrub's clean output passes DeepVerify.
func FuzzRecodeJPEG(f *testing.F) {
	f.Add(fixture.JPEG(fixture.JPEGOptions{Bare: true}))
	f.Add(fixture.JPEG(fixture.JPEGOptions{}))
	f.Fuzz(func(t *testing.T, data []byte) {
		var clean bytes.Buffer
		if _, err := media.Scrub(bytes.NewReader(data), &clean, media.Options{MaxPixels: 1 << 20}); err != nil {
			media.RecodeJPEG(data, media.Options{MaxPixels: 1 << 20})
			return
		}
		if media.Sniff(clean.Bytes()) != media.JPEG {
			return
		}
		out, err := media.RecodeJPEG(clean.Bytes(), media.Options{MaxPixels: 1 << 20})
		if err != nil {
			return
		}
		if _, err := media.DeepVerify(out, media.Options{MaxPixels: 1 << 20}); err != nil {
			t.Fatalf("recoded clean output fails DeepVerify: %v", err)
		}
	})
}

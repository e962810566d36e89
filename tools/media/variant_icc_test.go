package media_test

import (
	"bytes"
	"io"
	"os"
	"testing"

	"storyguard/tools/media"
	"storyguard/tools/testgen/fixture"
)

// TestVariantKeepsColourProfile: a variant's pixels are in its source's
// colour space, so a Display P3 photo's variants carry the same Display P3
// profile (JPEG APP2, PNG iCCP), byte for byte, and still verify; a
// source without a profile gives variants without one.
func TestVariantKeepsColourProfile(t *testing.T) {
	p3, err := os.ReadFile("testdata/icc-cc0-display-p3-v4.icc")
	if err != nil {
		t.Fatal(err)
	}
	img := fixture.Noise(800, 600, 4)
	for _, tc := range []struct {
		name string
		src  []byte
	}{
		{"jpeg", fixture.JPEG(fixture.JPEGOptions{Image: img, ICC: p3})},
		{"png", fixture.PNG(fixture.PNGOptions{Image: img, ICC: p3})},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var clean bytes.Buffer
			rep, err := media.Scrub(bytes.NewReader(tc.src), &clean, media.Options{})
			if err != nil {
				t.Fatal(err)
			}
			if rep.ICC != media.ICCKeptP3 {
				t.Fatalf("scrub kept ICC %q, want %q", rep.ICC, media.ICCKeptP3)
			}
			v, _, err := media.Variant(bytes.NewReader(clean.Bytes()), 480, media.Options{})
			if err != nil {
				t.Fatal(err)
			}
			if tc.name == "jpeg" && !bytes.Contains(v, p3[128:]) { // the tag table and tags, whole (PNG holds it compressed)
				t.Error("variant does not carry the source's Display P3 profile")
			}
			// Scrub keeps a profile only when its digest is on the known list:
			// the exact bytes of a standard Display P3 profile are there.
			var again bytes.Buffer
			if rep, err := media.Scrub(bytes.NewReader(v), &again, media.Options{}); err != nil || rep.ICC != media.ICCKeptP3 {
				t.Errorf("variant rescrubbed: ICC %q, %v; want the profile kept", rep.ICC, err)
			}
		})
	}
	bare := fixture.JPEG(fixture.JPEGOptions{Image: img, Bare: true})
	v, _, err := media.Variant(bytes.NewReader(bare), 480, media.Options{})
	if err != nil {
		t.Fatal(err)
	}
	var sink bytes.Buffer
	if rep, err := media.Scrub(bytes.NewReader(v), io.Writer(&sink), media.Options{}); err != nil || rep.ICC != media.ICCNone {
		t.Errorf("variant of an untagged source: ICC %q, %v; want none", rep.ICC, err)
	}
}

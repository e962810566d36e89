package media_test

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"storyguard/tools/media"
	"storyguard/tools/testgen/fixture"
)

// TestFingerprintSurvivesFileEdits (issue #12): a copy of a photo whose
// file was changed without changing the photo (a byte appended, Exif
// edited by exiftool, the orientation tag changed) keeps at least one
// digest of its Fingerprint, the one a withdrawal compares; another photo
// shares neither.
func TestFingerprintSurvivesFileEdits(t *testing.T) {
	exiftool := requireTool(t, "exiftool")
	orig, err := os.ReadFile("../../examples/vault/media/m-0101.jpg")
	if err != nil {
		t.Fatal(err)
	}
	fp := func(data []byte) media.Fingerprint {
		t.Helper()
		f, err := media.FingerprintOf(bytes.NewReader(data), media.Options{})
		if err != nil {
			t.Fatalf("FingerprintOf: %v", err)
		}
		return f
	}
	want := fp(orig)
	edited := func(args ...string) []byte {
		t.Helper()
		p := filepath.Join(t.TempDir(), "copy.jpg")
		if err := os.WriteFile(p, orig, 0o600); err != nil {
			t.Fatal(err)
		}
		if out, err := exec.Command(exiftool, append(args, "-overwrite_original", p)...).CombinedOutput(); err != nil {
			t.Fatalf("exiftool: %v\n%s", err, out)
		}
		data, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		if bytes.Equal(data, orig) {
			t.Fatal("exiftool changed nothing")
		}
		return data
	}
	for _, tt := range []struct {
		name     string
		data     []byte
		scrubbed bool // the scrubbed digest too, not only the pixels
	}{
		{"one byte appended", append(append([]byte{}, orig...), 0x00), true},
		{"exif edited", edited("-Artist=Someone Else", "-ImageDescription=new", "-DateTimeOriginal=2020:01:01 00:00:00"), true},
		{"exif stripped", edited("-all="), true},
		{"orientation changed", edited("-Orientation#=6"), false},
	} {
		got := fp(tt.data)
		if got.Pixels != want.Pixels {
			t.Errorf("%s: pixel digest %s, want %s", tt.name, got.Pixels, want.Pixels)
		}
		if tt.scrubbed && got.Scrubbed != want.Scrubbed {
			t.Errorf("%s: scrubbed digest %s, want %s", tt.name, got.Scrubbed, want.Scrubbed)
		}
	}
	other, err := os.ReadFile("../../examples/vault/media/m-0201.jpg")
	if err != nil {
		t.Fatal(err)
	}
	if o := fp(other); o.Pixels == want.Pixels || o.Scrubbed == want.Scrubbed {
		t.Errorf("another photo shares a digest: %+v and %+v", o, want)
	}
}

func FuzzFingerprintOf(f *testing.F) {
	for _, s := range samples() {
		f.Add(s.data)
	}
	f.Add(fixture.SimpleWebP(8, 8))
	f.Fuzz(func(t *testing.T, data []byte) {
		fp, err := media.FingerprintOf(bytes.NewReader(data), media.Options{MaxPixels: 1 << 20})
		if err != nil {
			return
		}
		if len(fp.Scrubbed) != 64 || len(fp.Pixels) != 64 {
			t.Fatalf("fingerprint %+v", fp)
		}
	})
}

package media_test

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"image"
	"image/jpeg"
	"os"
	"os/exec"
	"slices"
	"testing"

	"storyguard/tools/media"
	"storyguard/tools/media/jpegxform"
	"storyguard/tools/testgen/fixture"
)

// needTool returns the path of an oracle program; the test fails when
// STORYGUARD_REQUIRE_TOOLS=1 and it is missing, and skips otherwise.
func needTool(t *testing.T, name string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		if os.Getenv("STORYGUARD_REQUIRE_TOOLS") == "1" {
			t.Fatalf("%s not installed (run scripts/install-test-deps.sh)", name)
		}
		t.Skipf("%s not installed", name)
	}
	return p
}

// jpegtranOrient are the jpegtran options applying EXIF orientation 2-8.
var jpegtranOrient = map[int][]string{
	2: {"-flip", "horizontal"}, 3: {"-rotate", "180"}, 4: {"-flip", "vertical"},
	5: {"-transpose"}, 6: {"-rotate", "90"}, 7: {"-transverse"}, 8: {"-rotate", "270"},
}

func seg(marker byte, payload []byte) []byte {
	b := []byte{0xFF, marker, 0, 0}
	binary.BigEndian.PutUint16(b[2:], uint16(len(payload)+2))
	return append(b, payload...)
}

// withMeta puts the given segments and an Exif APP1 with orientation o
// (and the fixture's GPS, artist and serial sentinels) after SOI of a
// bare JPEG.
func withMeta(bare []byte, o int, segs ...[]byte) []byte {
	s := fixture.Sentinels
	exif := append([]byte("Exif\x00\x00"), fixture.EXIF(o, s["jpeg/exif-artist"], s["jpeg/exif-serial"], s["jpeg/exif-gps"], nil)...)
	out := slices.Concat(append([][]byte{bare[:2]}, segs...)...)
	out = append(out, seg(0xE1, exif)...)
	out = append(out, seg(0xFE, []byte(s["jpeg/com"]))...)
	return append(out, bare[2:]...)
}

func samePixelsJPEG(t *testing.T, what string, a, b []byte) {
	t.Helper()
	ia, err := jpeg.Decode(bytes.NewReader(a))
	if err != nil {
		t.Fatalf("%s: decode ours: %v", what, err)
	}
	ib, err := jpeg.Decode(bytes.NewReader(b))
	if err != nil {
		t.Fatalf("%s: decode oracle's: %v", what, err)
	}
	if ia.Bounds() != ib.Bounds() {
		t.Fatalf("%s: bounds %v vs %v", what, ia.Bounds(), ib.Bounds())
	}
	r := ia.Bounds()
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			if ia.At(x, y) != ib.At(x, y) {
				t.Fatalf("%s: pixel (%d,%d) %v vs %v", what, x, y, ia.At(x, y), ib.At(x, y))
			}
		}
	}
}

// TestLosslessPhone scrubs a phone-style photo (orientation 6, metadata
// in every location) whose size is whole MCUs: it comes out rotated
// without loss (the pixels of jpegtran's lossless rotation of the same
// image), every sentinel gone, passing Verify, and a second scrub leaves
// it alone.
func TestLosslessPhone(t *testing.T) {
	jt := needTool(t, "jpegtran")
	pic := fixture.Noise(160, 96, 11)
	src := fixture.JPEG(fixture.JPEGOptions{Image: pic, Orientation: 6})
	bare := fixture.JPEG(fixture.JPEGOptions{Image: pic, Bare: true})
	out, rep := scrub(t, src, media.Options{Name: "phone.jpg"})
	if rep.Orientation != media.OrientationLossless || rep.Width != 96 || rep.Height != 160 {
		t.Fatalf("report %+v, want lossless 96x160", rep)
	}
	if i := bytes.Index(out, []byte("SGSENTINEL")); i >= 0 {
		t.Errorf("sentinel survived at offset %d", i)
	}
	for _, name := range []string{"APP1 Exif", "APP1 XMP", "APP13 Photoshop/IPTC", "COM", "trailer after EOI"} {
		if !slices.Contains(rep.Removed, name) {
			t.Errorf("Removed %v lacks %q", rep.Removed, name)
		}
	}
	info, err := media.Verify(bytes.NewReader(out), media.Options{Name: "phone.jpg"})
	if err != nil || info.Width != 96 || info.Height != 160 {
		t.Fatalf("Verify: %+v, %v", info, err)
	}
	oracle := runTool(t, jt, bare, "-copy", "none", "-perfect", "-rotate", "90")
	samePixelsJPEG(t, "scrubbed vs jpegtran -rotate 90", out, oracle)
	again, rep2 := scrub(t, out, media.Options{})
	if !bytes.Equal(again, out) || rep2.Orientation != media.OrientationNone || len(rep2.Removed) != 0 {
		t.Errorf("second scrub: %+v, same bytes %v", rep2, bytes.Equal(again, out))
	}
}

// TestLosslessKeepsHeaders checks that the lossless path keeps what the
// untouched path keeps: the JFIF segment (densities swapped for a
// transposing orientation), Adobe APP14 and a known ICC profile.
func TestLosslessKeepsHeaders(t *testing.T) {
	icc := standardICC(t)
	bare := fixture.JPEG(fixture.JPEGOptions{Image: fixture.Quadrants(64, 48), Bare: true})
	jfif := []byte("JFIF\x00\x01\x02\x01\x00\x48\x01\x2C\x00\x00") // 72 x 300 dpi
	adobe := []byte("Adobe\x00\x64\x00\x00\x00\x00\x01")           // YCbCr
	iccSeg := append([]byte("ICC_PROFILE\x00\x01\x01"), icc...)
	for _, o := range []int{3, 8} {
		src := withMeta(bare, o, seg(0xE0, jfif), seg(0xEE, adobe), seg(0xE2, iccSeg))
		out, rep := scrub(t, src, media.Options{})
		if rep.Orientation != media.OrientationLossless || rep.ICC != media.ICCKept {
			t.Fatalf("orientation %d: report %+v", o, rep)
		}
		want := slices.Clone(jfif)
		if o >= 5 {
			copy(want[8:12], "\x01\x2C\x00\x48")
		}
		if !bytes.HasPrefix(out, slices.Concat([]byte{0xFF, 0xD8}, seg(0xE0, want), seg(0xEE, adobe))) {
			t.Errorf("orientation %d: header % X", o, out[:40])
		}
		if !bytes.Contains(out, icc) {
			t.Errorf("orientation %d: ICC profile not kept", o)
		}
		if _, err := media.Verify(bytes.NewReader(out), media.Options{}); err != nil {
			t.Errorf("orientation %d: Verify: %v", o, err)
		}
	}
}

// ppmOf writes img as a binary PPM for cjpeg.
func ppmOf(img *image.RGBA) []byte {
	b := fmt.Appendf(nil, "P6\n%d %d\n255\n", img.Rect.Dx(), img.Rect.Dy())
	for i := 0; i < len(img.Pix); i += 4 {
		b = append(b, img.Pix[i:i+3]...)
	}
	return b
}

// TestLosslessRestartProgressive scrubs oriented inputs with restart
// markers (cjpeg -restart 1 and jpegxform's encoder) and progressive
// inputs (jpegtran -progressive): each is transformed losslessly, to the
// pixels of jpegtran's own transform, and passes Verify.
func TestLosslessRestartProgressive(t *testing.T) {
	jt := needTool(t, "jpegtran")
	cjpeg := needTool(t, "cjpeg")
	pic := fixture.Noise(64, 48, 5)
	bare := fixture.JPEG(fixture.JPEGOptions{Image: pic, Bare: true})
	img, err := jpegxform.Decode(bare, jpegxform.Limits{})
	if err != nil {
		t.Fatal(err)
	}
	var own bytes.Buffer
	if err := jpegxform.Encode(&own, img, jpegxform.EncodeOptions{RestartInterval: 1}); err != nil {
		t.Fatal(err)
	}
	inputs := []struct {
		name string
		data []byte
	}{
		{"jpegxform restart 1", own.Bytes()},
		{"cjpeg -restart 1", runTool(t, cjpeg, ppmOf(pic), "-quality", "85", "-restart", "1")},
		{"jpegtran -progressive", runTool(t, jt, bare, "-progressive")},
		{"cjpeg -progressive -sample 1x1", runTool(t, cjpeg, ppmOf(pic), "-quality", "85", "-progressive", "-sample", "1x1")},
	}
	for _, in := range inputs {
		for _, o := range []int{2, 6, 7} {
			out, rep := scrub(t, withMeta(in.data, o), media.Options{})
			if rep.Orientation != media.OrientationLossless {
				t.Errorf("%s orientation %d: %q", in.name, o, rep.Orientation)
			}
			if _, err := media.Verify(bytes.NewReader(out), media.Options{}); err != nil {
				t.Errorf("%s orientation %d: Verify: %v", in.name, o, err)
			}
			if bytes.Contains(out, []byte("SGSENTINEL")) {
				t.Errorf("%s orientation %d: sentinel left", in.name, o)
			}
			oracle := runTool(t, jt, in.data, append([]string{"-copy", "none", "-perfect"}, jpegtranOrient[o]...)...)
			samePixelsJPEG(t, fmt.Sprintf("%s orientation %d", in.name, o), out, oracle)
		}
	}
}

// TestOrientationFallback checks the re-encode fallback and its report:
// a size that is not whole MCUs, and a 4:1:1 image whose transposed
// sampling (luma 1x4) image/jpeg cannot decode; the same 4:1:1 image
// flipped keeps its sampling and stays lossless.
func TestOrientationFallback(t *testing.T) {
	cjpeg := needTool(t, "cjpeg")
	pic := fixture.Noise(64, 48, 8)
	s411 := runTool(t, cjpeg, ppmOf(pic), "-quality", "85", "-sample", "4x1")
	tests := []struct {
		name string
		data []byte
		o    int
		want string
	}{
		{"90x60 rotate 90", fixture.JPEG(fixture.JPEGOptions{Image: fixture.Noise(90, 60, 1), Orientation: 6}), 6, media.OrientationReencoded},
		{"90x60 transpose", fixture.JPEG(fixture.JPEGOptions{Image: fixture.Noise(90, 60, 1), Orientation: 5}), 5, media.OrientationLossless},
		{"4:1:1 rotate 90", withMeta(s411, 6), 6, media.OrientationReencoded},
		{"4:1:1 rotate 180", withMeta(s411, 3), 3, media.OrientationLossless},
	}
	for _, tt := range tests {
		out, rep := scrub(t, tt.data, media.Options{})
		if rep.Orientation != tt.want {
			t.Errorf("%s: %q, want %q", tt.name, rep.Orientation, tt.want)
		}
		info, err := media.Verify(bytes.NewReader(out), media.Options{})
		if err != nil {
			t.Errorf("%s: Verify: %v", tt.name, err)
			continue
		}
		if _, err := jpeg.Decode(bytes.NewReader(out)); err != nil {
			t.Errorf("%s: image/jpeg: %v", tt.name, err)
		}
		if tt.o >= 5 && info.Width > info.Height { // every input is landscape
			t.Errorf("%s: not transposed: %dx%d", tt.name, info.Width, info.Height)
		}
	}
}

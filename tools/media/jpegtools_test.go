package media_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"image"
	"image/jpeg"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"storyguard/tools/media"
	"storyguard/tools/testgen/fixture"
)

// runTool runs a libjpeg-turbo tool (Debian libjpeg-turbo-progs, installed
// by scripts/install-test-deps.sh) with stdin and returns its stdout.
func runTool(t *testing.T, path string, stdin []byte, args ...string) []byte {
	t.Helper()
	cmd := exec.Command(path, args...)
	cmd.Stdin = bytes.NewReader(stdin)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("%s %v: %v: %s", filepath.Base(path), args, err, stderr.Bytes())
	}
	return out
}

// ppm encodes img as a binary PPM (P6) for cjpeg.
func ppm(img image.Image) []byte {
	b := img.Bounds()
	var out bytes.Buffer
	fmt.Fprintf(&out, "P6\n%d %d\n255\n", b.Dx(), b.Dy())
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			r, g, bl, _ := img.At(x, y).RGBA()
			out.Write([]byte{byte(r >> 8), byte(g >> 8), byte(bl >> 8)})
		}
	}
	return out.Bytes()
}

// jpegScans returns, in order, every SOS header with the entropy-coded
// data after it (stuffed bytes and RSTn markers included, up to the next
// other marker), and the number of RSTn markers seen. It is the test's own
// reading of T.81 B.1.1, independent of the package's parsers.
func jpegScans(t *testing.T, b []byte) (scans [][]byte, rst int) {
	t.Helper()
	i := 2
	for i+2 <= len(b) {
		if b[i] != 0xFF {
			t.Fatalf("no marker at %d", i)
		}
		m := b[i+1]
		if m == 0xD9 {
			return scans, rst
		}
		if i+4 > len(b) {
			break
		}
		n := int(b[i+2])<<8 | int(b[i+3])
		start := i
		i += 2 + n
		if m != 0xDA {
			continue
		}
		for i+1 < len(b) {
			if b[i] == 0xFF && (b[i+1] == 0x00 || b[i+1] >= 0xD0 && b[i+1] <= 0xD7) {
				if b[i+1] != 0 {
					rst++
				}
				i += 2
				continue
			}
			if b[i] == 0xFF {
				break
			}
			i++
		}
		scans = append(scans, b[start:i])
	}
	t.Fatal("no EOI")
	return nil, 0
}

// withMetadata splices the fixture's metadata (every APPn and COM segment
// before its image data, and its trailers after EOI) around a JPEG made
// by another encoder.
func withMetadata(t *testing.T, plain []byte) []byte {
	t.Helper()
	full := fixture.JPEG(fixture.JPEGOptions{})
	bare := fixture.JPEG(fixture.JPEGOptions{Bare: true})
	at := bytes.Index(full, bare[2:])
	if at < 0 {
		t.Fatal("fixture layout changed")
	}
	return slices.Concat(plain[:2], full[2:at], plain[2:], full[at+len(bare)-2:])
}

// TestProgressiveAndRestartJPEG converts a fixture with planted metadata
// with jpegtran and cjpeg into the layouts Go cannot write (progressive
// Huffman; restart markers) and checks that Scrub removes every sentinel
// and keeps every scan byte for byte, that the pixels are unchanged, and
// that Verify and exiftool agree the result is clean.
func TestProgressiveAndRestartJPEG(t *testing.T) {
	jpegtran, cjpeg, djpeg := requireTool(t, "jpegtran"), requireTool(t, "cjpeg"), requireTool(t, "djpeg")
	exiftool := requireTool(t, "exiftool")
	img := fixture.Noise(160, 120, 11)
	phone := fixture.JPEG(fixture.JPEGOptions{Image: img, Quality: 92})
	tests := []struct {
		name        string
		data        []byte
		progressive bool
		restarts    bool
	}{
		{"jpegtran -progressive -copy all", runTool(t, jpegtran, phone, "-progressive", "-copy", "all"), true, false},
		{"jpegtran -restart 1 -copy all", runTool(t, jpegtran, phone, "-restart", "1", "-copy", "all"), false, true},
		{"jpegtran -progressive -restart 1 -copy all", runTool(t, jpegtran, phone, "-progressive", "-restart", "1", "-copy", "all"), true, true},
		{"cjpeg -restart 1", withMetadata(t, runTool(t, cjpeg, ppm(img), "-quality", "90", "-restart", "1")), false, true},
		{"cjpeg -progressive -restart 1B", withMetadata(t, runTool(t, cjpeg, ppm(img), "-quality", "90", "-progressive", "-restart", "1B")), true, true},
	}
	dir := t.TempDir()
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// The input must be what the case says, or the test proves nothing.
			scansIn, rstIn := jpegScans(t, tt.data)
			if got := bytes.Contains(tt.data, []byte{0xFF, 0xC2}); got != tt.progressive {
				t.Fatalf("input progressive = %v", got)
			}
			if tt.progressive && len(scansIn) < 2 {
				t.Fatalf("progressive input with %d scans", len(scansIn))
			}
			if (rstIn > 0) != tt.restarts {
				t.Fatalf("input has %d RST markers", rstIn)
			}
			planted := 0
			for _, s := range fixture.Sentinels {
				if bytes.Contains(tt.data, []byte(s)) {
					planted++
				}
			}
			if planted < 8 {
				t.Fatalf("only %d sentinels in the input", planted)
			}

			out, rep := scrub(t, tt.data, media.Options{Name: "photo.jpg"})
			if i := bytes.Index(out, []byte("SGSENTINEL")); i >= 0 {
				t.Errorf("sentinel left at offset %d", i)
			}
			if rep.Orientation != media.OrientationNone {
				t.Errorf("Report.Orientation %q", rep.Orientation)
			}
			scansOut, rstOut := jpegScans(t, out)
			if !reflect.DeepEqual(scansIn, scansOut) || rstOut != rstIn {
				t.Errorf("scans changed: %d scans and %d RST in, %d and %d out", len(scansIn), rstIn, len(scansOut), rstOut)
			}
			// Pixels: djpeg (libjpeg-turbo) decodes every case; Go's
			// image/jpeg cannot decode progressive scans with restart
			// markers ("missing 0xff00 sequence"), so it compares only
			// where it decodes the input.
			if !bytes.Equal(runTool(t, djpeg, tt.data, "-ppm"), runTool(t, djpeg, out, "-ppm")) {
				t.Error("djpeg: decoded pixels differ")
			}
			if a, err := jpeg.Decode(bytes.NewReader(tt.data)); err != nil {
				if !tt.progressive || !tt.restarts {
					t.Errorf("image/jpeg cannot decode the input: %v", err)
				}
				t.Logf("image/jpeg: %v (Go limitation; djpeg compared the pixels)", err)
			} else if b, err := jpeg.Decode(bytes.NewReader(out)); err != nil || !reflect.DeepEqual(a, b) {
				t.Errorf("image/jpeg: decoded pixels differ (%v)", err)
			}
			if _, err := media.Verify(bytes.NewReader(out), media.Options{Name: "photo.jpg"}); err != nil {
				t.Errorf("verify: %v", err)
			}

			path := filepath.Join(dir, fmt.Sprintf("clean-%d.jpg", i))
			if err := os.WriteFile(path, out, 0o644); err != nil {
				t.Fatal(err)
			}
			raw, err := exec.Command(exiftool, "-j", "-a", "-G1", path).Output()
			if err != nil {
				t.Fatalf("exiftool: %v", err)
			}
			var res []map[string]any
			if err := json.Unmarshal(raw, &res); err != nil || len(res) != 1 {
				t.Fatalf("exiftool output: %v", err)
			}
			allowed := map[string]bool{"ExifTool": true, "System": true, "File": true, "JFIF": true, "Composite": true}
			for key, v := range res[0] {
				group, tag, _ := strings.Cut(key, ":")
				if key != "SourceFile" && (!allowed[group] || tag == "Comment" || tag == "Warning" || tag == "Orientation") {
					t.Errorf("exiftool reports %s = %v", key, v)
				}
				if s, ok := v.(string); ok && strings.Contains(s, "SGSENTINEL") {
					t.Errorf("exiftool finds a sentinel in %s", key)
				}
			}
		})
	}
}

// TestArithmeticJPEGRefused: arithmetic-coded JPEG (jpegtran -arithmetic,
// SOF9/SOF10) is refused by Scrub with an error naming arithmetic coding,
// and by Verify even when it carries no metadata.
func TestArithmeticJPEGRefused(t *testing.T) {
	jpegtran := requireTool(t, "jpegtran")
	src := fixture.JPEG(fixture.JPEGOptions{})
	clean, _ := scrub(t, src, media.Options{})
	for _, args := range [][]string{{"-arithmetic", "-copy", "all"}, {"-arithmetic", "-progressive", "-copy", "all"}} {
		arith := runTool(t, jpegtran, src, args...)
		if !bytes.Contains(arith, []byte{0xFF, 0xC9}) && !bytes.Contains(arith, []byte{0xFF, 0xCA}) {
			t.Fatalf("jpegtran %v wrote no arithmetic SOF", args)
		}
		_, err := media.Scrub(bytes.NewReader(arith), &bytes.Buffer{}, media.Options{Name: "a.jpg"})
		var ue *media.UnsupportedError
		if !errors.Is(err, media.ErrUnsupportedFormat) || !errors.As(err, &ue) || !strings.Contains(err.Error(), "arithmetic") {
			t.Errorf("Scrub(jpegtran %v) = %v, want an unsupported-format error naming arithmetic coding", args, err)
		}
		bare := runTool(t, jpegtran, clean, args[:len(args)-2]...)
		if _, err := media.Verify(bytes.NewReader(bare), media.Options{Name: "a.jpg"}); !errors.Is(err, media.ErrUnsupportedFormat) || !strings.Contains(err.Error(), "arithmetic") {
			t.Errorf("Verify(clean jpeg through jpegtran %v) = %v, want an unsupported-format error naming arithmetic coding", args[:len(args)-2], err)
		}
	}
}

// TestVariantOfProgressiveWithRestarts: image/jpeg cannot decode a
// progressive JPEG with restart markers, a layout libjpeg writes on
// request; Variant must still scale it, to exactly the rendition of the
// same coefficients written as baseline (jpegtran keeps coefficients).
func TestVariantOfProgressiveWithRestarts(t *testing.T) {
	jpegtran := requireTool(t, "jpegtran")
	base := fixture.JPEG(fixture.JPEGOptions{Image: fixture.Noise(640, 480, 5), Quality: 90, Bare: true})
	progRst := runTool(t, jpegtran, base, "-progressive", "-restart", "1")
	if _, err := jpeg.Decode(bytes.NewReader(progRst)); err == nil {
		t.Log("image/jpeg now decodes progressive files with restarts; the fallback is unused here")
	}
	sameCoef := runTool(t, jpegtran, progRst, "-restart", "0")
	got, info, err := media.Variant(bytes.NewReader(progRst), 320, media.Options{})
	if err != nil {
		t.Fatalf("Variant(progressive with restarts): %v", err)
	}
	want, _, err := media.Variant(bytes.NewReader(sameCoef), 320, media.Options{})
	if err != nil {
		t.Fatalf("Variant(baseline, same coefficients): %v", err)
	}
	if info.Width != 320 || info.Height != 240 {
		t.Errorf("variant %dx%d, want 320x240", info.Width, info.Height)
	}
	if !bytes.Equal(got, want) {
		t.Error("the variant of the progressive file differs from that of the same coefficients in baseline")
	}
}

// exifOrientationSeg is an APP1 Exif segment holding only orientation o
// (big-endian TIFF, one IFD0 entry).
func exifOrientationSeg(o int) []byte {
	tiff := []byte{'M', 'M', 0, 42, 0, 0, 0, 8, 0, 1, 0x01, 0x12, 0, 3, 0, 0, 0, 1, 0, byte(o), 0, 0, 0, 0, 0, 0, 0, 0}
	p := append([]byte("Exif\x00\x00"), tiff...)
	return append([]byte{0xFF, 0xE1, byte((len(p) + 2) >> 8), byte(len(p) + 2)}, p...)
}

// TestOrientReencodeLayouts: a photo that must be re-encoded to be turned
// (a partial MCU would move) is turned whatever its coding, progressive
// with restart markers included (image/jpeg cannot decode those itself);
// a chroma layout image/jpeg cannot decode is refused as unsupported with
// a message that says what to do, never as malformed.
func TestOrientReencodeLayouts(t *testing.T) {
	cjpeg := requireTool(t, "cjpeg")
	pic := ppm(fixture.Noise(643, 481, 9))
	progRst := runTool(t, cjpeg, pic, "-quality", "85", "-progressive", "-restart", "2")
	in := slices.Concat(progRst[:2], exifOrientationSeg(6), progRst[2:])
	var out bytes.Buffer
	rep, err := media.Scrub(bytes.NewReader(in), &out, media.Options{Name: "a.jpg"})
	if err != nil {
		t.Fatalf("progressive with restarts, orientation 6: %v", err)
	}
	if rep.Orientation != media.OrientationReencoded || rep.Width != 481 || rep.Height != 643 {
		t.Errorf("report %+v, want re-encoded 481x643", rep)
	}
	if _, err := media.Verify(bytes.NewReader(out.Bytes()), media.Options{}); err != nil {
		t.Errorf("Verify: %v", err)
	}

	odd := runTool(t, cjpeg, ppm(fixture.Noise(640, 480, 9)), "-quality", "85", "-sample", "2x2,1x1,2x2")
	in = slices.Concat(odd[:2], exifOrientationSeg(6), odd[2:])
	_, err = media.Scrub(bytes.NewReader(in), io.Discard, media.Options{Name: "b.jpg"})
	if !errors.Is(err, media.ErrUnsupportedFormat) || errors.Is(err, media.ErrMalformed) || !strings.Contains(err.Error(), "orientation 6") || !strings.Contains(err.Error(), "export the photo again") {
		t.Errorf("sampling 2x2,1x1,2x2 with orientation 6: %v; want an unsupported-format error naming the orientation and what to do", err)
	}
}

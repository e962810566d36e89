package media_test

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"hash/crc32"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"testing/iotest"

	"golang.org/x/image/webp"

	"storyguard/tools/media"
	"storyguard/tools/testgen/fixture"
)

// standardICC is a profile on media.KnownProfiles (see testdata/README.md).
func standardICC(t testing.TB) []byte {
	b, err := os.ReadFile("testdata/srgb-icc-profiles-free.icc")
	if err != nil {
		t.Fatal(err)
	}
	return b
}

type sample struct {
	name   string
	prefix string // sentinel key prefix
	data   []byte
}

func samples() []sample {
	return []sample{
		{"phone.jpg", "jpeg/", fixture.JPEG(fixture.JPEGOptions{})},
		{"screenshot.png", "png/", fixture.PNG(fixture.PNGOptions{})},
		{"sticker.webp", "webp/", fixture.WebP(fixture.WebPOptions{})},
	}
}

func scrub(t testing.TB, data []byte, opts media.Options) ([]byte, media.Report) {
	t.Helper()
	var out bytes.Buffer
	rep, err := media.Scrub(bytes.NewReader(data), &out, opts)
	if err != nil {
		t.Fatalf("scrub: %v", err)
	}
	return out.Bytes(), rep
}

// TestSentinelsGone plants a sentinel in every metadata location and
// checks that each is present before scrubbing and gone after, that the
// output passes Verify and that the original does not.
func TestSentinelsGone(t *testing.T) {
	for _, s := range samples() {
		t.Run(s.name, func(t *testing.T) {
			n := 0
			for key, sentinel := range fixture.Sentinels {
				if strings.HasPrefix(key, s.prefix) {
					n++
					if !bytes.Contains(s.data, []byte(sentinel)) {
						t.Fatalf("fixture lacks sentinel %s", key)
					}
				}
			}
			if n < 5 {
				t.Fatalf("only %d sentinels for %s", n, s.prefix)
			}
			if _, err := media.Verify(bytes.NewReader(s.data), media.Options{}); !errors.Is(err, media.ErrNotClean) {
				t.Fatalf("Verify(original) = %v, want ErrNotClean", err)
			}
			out, rep := scrub(t, s.data, media.Options{Name: s.name})
			if bytes.Contains(out, []byte("SGSENTINEL")) {
				t.Errorf("sentinel survived at offset %d", bytes.Index(out, []byte("SGSENTINEL")))
			}
			if rep.ICC != media.ICCDropped {
				t.Errorf("ICC = %q, want dropped", rep.ICC)
			}
			if len(rep.Removed) < 5 {
				t.Errorf("Removed = %v", rep.Removed)
			}
			info, err := media.Verify(bytes.NewReader(out), media.Options{Name: s.name})
			if err != nil {
				t.Fatalf("Verify(scrubbed): %v", err)
			}
			if info.Width != rep.Width || info.Height != rep.Height || info.Format != rep.Format {
				t.Errorf("Verify info %+v, report %+v", info, rep)
			}
			// Idempotent: a second scrub removes nothing and changes nothing.
			again, rep2 := scrub(t, out, media.Options{})
			if !bytes.Equal(again, out) || len(rep2.Removed) != 0 {
				t.Errorf("second scrub changed the file or removed %v", rep2.Removed)
			}
		})
	}
}

func decode(t *testing.T, f media.Format, b []byte) image.Image {
	t.Helper()
	var img image.Image
	var err error
	switch f {
	case media.JPEG:
		img, err = jpeg.Decode(bytes.NewReader(b))
	case media.PNG:
		img, err = png.Decode(bytes.NewReader(b))
	case media.WebP:
		img, err = webp.Decode(bytes.NewReader(b))
	}
	if err != nil {
		t.Fatalf("decode %s: %v", f, err)
	}
	return img
}

// TestLosslessPixels decodes original and scrubbed images and compares
// every pixel; the lossless path must not change one.
func TestLosslessPixels(t *testing.T) {
	noisy := fixture.JPEG(fixture.JPEGOptions{Image: fixture.Noise(160, 120, 7), Quality: 95})
	for _, s := range append(samples(), sample{"noise.jpg", "", noisy}) {
		t.Run(s.name, func(t *testing.T) {
			out, rep := scrub(t, s.data, media.Options{})
			if rep.Orientation != media.OrientationNone {
				t.Fatalf("orientation %q", rep.Orientation)
			}
			a, b := decode(t, rep.Format, s.data), decode(t, rep.Format, out)
			if a.Bounds() != b.Bounds() {
				t.Fatalf("bounds %v vs %v", a.Bounds(), b.Bounds())
			}
			for y := a.Bounds().Min.Y; y < a.Bounds().Max.Y; y++ {
				for x := a.Bounds().Min.X; x < a.Bounds().Max.X; x++ {
					if a.At(x, y) != b.At(x, y) {
						t.Fatalf("pixel (%d,%d): %v vs %v", x, y, a.At(x, y), b.At(x, y))
					}
				}
			}
		})
	}
}

// TestOrientation checks that each EXIF orientation is applied: the corner
// colours of Quadrants (top-left red, top-right green, bottom-left blue,
// bottom-right white) land where CIPA DC-008 says a viewer shows them.
func TestOrientation(t *testing.T) {
	red, green, blue, white := "red", "green", "blue", "white"
	tests := []struct {
		o                 int
		topLeft, topRight string
		swapped           bool
	}{
		{1, red, green, false},
		{2, green, red, false},
		{3, white, blue, false},
		{4, blue, white, false},
		{5, red, blue, true},
		{6, blue, red, true},
		{7, white, green, true},
		{8, green, white, true},
	}
	name := func(c color.Color) string {
		r, g, b, _ := c.RGBA()
		r, g, b = r>>8, g>>8, b>>8
		switch {
		case r > 180 && g > 180 && b > 180:
			return white
		case r > 150 && g < 80 && b < 80:
			return red
		case g > 150 && r < 80 && b < 80:
			return green
		case b > 150 && r < 80 && g < 80:
			return blue
		}
		return "other"
	}
	// 96x64 is whole 16x16 MCUs: every orientation is lossless. 90x60 is
	// not: only transpose (5) moves no partial MCU; the rest re-encode.
	for _, size := range []image.Point{{96, 64}, {90, 60}} {
		for _, tt := range tests {
			src := fixture.JPEG(fixture.JPEGOptions{Image: fixture.Quadrants(size.X, size.Y), Orientation: tt.o})
			out, rep := scrub(t, src, media.Options{})
			want := media.OrientationLossless
			switch {
			case tt.o == 1:
				want = media.OrientationNone
			case size.X == 90 && tt.o != 5:
				want = media.OrientationReencoded
			}
			if rep.Orientation != want {
				t.Errorf("%v orientation %d: handled %q, want %q", size, tt.o, rep.Orientation, want)
			}
			img := decode(t, media.JPEG, out)
			b := img.Bounds()
			if tt.swapped != (b.Dx() == size.Y) || rep.Width != b.Dx() || rep.Height != b.Dy() {
				t.Errorf("%v orientation %d: size %v, report %dx%d", size, tt.o, b, rep.Width, rep.Height)
			}
			if got := name(img.At(4, 4)); got != tt.topLeft {
				t.Errorf("%v orientation %d: top-left %s, want %s", size, tt.o, got, tt.topLeft)
			}
			if got := name(img.At(b.Dx()-5, 4)); got != tt.topRight {
				t.Errorf("%v orientation %d: top-right %s, want %s", size, tt.o, got, tt.topRight)
			}
			if bytes.Contains(out, []byte("SGSENTINEL")) || bytes.Contains(out, []byte("Exif")) {
				t.Errorf("%v orientation %d: metadata left", size, tt.o)
			}
			if _, err := media.Verify(bytes.NewReader(out), media.Options{}); err != nil {
				t.Errorf("%v orientation %d: verify: %v", size, tt.o, err)
			}
		}
	}
}

// TestStandardICCKept checks that a profile on the known list survives in
// every format and passes Verify.
func TestStandardICCKept(t *testing.T) {
	icc := standardICC(t)
	for _, s := range []sample{
		{"a.jpg", "", fixture.JPEG(fixture.JPEGOptions{ICC: icc})},
		{"a.png", "", fixture.PNG(fixture.PNGOptions{ICC: icc})},
		{"a.webp", "", fixture.WebP(fixture.WebPOptions{ICC: icc})},
	} {
		out, rep := scrub(t, s.data, media.Options{})
		if rep.ICC != media.ICCKept || slices.Contains(rep.Removed, "APP2 ICC_PROFILE") || slices.Contains(rep.Removed, "iCCP") || slices.Contains(rep.Removed, "ICCP") {
			t.Errorf("%s: ICC %q, removed %v", s.name, rep.ICC, rep.Removed)
		}
		if _, err := media.Verify(bytes.NewReader(out), media.Options{}); err != nil {
			t.Errorf("%s: verify: %v", s.name, err)
		}
		if s.name != "a.png" && !bytes.Contains(out, icc[128:400]) {
			t.Errorf("%s: profile bytes not in output", s.name)
		}
	}
}

// TestErrors covers the safety cases of issue #4: each fails with a clear,
// testable error in both Scrub and Verify.
func TestErrors(t *testing.T) {
	jpg := fixture.JPEG(fixture.JPEGOptions{})
	clean, _ := scrub(t, jpg, media.Options{})
	pngb := fixture.PNG(fixture.PNGOptions{})
	tests := []struct {
		name   string
		data   []byte
		opts   media.Options
		want   error
		format string // for unsupported and extension errors
	}{
		{"empty", nil, media.Options{}, media.ErrEmpty, ""},
		{"truncated in header", clean[:100], media.Options{}, media.ErrTruncated, ""},
		{"truncated in scan", clean[:len(clean)-40], media.Options{}, media.ErrTruncated, ""},
		{"truncated png", pngb[:200], media.Options{}, media.ErrTruncated, ""},
		{"over size limit", clean, media.Options{MaxBytes: 500}, media.ErrTooLarge, ""},
		{"over pixel limit", clean, media.Options{MaxPixels: 96*64 - 1}, media.ErrTooManyPixels, ""},
		{"png over pixel limit", pngb, media.Options{MaxPixels: 1000}, media.ErrTooManyPixels, ""},
		{".jpg that is a png", pngb, media.Options{Name: "photo.jpg"}, media.ErrExtensionMismatch, "png"},
		{".jpg that is html", []byte("<!DOCTYPE html><html><body>hi</body></html>"), media.Options{Name: "photo.JPG"}, media.ErrExtensionMismatch, "html"},
		{"html", []byte("\n<html><body>hi</body></html>"), media.Options{}, media.ErrUnsupportedFormat, "html"},
		{"gif", []byte("GIF89a\x01\x00\x01\x00\x00\x00\x00;"), media.Options{}, media.ErrUnsupportedFormat, "gif"},
		{"heic", []byte("\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic"), media.Options{}, media.ErrUnsupportedFormat, "heif"},
		{"avif", []byte("\x00\x00\x00\x1cftypavif\x00\x00\x00\x00avifmif1miaf"), media.Options{}, media.ErrUnsupportedFormat, "avif"},
		{"mov", []byte("\x00\x00\x00\x14ftypqt  \x00\x00\x00\x00qt  "), media.Options{}, media.ErrUnsupportedFormat, "mov"},
		{"mp4", []byte("\x00\x00\x00\x18ftypisom\x00\x00\x02\x00isomiso2"), media.Options{}, media.ErrUnsupportedFormat, "mp4"},
		{"tiff", []byte("II*\x00\x08\x00\x00\x00\x00\x00"), media.Options{}, media.ErrUnsupportedFormat, "tiff"},
		{"pdf", []byte("%PDF-1.7\n%\xe2\xe3\xcf\xd3\n"), media.Options{}, media.ErrUnsupportedFormat, "pdf"},
		{"svg", []byte(`<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"/>`), media.Options{}, media.ErrUnsupportedFormat, "svg"},
		{"mp3", []byte("ID3\x04\x00\x00\x00\x00\x00\x00"), media.Options{}, media.ErrUnsupportedFormat, "mp3"},
		{"wav", []byte("RIFF\x24\x00\x00\x00WAVEfmt "), media.Options{}, media.ErrUnsupportedFormat, "wav"},
		{"animated webp", fixture.WebP(fixture.WebPOptions{Animated: true}), media.Options{}, media.ErrUnsupportedFormat, "webp (animated)"},
		{"garbage", []byte("hello, world"), media.Options{}, media.ErrUnsupportedFormat, "unknown"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, serr := media.Scrub(bytes.NewReader(tt.data), &bytes.Buffer{}, tt.opts)
			_, verr := media.Verify(bytes.NewReader(tt.data), tt.opts)
			for which, err := range map[string]error{"Scrub": serr, "Verify": verr} {
				if !errors.Is(err, tt.want) {
					t.Errorf("%s = %v, want %v", which, err, tt.want)
					continue
				}
				var ue *media.UnsupportedError
				if errors.As(err, &ue) && ue.Format != tt.format {
					t.Errorf("%s: format %q, want %q", which, ue.Format, tt.format)
				}
				var ee *media.ExtensionError
				if errors.As(err, &ee) && (ee.Format != tt.format || !strings.Contains(err.Error(), ee.Ext)) {
					t.Errorf("%s: %v, want format %q", which, err, tt.format)
				}
				if tt.format != "" && !strings.Contains(err.Error(), tt.format) {
					t.Errorf("%s: message %q does not name %q", which, err, tt.format)
				}
			}
		})
	}
}

// TestStrayBytesBetweenSegments checks the refusal of a JPEG with bytes
// between two segments (a camera firmware and Photoshop CS5 in the
// real-photo sweep, bench/realphotos.md; libjpeg skips them with a
// warning): Scrub fails closed (malformed), Verify too (not clean), and
// Scrub's message says where the bytes are and what the user can do.
func TestStrayBytesBetweenSegments(t *testing.T) {
	clean, _ := scrub(t, fixture.JPEG(fixture.JPEGOptions{}), media.Options{})
	if clean[2] != 0xFF || clean[3] != 0xE0 {
		t.Fatalf("scrubbed fixture starts % X, want SOI then APP0", clean[:4])
	}
	end := 4 + int(binary.BigEndian.Uint16(clean[4:]))
	stray := slices.Concat(clean[:end], []byte{0x00, 0x3F}, clean[end:])
	_, err := media.Scrub(bytes.NewReader(stray), &bytes.Buffer{}, media.Options{})
	if !errors.Is(err, media.ErrMalformed) {
		t.Fatalf("Scrub = %v, want %v", err, media.ErrMalformed)
	}
	for _, want := range []string{"after segment 0xE0", "stray bytes between segments", "re-save the photo"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("Scrub error %q does not say %q", err, want)
		}
	}
	if _, err := media.Verify(bytes.NewReader(stray), media.Options{}); !errors.Is(err, media.ErrNotClean) {
		t.Errorf("Verify = %v, want %v", err, media.ErrNotClean)
	}
}

// TestVerifyRejects feeds Verify files that are well-formed images but not
// clean, one defect each, including defects only the marker scan sees.
func TestVerifyRejects(t *testing.T) {
	jpg, _ := scrub(t, fixture.JPEG(fixture.JPEGOptions{}), media.Options{})
	pngClean, _ := scrub(t, fixture.PNG(fixture.PNGOptions{}), media.Options{})
	webpClean, _ := scrub(t, fixture.WebP(fixture.WebPOptions{}), media.Options{})
	com := []byte{0xFF, 0xFE, 0x00, 0x06, 'h', 'e', 'l', 'o'}
	insert := func(b []byte, at int, ins []byte) []byte {
		return slices.Concat(b[:at:at], ins, b[at:])
	}
	// A scan-data region to overwrite: the middle of the entropy-coded data.
	sos := bytes.Index(jpg, []byte{0xFF, 0xDA})
	mid := sos + (len(jpg)-sos)/2
	xap := slices.Clone(jpg)
	copy(xap[mid:], "http://ns.adobe.com/xap/1.0/")
	iend := bytes.Index(pngClean, []byte("IEND")) - 4
	tests := []struct {
		name string
		data []byte
	}{
		{"jpeg COM", insert(jpg, 2, com)},
		{"jpeg bytes after EOI", append(slices.Clone(jpg), 0)},
		{"jpeg XMP marker in scan data", xap},
		{"jpeg APP1", insert(jpg, 20, []byte{0xFF, 0xE1, 0x00, 0x04, 0, 0})},
		{"png tEXt", insert(pngClean, iend, pngChunkBytes("tEXt", []byte("a\x00b")))},
		{"png bytes after IEND", append(slices.Clone(pngClean), 'x')},
		{"png bad CRC", func() []byte { b := slices.Clone(pngClean); b[len(b)-1] ^= 1; return b }()},
		{"webp bytes after RIFF", append(slices.Clone(webpClean), 0, 0)},
		{"webp EXIF flag", func() []byte { b := slices.Clone(webpClean); b[20] |= 0x08; return b }()},
		{"original jpeg", fixture.JPEG(fixture.JPEGOptions{})},
	}
	for _, tt := range tests {
		if _, err := media.Verify(bytes.NewReader(tt.data), media.Options{}); !errors.Is(err, media.ErrNotClean) {
			t.Errorf("%s: Verify = %v, want ErrNotClean", tt.name, err)
		}
	}
}

func pngChunkBytes(typ string, data []byte) []byte {
	var b bytes.Buffer
	w := []byte{0, 0, 0, byte(len(data))}
	b.Write(w)
	b.WriteString(typ)
	b.Write(data)
	crc := crc32IEEE(append([]byte(typ), data...))
	b.Write([]byte{byte(crc >> 24), byte(crc >> 16), byte(crc >> 8), byte(crc)})
	return b.Bytes()
}

// TestExiftool asks exiftool, an independent reader, what survives: only
// structural tags may be left.
func TestExiftool(t *testing.T) {
	exiftool, err := exec.LookPath("exiftool")
	if err != nil {
		if os.Getenv("STORYGUARD_REQUIRE_TOOLS") == "1" {
			t.Fatal("exiftool not installed (run scripts/install-test-deps.sh)")
		}
		t.Skip("exiftool not installed")
	}
	allowedGroups := map[string]bool{"ExifTool": true, "System": true, "File": true, "JFIF": true, "Composite": true, "PNG": true, "PNG-pHYs": true, "RIFF": true}
	allowedICC := map[string]bool{"ICC-header": true, "ICC_Profile": true, "ICC-view": true, "ICC-meas": true, "ICC-chrm": true}
	// Tags in allowed groups that still carry metadata.
	forbiddenTags := []string{"Comment", "ThumbnailImage", "ThumbnailTIFF", "ExifByteOrder", "CurrentIPTCDigest", "Warning", "ModifyDate", "Author", "XMP", "Orientation"}
	dir := t.TempDir()
	run := func(path string) map[string]any {
		out, err := exec.Command(exiftool, "-j", "-a", "-G1", path).Output()
		if err != nil {
			t.Fatalf("exiftool %s: %v", path, err)
		}
		var res []map[string]any
		if err := json.Unmarshal(out, &res); err != nil || len(res) != 1 {
			t.Fatalf("exiftool output: %v", err)
		}
		return res[0]
	}
	cases := append(samples(),
		sample{"rotated.jpg", "", fixture.JPEG(fixture.JPEGOptions{Orientation: 6})},
		sample{"srgb.jpg", "icc", fixture.JPEG(fixture.JPEGOptions{ICC: standardICC(t)})},
	)
	for _, s := range cases {
		t.Run(s.name, func(t *testing.T) {
			orig := filepath.Join(dir, "orig-"+s.name)
			os.WriteFile(orig, s.data, 0o644)
			// The oracle must see the planted metadata, or this test proves nothing.
			tags := run(orig)
			js, _ := json.Marshal(tags)
			if !bytes.Contains(js, []byte("SGSENTINEL")) {
				t.Fatalf("exiftool sees no sentinel in the original: %s", js)
			}
			out, _ := scrub(t, s.data, media.Options{})
			clean := filepath.Join(dir, "clean-"+s.name)
			os.WriteFile(clean, out, 0o644)
			for key, v := range run(clean) {
				if key == "SourceFile" {
					continue
				}
				group, tag, _ := strings.Cut(key, ":")
				ok := allowedGroups[group] || (s.prefix == "icc" && allowedICC[group])
				if !ok || slices.Contains(forbiddenTags, tag) {
					t.Errorf("exiftool reports %s after scrub", key)
				}
				if str, isStr := v.(string); isStr && strings.Contains(str, "SGSENTINEL") {
					t.Errorf("exiftool finds a sentinel in %s", key)
				}
			}
		})
	}
}

// TestVariant checks the srcset rendition: narrower, proportional, clean.
func TestVariant(t *testing.T) {
	src, _ := scrub(t, fixture.JPEG(fixture.JPEGOptions{Image: fixture.Quadrants(400, 300)}), media.Options{})
	out, info, err := media.Variant(bytes.NewReader(src), 200, media.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if info.Width != 200 || info.Height != 150 || info.Format != media.JPEG {
		t.Errorf("variant info %+v", info)
	}
	if _, err := media.Verify(bytes.NewReader(out), media.Options{}); err != nil {
		t.Errorf("variant verify: %v", err)
	}
	if _, _, err := media.Variant(bytes.NewReader(src), 400, media.Options{}); !errors.Is(err, media.ErrNoVariantNeeded) {
		t.Errorf("Variant(400) = %v, want ErrNoVariantNeeded", err)
	}
	// An unscrubbed source is refused: variants are made from verified images only.
	if _, _, err := media.Variant(bytes.NewReader(fixture.JPEG(fixture.JPEGOptions{Image: fixture.Quadrants(400, 300)})), 200, media.Options{}); !errors.Is(err, media.ErrNotClean) {
		t.Errorf("Variant(unscrubbed) = %v, want ErrNotClean", err)
	}
	pngSrc, _ := scrub(t, fixture.PNG(fixture.PNGOptions{Image: fixture.Quadrants(300, 200)}), media.Options{})
	_, pinfo, err := media.Variant(bytes.NewReader(pngSrc), 150, media.Options{})
	if err != nil || pinfo.Format != media.PNG || pinfo.Height != 100 {
		t.Errorf("png variant %+v, %v", pinfo, err)
	}
}

func FuzzScrub(f *testing.F) {
	for _, s := range samples() {
		f.Add(s.data)
	}
	f.Add(fixture.JPEG(fixture.JPEGOptions{Orientation: 6}))
	f.Add(fixture.SimpleWebP(8, 8))
	f.Fuzz(func(t *testing.T, data []byte) {
		var out bytes.Buffer
		opts := media.Options{MaxPixels: 1 << 20}
		if _, err := media.Scrub(bytes.NewReader(data), &out, opts); err != nil {
			return
		}
		if _, err := media.Verify(bytes.NewReader(out.Bytes()), opts); err != nil {
			t.Fatalf("Scrub succeeded but Verify failed: %v", err)
		}
	})
}

func FuzzVerify(f *testing.F) {
	for _, s := range samples() {
		f.Add(s.data)
		var out bytes.Buffer
		media.Scrub(bytes.NewReader(s.data), &out, media.Options{})
		f.Add(out.Bytes())
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		media.Verify(bytes.NewReader(data), media.Options{MaxPixels: 1 << 20})
	})
}

// BenchmarkScrubVerify scrubs and verifies (ScrubVerify: Verify runs
// concurrently over the bytes written) a noise-heavy 4 MB phone-style
// JPEG with EXIF, XMP and the other fixture metadata (issue #4 budget).
func BenchmarkScrubVerify(b *testing.B) {
	data := benchJPEG(1)
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	var out bytes.Buffer
	start := cpuTime()
	for b.Loop() {
		out.Reset()
		if _, _, err := media.ScrubVerify(bytes.NewReader(data), &out, media.Options{}); err != nil {
			b.Fatal(err)
		}
	}
	reportCPU(b, start)
	b.ReportMetric(float64(len(data))/1e6, "MB/file")
}

func crc32IEEE(b []byte) uint32 { return crc32.ChecksumIEEE(b) }

// TestScrubVerify checks the combined call: same output as Scrub, and a
// marker hidden in entropy-coded data (which Scrub copies byte for byte) is
// caught by the concurrent Verify.
func TestScrubVerify(t *testing.T) {
	src := fixture.JPEG(fixture.JPEGOptions{})
	want, _ := scrub(t, src, media.Options{})
	var out bytes.Buffer
	rep, info, err := media.ScrubVerify(bytes.NewReader(src), &out, media.Options{})
	if err != nil || !bytes.Equal(out.Bytes(), want) || info.Width != rep.Width || len(rep.Removed) == 0 {
		t.Fatalf("ScrubVerify: %v, report %+v, info %+v, same output %v", err, rep, info, bytes.Equal(out.Bytes(), want))
	}
	hidden := slices.Clone(want)
	sos := bytes.Index(hidden, []byte{0xFF, 0xDA})
	copy(hidden[sos+(len(hidden)-sos)/2:], "<x:xmpmeta")
	if _, _, err := media.ScrubVerify(bytes.NewReader(hidden), &bytes.Buffer{}, media.Options{}); !errors.Is(err, media.ErrNotClean) {
		t.Errorf("ScrubVerify(hidden marker) = %v, want ErrNotClean", err)
	}
	if _, err := media.Scrub(bytes.NewReader(hidden), &bytes.Buffer{}, media.Options{}); !errors.Is(err, media.ErrMalformed) {
		t.Errorf("Scrub(hidden marker) = %v, want ErrMalformed", err)
	}
}

// TestVerifyByteAtATime feeds Verify one byte per Read, so every marker
// straddles a block boundary of the marker scan.
func TestVerifyByteAtATime(t *testing.T) {
	for _, s := range append(samples(), sample{"srgb.jpg", "", fixture.JPEG(fixture.JPEGOptions{ICC: standardICC(t)})}) {
		out, _ := scrub(t, s.data, media.Options{})
		if _, err := media.Verify(iotest.OneByteReader(bytes.NewReader(out)), media.Options{}); err != nil {
			t.Errorf("%s: %v", s.name, err)
		}
		if s.name == "sticker.webp" {
			continue
		}
		hidden := slices.Clone(out)
		copy(hidden[len(hidden)-60:], "<x:xmpmeta")
		if _, err := media.Verify(iotest.OneByteReader(bytes.NewReader(hidden)), media.Options{}); !errors.Is(err, media.ErrNotClean) {
			t.Errorf("%s with hidden marker: %v, want ErrNotClean", s.name, err)
		}
	}
}

// TestOtherLayouts covers layouts the phone fixtures do not: a palette PNG
// with transparency (PLTE and tRNS kept), a grayscale JPEG rotated
// losslessly (one component: 8x8 MCUs), and a simple-format WebP.
func TestOtherLayouts(t *testing.T) {
	pal := image.NewPaletted(image.Rect(0, 0, 20, 10), color.Palette{color.NRGBA{0, 0, 0, 0}, color.NRGBA{200, 10, 10, 255}})
	for i := range pal.Pix {
		pal.Pix[i] = uint8(i % 2)
	}
	var pb bytes.Buffer
	if err := png.Encode(&pb, pal); err != nil {
		t.Fatal(err)
	}
	out, rep := scrub(t, pb.Bytes(), media.Options{})
	if !bytes.Contains(out, []byte("PLTE")) || !bytes.Contains(out, []byte("tRNS")) || len(rep.Removed) != 0 {
		t.Errorf("palette png: removed %v, PLTE/tRNS kept %v", rep.Removed, bytes.Contains(out, []byte("tRNS")))
	}
	if _, err := media.Verify(bytes.NewReader(out), media.Options{}); err != nil {
		t.Errorf("palette png: %v", err)
	}

	gray := image.NewGray(image.Rect(0, 0, 48, 32))
	for y := 0; y < 32; y++ {
		for x := 0; x < 48; x++ {
			if x < 24 && y < 16 {
				gray.Pix[y*gray.Stride+x] = 250 // bright top-left quadrant
			}
		}
	}
	gj := fixture.JPEG(fixture.JPEGOptions{Image: gray, Orientation: 8})
	out, rep = scrub(t, gj, media.Options{})
	img := decode(t, media.JPEG, out)
	if rep.Orientation != media.OrientationLossless || img.Bounds().Dx() != 32 || img.Bounds().Dy() != 48 {
		t.Fatalf("gray jpeg: %+v, bounds %v", rep, img.Bounds())
	}
	// Orientation 8 (rotate 90 counter-clockwise to display): the source's
	// top-left quadrant ends at the bottom left.
	if y, _, _, _ := img.At(4, 44).RGBA(); y>>8 < 200 {
		t.Errorf("gray jpeg: bottom-left is %d, want bright", y>>8)
	}
	if y, _, _, _ := img.At(4, 4).RGBA(); y>>8 > 60 {
		t.Errorf("gray jpeg: top-left is %d, want dark", y>>8)
	}

	sw := fixture.SimpleWebP(12, 6)
	out, rep = scrub(t, sw, media.Options{})
	if !bytes.Equal(out, sw) || len(rep.Removed) != 0 {
		t.Errorf("simple webp changed: removed %v", rep.Removed)
	}
	if info, err := media.Verify(bytes.NewReader(out), media.Options{}); err != nil || info.Width != 12 || info.Height != 6 {
		t.Errorf("simple webp: %+v, %v", info, err)
	}
}

package jpegxform_test

import (
	"bytes"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"testing"

	"storyguard/tools/media/jpegxform"
)

// jpegtranArgs are the jpegtran options applying EXIF orientation 2-8.
var jpegtranArgs = map[int][]string{
	2: {"-flip", "horizontal"},
	3: {"-rotate", "180"},
	4: {"-flip", "vertical"},
	5: {"-transpose"},
	6: {"-rotate", "90"},
	7: {"-transverse"},
	8: {"-rotate", "270"},
}

// tool returns the path of a libjpeg-turbo program; the test fails when
// STORYGUARD_REQUIRE_TOOLS=1 and it is missing, and skips otherwise.
func tool(t testing.TB, name string) string {
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

// run runs a program with input on stdin and returns its stdout.
func run(t testing.TB, in []byte, prog string, args ...string) []byte {
	t.Helper()
	cmd := exec.Command(prog, args...)
	cmd.Stdin = bytes.NewReader(in)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		t.Fatalf("%s %v: %v: %s", filepath.Base(prog), args, err, errb.Bytes())
	}
	return out.Bytes()
}

// picture is a w x h image with smooth colour regions, edges and noise,
// so that the blocks have many non-zero coefficients of every frequency
// and any misplaced block or wrong sign shows.
func picture(w, h int, seed uint64) *image.RGBA {
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	r := rand.New(rand.NewPCG(seed, 7))
	for y := range h {
		for x := range w {
			c := color.RGBA{uint8(x * 255 / w), uint8(y * 255 / h), uint8((x*y)%256) / 2, 255}
			if x < w/3 && y < h/2 {
				c.R = 230
			}
			n := uint8(r.IntN(40))
			c.R, c.G, c.B = c.R/2+n, c.G/2+n, c.B/2+uint8(r.IntN(60))
			img.SetRGBA(x, y, c)
		}
	}
	return img
}

func goJPEG(t testing.TB, img image.Image, q int) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := jpeg.Encode(&b, img, &jpeg.Options{Quality: q}); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func gray(img *image.RGBA) *image.Gray {
	g := image.NewGray(img.Rect)
	for y := img.Rect.Min.Y; y < img.Rect.Max.Y; y++ {
		for x := img.Rect.Min.X; x < img.Rect.Max.X; x++ {
			g.Set(x, y, img.At(x, y))
		}
	}
	return g
}

// ppm writes img as a binary PPM for cjpeg.
func ppm(img *image.RGBA) []byte {
	b := fmt.Appendf(nil, "P6\n%d %d\n255\n", img.Rect.Dx(), img.Rect.Dy())
	for i := 0; i < len(img.Pix); i += 4 {
		b = append(b, img.Pix[i:i+3]...)
	}
	return b
}

type fixture struct {
	name string
	data []byte
}

// fixtures returns MCU-aligned inputs (w and h multiples of 32) in
// several layouts: 4:2:0 and greyscale from Go's encoder; 4:4:4, 4:2:2,
// 4:4:0, 4:1:1 and greyscale declared 2x2 from cjpeg (when cjpeg is
// installed; see tool).
func fixtures(t testing.TB, w, h int) []fixture {
	pic := picture(w, h, 1)
	fs := []fixture{
		{"420", goJPEG(t, pic, 90)},
		{"gray", goJPEG(t, gray(pic), 85)},
	}
	cjpeg := tool(t, "cjpeg")
	fs = append(fs,
		fixture{"444", run(t, ppm(pic), cjpeg, "-quality", "92", "-sample", "1x1")},
		fixture{"422", run(t, ppm(pic), cjpeg, "-quality", "80", "-sample", "2x1")},
		fixture{"440", run(t, ppm(pic), cjpeg, "-quality", "85", "-sample", "1x2")},
		fixture{"411", run(t, ppm(pic), cjpeg, "-quality", "85", "-sample", "4x1")},
		fixture{"gray sampled 2x2", run(t, ppm(pic), cjpeg, "-quality", "85", "-grayscale", "-sample", "2x2")},
	)
	return fs
}

// transform is the path under test: Decode, Transform, Encode.
func transform(t testing.TB, data []byte, o int, opts jpegxform.EncodeOptions) ([]byte, *jpegxform.Image) {
	t.Helper()
	img, err := jpegxform.Decode(data, jpegxform.Limits{})
	if err != nil {
		t.Fatalf("decode: %v", err)
	}
	out, err := img.Transform(o)
	if err != nil {
		t.Fatalf("transform %d: %v", o, err)
	}
	var b bytes.Buffer
	if err := jpegxform.Encode(&b, out, opts); err != nil {
		t.Fatalf("encode: %v", err)
	}
	return b.Bytes(), out
}

// sameCoefficients compares two images' size, sampling, quantisation
// tables and every coefficient of the blocks inside the image area.
func sameCoefficients(t testing.TB, what string, a, b *jpegxform.Image) {
	t.Helper()
	if a.Width != b.Width || a.Height != b.Height || len(a.Components) != len(b.Components) {
		t.Fatalf("%s: %dx%d/%d vs %dx%d/%d", what, a.Width, a.Height, len(a.Components), b.Width, b.Height, len(b.Components))
	}
	for ci := range a.Components {
		ca, cb := &a.Components[ci], &b.Components[ci]
		if ca.H != cb.H || ca.V != cb.V || ca.Quant != cb.Quant || ca.BlocksWide != cb.BlocksWide || ca.BlocksHigh != cb.BlocksHigh {
			t.Fatalf("%s: component %d: %dx%d grid %dx%d vs %dx%d grid %dx%d, same tables %v", what, ci,
				ca.H, ca.V, ca.BlocksWide, ca.BlocksHigh, cb.H, cb.V, cb.BlocksWide, cb.BlocksHigh, ca.Quant == cb.Quant)
		}
		for i := range ca.Blocks {
			if ca.Blocks[i] != cb.Blocks[i] {
				t.Fatalf("%s: component %d block (%d,%d) differs:\n%v\n%v", what, ci, i%ca.BlocksWide, i/ca.BlocksWide, ca.Blocks[i], cb.Blocks[i])
			}
		}
	}
}

// samePixels decodes both files with image/jpeg and compares every pixel.
// When image/jpeg supports neither file's sampling factors (it has no
// 4:1:1 rotated by 90 degrees, luma 1x4), there are no pixels to compare.
func samePixels(t testing.TB, what string, a, b []byte) {
	t.Helper()
	var ua, ub jpeg.UnsupportedError
	_, ea := jpeg.DecodeConfig(bytes.NewReader(a))
	_, eb := jpeg.DecodeConfig(bytes.NewReader(b))
	if errors.As(ea, &ua) && errors.As(eb, &ub) {
		return
	}
	ia, err := jpeg.Decode(bytes.NewReader(a))
	if err != nil {
		t.Fatalf("%s: image/jpeg on ours: %v", what, err)
	}
	ib, err := jpeg.Decode(bytes.NewReader(b))
	if err != nil {
		t.Fatalf("%s: image/jpeg on theirs: %v", what, err)
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

func mustDecode(t testing.TB, data []byte) *jpegxform.Image {
	t.Helper()
	img, err := jpegxform.Decode(data, jpegxform.Limits{})
	if err != nil {
		t.Fatalf("decode: %v", err)
	}
	return img
}

// TestIdentity re-encodes Go's own output without a transform: the
// coefficients and image/jpeg's pixels must not change.
func TestIdentity(t *testing.T) {
	pic := picture(80, 56, 3) // not MCU-aligned: padding blocks are coded too
	for _, in := range [][]byte{goJPEG(t, pic, 75), goJPEG(t, gray(pic), 95)} {
		for _, ri := range []int{0, 1, 5} {
			out, _ := transform(t, in, 1, jpegxform.EncodeOptions{RestartInterval: ri})
			samePixels(t, fmt.Sprintf("restart %d", ri), out, in)
			sameCoefficients(t, "identity", mustDecode(t, out), mustDecode(t, in))
			if ri > 0 && !bytes.Contains(out, []byte{0xFF, 0xD0}) {
				t.Errorf("restart interval %d: no RST0 in output", ri)
			}
		}
	}
}

// TestMatchesJpegtran is the oracle test: for every layout and orientation
// our output has jpegtran's coefficients and decodes to jpegtran's pixels,
// and its coefficients are the transformed input's.
func TestMatchesJpegtran(t *testing.T) {
	jt := tool(t, "jpegtran")
	for _, f := range fixtures(t, 96, 64) {
		for o := 2; o <= 8; o++ {
			t.Run(fmt.Sprintf("%s/%d", f.name, o), func(t *testing.T) {
				ours, want := transform(t, f.data, o, jpegxform.EncodeOptions{})
				theirs := run(t, f.data, jt, append([]string{"-copy", "none", "-perfect"}, jpegtranArgs[o]...)...)
				got := mustDecode(t, ours)
				sameCoefficients(t, "ours vs transformed input", got, want)
				sameCoefficients(t, "ours vs jpegtran", got, mustDecode(t, theirs))
				samePixels(t, "ours vs jpegtran", ours, theirs)
			})
		}
	}
}

// TestRestartAndProgressive transforms inputs with restart markers (from
// cjpeg -restart and from Encode), progressive inputs (from jpegtran
// -progressive) and a sequential input in three non-interleaved scans, and
// compares with jpegtran's transform of the same input.
func TestRestartAndProgressive(t *testing.T) {
	jt := tool(t, "jpegtran")
	cjpeg := tool(t, "cjpeg")
	pic := picture(64, 48, 5)
	plain := run(t, ppm(pic), cjpeg, "-quality", "90")
	own, _ := transform(t, plain, 1, jpegxform.EncodeOptions{RestartInterval: 2})
	inputs := []fixture{
		{"cjpeg -restart 1", run(t, ppm(pic), cjpeg, "-quality", "90", "-restart", "1")},
		{"cjpeg -restart 1B", run(t, ppm(pic), cjpeg, "-quality", "90", "-restart", "1B")},
		{"Encode restart 2", own},
		{"jpegtran -progressive", run(t, plain, jt, "-progressive")},
		{"jpegtran -progressive gray", run(t, goJPEG(t, gray(pic), 90), jt, "-progressive")},
		{"cjpeg -progressive -sample 2x1 -restart 1", run(t, ppm(pic), cjpeg, "-quality", "90", "-progressive", "-sample", "2x1", "-restart", "1")},
	}
	// A sequential image in three non-interleaved scans, one per component.
	script := filepath.Join(t.TempDir(), "scans.txt")
	if err := os.WriteFile(script, []byte("0;\n1;\n2;\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	inputs = append(inputs, fixture{"jpegtran -scans 0;1;2", run(t, plain, jt, "-scans", script)})
	for _, in := range inputs {
		if !bytes.Contains(in.data, []byte{0xFF, 0xDD}) && !bytes.Contains(in.data, []byte{0xFF, 0xC2}) && bytes.Count(in.data, []byte{0xFF, 0xDA}) < 2 {
			t.Fatalf("%s: fixture has no DRI, no SOF2 and one scan", in.name)
		}
		for o := 2; o <= 8; o++ {
			t.Run(fmt.Sprintf("%s/%d", in.name, o), func(t *testing.T) {
				ours, _ := transform(t, in.data, o, jpegxform.EncodeOptions{})
				theirs := run(t, in.data, jt, append([]string{"-copy", "none", "-perfect", "-optimize"}, jpegtranArgs[o]...)...)
				sameCoefficients(t, "ours vs jpegtran", mustDecode(t, ours), mustDecode(t, theirs))
				samePixels(t, "ours vs jpegtran", ours, theirs)
			})
		}
	}
}

// TestNotPerfect checks the jpegtran -perfect rules on sizes that are not
// whole MCUs, and that the transforms that are allowed still match
// jpegtran.
func TestNotPerfect(t *testing.T) {
	jt := tool(t, "jpegtran")
	tests := []struct {
		name    string
		w, h    int
		perfect []int // orientations that must succeed
	}{
		{"width off", 60, 48, []int{4, 5, 6}},
		{"height off", 64, 44, []int{2, 5, 8}},
		{"both off", 60, 44, []int{5}},
	}
	for _, tt := range tests {
		in := goJPEG(t, picture(tt.w, tt.h, 9), 90)
		img := mustDecode(t, in)
		for o := 2; o <= 8; o++ {
			ok := false
			for _, p := range tt.perfect {
				ok = ok || p == o
			}
			_, err := img.Transform(o)
			if ok != (err == nil) || (!ok && !errors.Is(err, jpegxform.ErrNotPerfect)) {
				t.Errorf("%s: orientation %d: %v, want perfect %v", tt.name, o, err, ok)
			}
			// jpegtran -perfect agrees.
			cmd := exec.Command(jt, append([]string{"-copy", "none", "-perfect"}, jpegtranArgs[o]...)...)
			cmd.Stdin = bytes.NewReader(in)
			var out bytes.Buffer
			cmd.Stdout = &out
			jerr := cmd.Run()
			if (jerr == nil) != ok {
				t.Errorf("%s: orientation %d: jpegtran -perfect error %v, ours perfect %v", tt.name, o, jerr, ok)
			}
			if ok && jerr == nil {
				ours, _ := transform(t, in, o, jpegxform.EncodeOptions{})
				sameCoefficients(t, fmt.Sprintf("%s/%d", tt.name, o), mustDecode(t, ours), mustDecode(t, out.Bytes()))
				samePixels(t, fmt.Sprintf("%s/%d", tt.name, o), ours, out.Bytes())
			}
		}
	}
}

// TestRefused checks the errors a caller tells apart: unsupported codings,
// the limits, and malformed streams.
func TestRefused(t *testing.T) {
	good := goJPEG(t, picture(32, 16, 2), 80)
	sof := bytes.Index(good, []byte{0xFF, 0xC0})
	twelve := bytes.Clone(good)
	twelve[sof+4] = 12
	tests := []struct {
		name string
		data []byte
		lim  jpegxform.Limits
		want error
	}{
		{"12-bit", twelve, jpegxform.Limits{}, jpegxform.ErrUnsupported},
		{"lossless SOF3", func() []byte { b := bytes.Clone(good); b[sof+1] = 0xC3; return b }(), jpegxform.Limits{}, jpegxform.ErrUnsupported},
		{"arithmetic SOF9", func() []byte { b := bytes.Clone(good); b[sof+1] = 0xC9; return b }(), jpegxform.Limits{}, jpegxform.ErrUnsupported},
		{"over pixels", good, jpegxform.Limits{MaxPixels: 32*16 - 1}, jpegxform.ErrLimit},
		{"over width", good, jpegxform.Limits{MaxWidth: 31}, jpegxform.ErrLimit},
		{"over scans", func() []byte {
			// The one scan of good, repeated: each SOS and its data again.
			sos := bytes.Index(good, []byte{0xFF, 0xDA})
			b := bytes.Clone(good[:len(good)-2])
			for range 3 {
				b = append(b, good[sos:len(good)-2]...)
			}
			return append(b, 0xFF, 0xD9)
		}(), jpegxform.Limits{MaxScans: 3}, jpegxform.ErrLimit},
		{"truncated", good[:len(good)-30], jpegxform.Limits{}, jpegxform.ErrMalformed},
		{"no SOI", good[2:], jpegxform.Limits{}, jpegxform.ErrMalformed},
		{"empty", nil, jpegxform.Limits{}, jpegxform.ErrMalformed},
	}
	for _, tt := range tests {
		if _, err := jpegxform.Decode(tt.data, tt.lim); !errors.Is(err, tt.want) {
			t.Errorf("%s: %v, want %v", tt.name, err, tt.want)
		}
	}
	if jt, err := exec.LookPath("jpegtran"); err == nil {
		arith := run(t, good, jt, "-arithmetic")
		if _, err := jpegxform.Decode(arith, jpegxform.Limits{}); !errors.Is(err, jpegxform.ErrUnsupported) {
			t.Errorf("jpegtran -arithmetic: %v, want ErrUnsupported", err)
		}
	}
}

func FuzzDecode(f *testing.F) {
	pic := picture(24, 16, 4)
	f.Add(goJPEG(f, pic, 50))
	f.Add(goJPEG(f, gray(pic), 50))
	img, _ := jpegxform.Decode(goJPEG(f, pic, 50), jpegxform.Limits{})
	var rst bytes.Buffer
	jpegxform.Encode(&rst, img, jpegxform.EncodeOptions{RestartInterval: 1})
	f.Add(rst.Bytes())
	if jt, err := exec.LookPath("jpegtran"); err == nil {
		f.Add(run(f, goJPEG(f, pic, 50), jt, "-progressive"))
		f.Add(run(f, goJPEG(f, gray(pic), 50), jt, "-progressive"))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		img, err := jpegxform.Decode(data, jpegxform.Limits{MaxPixels: 1 << 16})
		if err != nil {
			return
		}
		for o := 1; o <= 8; o++ {
			out, err := img.Transform(o)
			if err != nil {
				if !errors.Is(err, jpegxform.ErrNotPerfect) {
					t.Fatalf("transform %d: %v", o, err)
				}
				continue
			}
			var b bytes.Buffer
			if err := jpegxform.Encode(&b, out, jpegxform.EncodeOptions{}); err != nil {
				if !errors.Is(err, jpegxform.ErrMalformed) {
					t.Fatalf("encode %d: %v", o, err)
				}
				continue
			}
			again, err := jpegxform.Decode(b.Bytes(), jpegxform.Limits{})
			if err != nil {
				t.Fatalf("our own output does not decode: %v", err)
			}
			sameCoefficients(t, "round trip", again, out)
		}
	})
}

// BenchmarkRotate90 decodes, rotates and re-encodes a 12-megapixel
// 4:2:0 photo-sized JPEG of noise at quality 90 (about 9 MB: far more
// coefficients than a real photo, so an upper bound).
func BenchmarkRotate90(b *testing.B) {
	pic := image.NewRGBA(image.Rect(0, 0, 4032, 3024))
	r := rand.New(rand.NewPCG(1, 2))
	for i := range pic.Pix {
		pic.Pix[i] = uint8(r.IntN(256))
	}
	data := goJPEG(b, pic, 90)
	if p := os.Getenv("STORYGUARD_BENCH_INPUT"); p != "" {
		// bench/xform.sh hands the same file to jpegtran.
		if err := os.WriteFile(p, data, 0o644); err != nil {
			b.Fatal(err)
		}
	}
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	var out bytes.Buffer
	for b.Loop() {
		img, err := jpegxform.Decode(data, jpegxform.Limits{})
		if err != nil {
			b.Fatal(err)
		}
		t, err := img.Transform(6)
		if err != nil {
			b.Fatal(err)
		}
		out.Reset()
		if err := jpegxform.Encode(&out, t, jpegxform.EncodeOptions{}); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(len(data))/1e6, "MB/file")
}

// TestTolerated checks what libjpeg and image/jpeg also accept: stray
// bytes before a marker, fill bytes, and a trailer after EOI (reported by
// End), with the coefficients unchanged.
func TestTolerated(t *testing.T) {
	good := goJPEG(t, picture(32, 16, 6), 80)
	want := mustDecode(t, good)
	eoi := len(good) - 2
	odd := slices.Concat(good[:eoi], []byte{0x12, 0x34, 0xFF, 0xFF}, good[eoi:], []byte("trailer"))
	got := mustDecode(t, odd)
	sameCoefficients(t, "stray bytes", got, want)
	if got.End != len(odd)-len("trailer") {
		t.Errorf("End = %d, want %d", got.End, len(odd)-len("trailer"))
	}
}

package media_test

import (
	"bytes"
	"errors"
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

	"storyguard/tools/media"
	"storyguard/tools/testgen/fixture"
)

// goJPEG encodes img with image/jpeg (no APPn segment at all).
func goJPEG(t testing.TB, img image.Image, q int) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := jpeg.Encode(&b, img, &jpeg.Options{Quality: q}); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func goPNG(t testing.TB, img image.Image) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// quotesHidden reports whether msg holds any 3-byte run of the hidden
// text (letters alone, like the "a" of "table", are not a quote).
func quotesHidden(msg string) string {
	h := fixture.HiddenText
	for i := 0; i+3 <= len(h); i++ {
		if strings.Contains(msg, h[i:i+3]) {
			return h[i : i+3]
		}
	}
	return ""
}

type hiddenCase struct {
	name string
	data []byte
	// verify is true when Verify itself must refuse (structure), false
	// when only DeepVerify can (inside entropy-coded or compressed data).
	verify bool
	want   string // in the message
}

func hiddenCases(t *testing.T) []hiddenCase {
	text := fixture.HiddenText
	base := goJPEG(t, fixture.Noise(96, 64, 3), 90)
	pngBase := goPNG(t, fixture.Quadrants(40, 30))
	types, datas := fixture.PNGChunks(pngBase)
	last := -1
	for i, ty := range types {
		if ty == "IDAT" {
			last = i
		}
	}
	if last < 0 {
		t.Fatal("no IDAT in image/png output")
	}
	inIDAT := append([][]byte(nil), datas...)
	inIDAT[last] = append(append([]byte(nil), datas[last]...), text...)
	secondTypes := append(append(append([]string(nil), types[:last+1]...), "IDAT"), types[last+1:]...)
	secondDatas := append(append(append([][]byte(nil), datas[:last+1]...), []byte(text)), datas[last+1:]...)
	vp8l := fixture.VP8L(32, 16, 200, 40, fixture.WebPBit(32, 16))

	cs := []hiddenCase{
		{"jpeg text before EOI", fixture.BeforeMarker(base, 0xD9, 0, text), false, "23 bytes after the last MCU of scan 1"},
		{"jpeg one byte before EOI", fixture.BeforeMarker(base, 0xD9, 0, "J"), false, "1 bytes after the last MCU of scan 1"},
		{"jpeg unused DHT of text", fixture.AfterSOI(base, 0xC4, fixture.DHTPayload(1, 2, text)), true, "DHT AC table 2"},
		{"jpeg unused DHT, unique symbols", fixture.AfterSOI(base, 0xC4, fixture.DHTPayload(1, 2, "Jane 51.")), true, "DHT AC table 2 is never used by a scan"},
		{"jpeg unused DQT of text", fixture.AfterSOI(base, 0xDB, fixture.DQTPayload(3, text)), true, "DQT table 3 is never used by a scan"},
		{"jpeg DQT redefined before use", fixture.AfterSOI(base, 0xDB, fixture.DQTPayload(0, text)), true, "DQT table 0 redefined before any scan used it"},
		{"jpeg DQT with trailing text", fixture.AfterSOI(base, 0xDB, append(fixture.DQTPayload(0, "x"), text...)), true, "DQT table"},
		{"jpeg DRI of text", fixture.AfterSOI(base, 0xDD, []byte(text)), true, "DRI segment length 25"},
		{"png text after the zlib stream in the last IDAT", fixture.RebuildPNG(types, inIDAT), false, "23 bytes after the end of the zlib stream"},
		{"png IDAT of text after the stream", fixture.RebuildPNG(secondTypes, secondDatas), false, "23 bytes after the end of the zlib stream"},
		{"webp text after the VP8L bitstream", fixture.WebPFromVP8L(append(append([]byte(nil), vp8l...), text...)), false, "23 bytes after the end of the VP8L bitstream"},
		{"webp (libwebp lossless) text after the VP8L bitstream", fixture.AppendToWebPChunk(webpFixture(t, "gopher-doc.8bpp.lossless.webp"), "VP8L", text), false, "23 bytes after the end of the VP8L bitstream"},
		{"webp (libwebp lossy) text after the VP8 data", fixture.AppendToWebPChunk(webpFixture(t, "blue-purple-pink.lossy.webp"), "VP8 ", text), false, "bytes at the end of the last VP8 partition that the decoder does not read"},
		{"webp (libwebp lossy) 1 byte after the VP8 data", fixture.AppendToWebPChunk(webpFixture(t, "blue-purple-pink.lossy.webp"), "VP8 ", "J"), false, "bytes at the end of the last VP8 partition"},
		{"webp (libwebp lossy) 9 zero bytes after the VP8 data", fixture.AppendToWebPChunk(webpFixture(t, "blue-purple-pink.lossy.webp"), "VP8 ", "\x00\x00\x00\x00\x00\x00\x00\x00\x00"), false, "bytes at the end of the last VP8 partition"},
		{"webp lossless 1 byte after the VP8L bitstream", fixture.WebPFromVP8L(append(append([]byte(nil), vp8l...), 'J')), false, "1 bytes after the end of the VP8L bitstream"},
		{"webp (libwebp lossy+alpha) text after the VP8 data", fixture.AppendToWebPChunk(webpFixture(t, "yellow_rose.lossy-with-alpha.webp"), "VP8 ", text), false, "bytes at the end of the last VP8 partition"},
		{"webp (libwebp lossy+alpha) text after the ALPH data", fixture.AppendToWebPChunk(webpFixture(t, "yellow_rose.lossy-with-alpha.webp"), "ALPH", text), false, "25 bytes after the end of the ALPH bitstream"},
	}
	return cs
}

// TestDeepVerifyRefusesHiddenText: every way the tester hid text inside
// image data is refused, with a message naming the structure and quoting
// none of the text.
func TestDeepVerifyRefusesHiddenText(t *testing.T) {
	cases := hiddenCases(t)
	cases = append(cases, toolHiddenCases(t)...)
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if c.data == nil {
				t.Fatal("fixture not built")
			}
			_, verr := media.Verify(bytes.NewReader(c.data), media.Options{})
			if c.verify && !errors.Is(verr, media.ErrNotClean) {
				t.Errorf("Verify = %v, want ErrNotClean", verr)
			}
			if !c.verify && verr != nil {
				t.Fatalf("Verify = %v, want nil (the text is inside image data: this case is DeepVerify's)", verr)
			}
			_, err := media.DeepVerify(c.data, media.Options{})
			if !errors.Is(err, media.ErrNotClean) {
				t.Fatalf("DeepVerify = %v, want ErrNotClean", err)
			}
			if !strings.Contains(err.Error(), c.want) {
				t.Errorf("DeepVerify = %q, want it to name %q", err, c.want)
			}
			for _, e := range []error{err, verr} {
				if e == nil {
					continue
				}
				if q := quotesHidden(e.Error()); q != "" {
					t.Errorf("message %q quotes %q of the hidden text", e, q)
				}
			}
		})
	}
}

// toolHiddenCases hides text in libjpeg-turbo files: after a restart
// interval (cjpeg -restart 1) and after the first scan of a progressive
// file (jpegtran -progressive).
func toolHiddenCases(t *testing.T) []hiddenCase {
	if os.Getenv("STORYGUARD_REQUIRE_TOOLS") != "1" {
		if _, err := lookTool("jpegtran", "cjpeg"); err != nil {
			return nil
		}
	}
	jpegtran, cjpeg := requireTool(t, "jpegtran"), requireTool(t, "cjpeg")
	img := fixture.Noise(64, 48, 5)
	rst := runTool(t, cjpeg, ppm(img), "-quality", "90", "-restart", "1")
	prog := runTool(t, jpegtran, goJPEG(t, img, 90), "-progressive", "-copy", "none")
	return []hiddenCase{
		{"cjpeg -restart 1, text before RST0", fixture.BeforeMarker(rst, 0xD0, 0, fixture.HiddenText), false, "23 bytes after restart interval 0 of scan 1"},
		{"jpegtran -progressive, text after scan 1", fixture.BeforeMarker(prog, 0xC4, 2, fixture.HiddenText), false, "23 bytes after the last MCU of scan 1"},
	}
}

// TestDeepVerifyClean: clean images of every supported kind pass.
func TestDeepVerifyClean(t *testing.T) {
	noise := fixture.Noise(70, 50, 9)
	gray := image.NewGray(image.Rect(0, 0, 33, 17))
	gray16 := image.NewRGBA64(image.Rect(0, 0, 21, 13))
	pal := image.NewPaletted(image.Rect(0, 0, 19, 11), color.Palette{color.Black, color.White, color.NRGBA{200, 10, 10, 255}})
	for y := 0; y < 17; y++ {
		for x := 0; x < 33; x++ {
			gray.SetGray(x, y, color.Gray{uint8(x * y)})
			gray16.Set(x%21, y%13, color.RGBA64{uint16(x * 999), uint16(y * 3000), 7, 65535})
			pal.SetColorIndex(x%19, y%11, uint8((x+y)%3))
		}
	}
	cases := map[string][]byte{
		"jpeg 4:2:0 image/jpeg":    goJPEG(t, noise, 90),
		"jpeg greyscale, scrubbed": scrubbed(t, goJPEG(t, gray, 80)),
		"png rgba":                 goPNG(t, noise),
		"png 16-bit":               goPNG(t, gray16),
		"png palette":              goPNG(t, pal),
		"png greyscale":            goPNG(t, gray),
		"png interlaced":           fixture.InterlacedPNG(noise),
		"png interlaced 1x1":       fixture.InterlacedPNG(image.NewNRGBA(image.Rect(0, 0, 1, 1))),
		"png interlaced 9x3":       fixture.InterlacedPNG(fixture.Noise(9, 3, 1)),
		"webp lossless fixture":    fixture.SimpleWebP(32, 16),
		"webp lossless (libwebp)":  webpFixture(t, "gopher-doc.8bpp.lossless.webp"),
		"webp lossy (libwebp)":     webpFixture(t, "blue-purple-pink.lossy.webp"),
		"webp lossy+alpha (VP8X)":  webpFixture(t, "yellow_rose.lossy-with-alpha.webp"),
		"jpeg scrubbed phone file": scrubbed(t, fixture.JPEG(fixture.JPEGOptions{})),
		"png scrubbed fixture":     scrubbed(t, fixture.PNG(fixture.PNGOptions{})),
		"webp scrubbed fixture":    scrubbed(t, fixture.WebP(fixture.WebPOptions{})),
	}
	if os.Getenv("STORYGUARD_REQUIRE_TOOLS") == "1" || hasTools("jpegtran", "cjpeg") {
		jpegtran, cjpeg := requireTool(t, "jpegtran"), requireTool(t, "cjpeg")
		base := goJPEG(t, noise, 92)
		cases["jpegtran -progressive"] = runTool(t, jpegtran, base, "-progressive", "-copy", "none")
		cases["jpegtran -progressive -restart 1"] = runTool(t, jpegtran, base, "-progressive", "-restart", "1", "-copy", "none")
		cases["jpegtran -restart 2"] = runTool(t, jpegtran, base, "-restart", "2", "-copy", "none")
		cases["cjpeg -restart 1 4:4:4"] = runTool(t, cjpeg, ppm(noise), "-restart", "1", "-sample", "1x1")
		cases["cjpeg -grayscale -progressive"] = runTool(t, cjpeg, ppm(noise), "-grayscale", "-progressive")
		cases["cjpeg -optimize"] = runTool(t, cjpeg, ppm(noise), "-optimize")
	}
	for name, data := range cases {
		t.Run(name, func(t *testing.T) {
			info, err := media.DeepVerify(data, media.Options{})
			if err != nil {
				t.Fatalf("DeepVerify = %v, want nil", err)
			}
			if info.Width == 0 || info.Height == 0 {
				t.Errorf("info = %+v, want dimensions", info)
			}
		})
	}
}

// TestScrubThenDeepVerify: Scrub copies the scans of a JPEG as they are,
// so text after the last MCU survives Scrub and Verify; DeepVerify on the
// scrubbed output is what refuses it. Unused tables make ScrubVerify fail.
func TestScrubThenDeepVerify(t *testing.T) {
	base := goJPEG(t, fixture.Noise(96, 64, 3), 90)
	hidden := fixture.BeforeMarker(base, 0xD9, 0, fixture.HiddenText)
	var out bytes.Buffer
	if _, _, err := media.ScrubVerify(bytes.NewReader(hidden), &out, media.Options{}); err != nil {
		t.Fatalf("ScrubVerify = %v (expected to pass: it does not decode scans)", err)
	}
	if _, err := media.DeepVerify(out.Bytes(), media.Options{}); !errors.Is(err, media.ErrNotClean) || !strings.Contains(err.Error(), "23 bytes after the last MCU of scan 1") {
		t.Errorf("DeepVerify(scrubbed) = %v, want the 23 bytes after scan 1 refused", err)
	}

	// In a progressive file an unused DHT table cannot be dropped by the
	// streaming Scrub (a later scan might use it): Scrub fails closed at
	// EOI, as Verify would.
	prog := runTool(t, requireTool(t, "jpegtran"), base, "-progressive", "-copy", "none")
	for _, scrub := range []func([]byte) error{
		func(d []byte) error {
			_, err := media.Scrub(bytes.NewReader(d), &bytes.Buffer{}, media.Options{})
			return err
		},
		func(d []byte) error {
			_, _, err := media.ScrubVerify(bytes.NewReader(d), &bytes.Buffer{}, media.Options{})
			return err
		},
	} {
		err := scrub(fixture.AfterSOI(prog, 0xC4, fixture.DHTPayload(1, 3, "Jane 51.")))
		if !errors.Is(err, media.ErrMalformed) || !strings.Contains(err.Error(), "DHT AC table 3 is never used") {
			t.Errorf("Scrub(unused DHT) = %v, want ErrMalformed naming the table", err)
		} else if q := quotesHidden(err.Error()); q != "" {
			t.Errorf("Scrub(unused DHT) = %q quotes %q", err, q)
		}
	}
}

// TestScrubDropsUnusedTables: quantisation tables no component uses (a
// table of text, a table replaced before the first scan, the chrominance
// table image/jpeg writes into greyscale files) and, in a sequential file
// of one scan, Huffman tables that scan does not select are dropped by
// Scrub and reported; the output passes DeepVerify and holds none of the
// text.
func TestScrubDropsUnusedTables(t *testing.T) {
	base := goJPEG(t, fixture.Noise(96, 64, 3), 90)
	gray := image.NewGray(image.Rect(0, 0, 24, 16))
	for _, c := range []struct {
		name    string
		data    []byte
		removed string
	}{
		{"DQT table 3 of text", fixture.AfterSOI(base, 0xDB, fixture.DQTPayload(3, fixture.HiddenText)), "DQT table 3 (unused)"},
		{"DQT table 0 of text, replaced", fixture.AfterSOI(base, 0xDB, fixture.DQTPayload(0, fixture.HiddenText)), "DQT table 0 (unused)"},
		{"image/jpeg greyscale", goJPEG(t, gray, 75), "DQT table 1 (unused)"},
		{"DHT AC table 3 of text", fixture.AfterSOI(base, 0xC4, fixture.DHTPayload(1, 3, fixture.HiddenText)), "DHT AC table 3 (unused)"},
		{"DHT DC table 0 of text, replaced", fixture.AfterSOI(base, 0xC4, fixture.DHTPayload(0, 0, "SECRET")), "DHT DC table 0 (unused)"},
	} {
		t.Run(c.name, func(t *testing.T) {
			var out bytes.Buffer
			rep, _, err := media.ScrubVerify(bytes.NewReader(c.data), &out, media.Options{})
			if err != nil {
				t.Fatalf("ScrubVerify = %v", err)
			}
			if !slices.Contains(rep.Removed, c.removed) {
				t.Errorf("Removed = %v, want %q", rep.Removed, c.removed)
			}
			if _, err := media.DeepVerify(out.Bytes(), media.Options{}); err != nil {
				t.Errorf("DeepVerify(scrubbed) = %v", err)
			}
			if bytes.Contains(out.Bytes(), []byte("SECRET")) {
				t.Error("scrubbed output holds the hidden text")
			}
		})
	}
}

func scrubbed(t *testing.T, src []byte) []byte {
	t.Helper()
	var out bytes.Buffer
	if _, _, err := media.ScrubVerify(bytes.NewReader(src), &out, media.Options{}); err != nil {
		t.Fatalf("ScrubVerify: %v", err)
	}
	return out.Bytes()
}

// FuzzDeepVerify: DeepVerify never panics, and accepts nothing Verify
// refuses.
func FuzzDeepVerify(f *testing.F) {
	for _, s := range samples() {
		var out bytes.Buffer
		media.Scrub(bytes.NewReader(s.data), &out, media.Options{})
		f.Add(out.Bytes())
	}
	f.Add(fixture.SimpleWebP(8, 8))
	f.Add(fixture.InterlacedPNG(fixture.Noise(9, 5, 2)))
	var b bytes.Buffer
	jpeg.Encode(&b, fixture.Noise(24, 16, 4), nil)
	f.Add(b.Bytes())
	f.Add(fixture.BeforeMarker(b.Bytes(), 0xD9, 0, fixture.HiddenText))
	for _, name := range []string{"blue-purple-pink.lossy.webp", "yellow_rose.lossy-with-alpha.webp", "gopher-doc.8bpp.lossless.webp"} {
		if d, err := os.ReadFile(filepath.Join("testdata", "webp", name)); err == nil {
			f.Add(d)
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		opts := media.Options{MaxPixels: 1 << 20}
		_, err := media.DeepVerify(data, opts)
		if err == nil {
			if _, verr := media.Verify(bytes.NewReader(data), opts); verr != nil {
				t.Fatalf("DeepVerify accepted what Verify refuses: %v", verr)
			}
		}
	})
}

func lookTool(names ...string) (string, error) {
	for _, n := range names {
		if _, err := exec.LookPath(n); err != nil {
			return n, err
		}
	}
	return "", nil
}

func hasTools(names ...string) bool {
	_, err := lookTool(names...)
	return err == nil
}

// webpFixture reads a libwebp file of testdata/webp (see its README).
func webpFixture(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "webp", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

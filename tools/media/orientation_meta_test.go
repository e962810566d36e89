package media_test

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/png"
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

// colourName names the Quadrants colours (see fixture.Quadrants).
func colourName(c color.Color) string {
	r, g, b, _ := c.RGBA()
	r, g, b = r>>8, g>>8, b>>8
	switch {
	case r > 180 && g > 180 && b > 180:
		return "white"
	case r > 150 && g < 80 && b < 80:
		return "red"
	case g > 150 && r < 80 && b < 80:
		return "green"
	case b > 150 && r < 80 && g < 80:
		return "blue"
	}
	return "other"
}

// displayed is what a viewer shows for a Quadrants(96, 64) image with
// orientation o (CIPA DC-008 tag 0x0112): the top-left and top-right
// colours and whether width and height swap.
var displayed = map[int]struct {
	topLeft, topRight string
	swapped           bool
}{
	1: {"red", "green", false}, 2: {"green", "red", false},
	3: {"white", "blue", false}, 4: {"blue", "white", false},
	5: {"red", "blue", true}, 6: {"blue", "red", true},
	7: {"white", "green", true}, 8: {"green", "white", true},
}

// checkDisplayed fails unless img looks the way a Quadrants(96, 64)
// image with orientation o is displayed.
func checkDisplayed(t *testing.T, img image.Image, o int) {
	t.Helper()
	want := displayed[o]
	b := img.Bounds()
	if want.swapped != (b.Dx() == 64) {
		t.Errorf("orientation %d: size %dx%d", o, b.Dx(), b.Dy())
	}
	tl, tr := colourName(img.At(b.Min.X+4, b.Min.Y+4)), colourName(img.At(b.Max.X-5, b.Min.Y+4))
	if tl != want.topLeft || tr != want.topRight {
		t.Errorf("orientation %d: top corners %s, %s; want %s, %s", o, tl, tr, want.topLeft, want.topRight)
	}
}

// xmpPacket returns an XMP packet with tiff:Orientation o as an attribute
// or, with element true, as an element.
func xmpPacket(o string, element bool) []byte {
	desc := `<rdf:Description rdf:about="" xmlns:tiff="http://ns.adobe.com/tiff/1.0/" tiff:Orientation="` + o + `"/>`
	if element {
		desc = `<rdf:Description rdf:about="" xmlns:tiff="http://ns.adobe.com/tiff/1.0/"><tiff:Orientation>` + o + `</tiff:Orientation></rdf:Description>`
	}
	return []byte(`<?xpacket begin="` + "\xEF\xBB\xBF" + `" id="W5M0MpCehiHzreSzNTczkc9d"?>` +
		`<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">` +
		desc + `</rdf:RDF></x:xmpmeta><?xpacket end="w"?>`)
}

// exifWithout returns a little-endian Exif TIFF structure whose IFD0 has
// only a Make tag: Exif present, no orientation.
func exifWithout() []byte {
	b := []byte("II*\x00\x08\x00\x00\x00")
	b = binary.LittleEndian.AppendUint16(b, 1)
	b = binary.LittleEndian.AppendUint16(b, 0x010F)
	b = binary.LittleEndian.AppendUint16(b, 2)
	b = binary.LittleEndian.AppendUint32(b, 4)
	b = append(b, "SGP\x00"...)
	return binary.LittleEndian.AppendUint32(b, 0)
}

func app(marker byte, sig string, payload []byte) []byte {
	p := append([]byte(sig), payload...)
	return append([]byte{0xFF, marker, byte((len(p) + 2) >> 8), byte(len(p) + 2)}, p...)
}

// jpegWith returns a Quadrants(96, 64) JPEG with the given segments after
// SOI.
func jpegWith(segments ...[]byte) []byte {
	bare := fixture.JPEG(fixture.JPEGOptions{Bare: true})
	out := append([]byte{}, bare[:2]...)
	for _, s := range segments {
		out = append(out, s...)
	}
	return append(out, bare[2:]...)
}

// TestXMPOrientationApplied: a JPEG whose orientation is only in XMP is
// published the way it is displayed; an Exif orientation tag wins over
// XMP.
func TestXMPOrientationApplied(t *testing.T) {
	const exifSig, xmpSig = "Exif\x00\x00", "http://ns.adobe.com/xap/1.0/\x00"
	tests := []struct {
		name string
		data []byte
		want int
	}{
		{"xmp attribute, no exif", jpegWith(app(0xE1, xmpSig, xmpPacket("6", false))), 6},
		{"xmp element, no exif", jpegWith(app(0xE1, xmpSig, xmpPacket("8", true))), 8},
		{"xmp, exif without orientation", jpegWith(app(0xE1, exifSig, exifWithout()), app(0xE1, xmpSig, xmpPacket("3", false))), 3},
		{"xmp before exif without orientation", jpegWith(app(0xE1, xmpSig, xmpPacket("5", true)), app(0xE1, exifSig, exifWithout())), 5},
		{"exif 1 wins over xmp 6", jpegWith(app(0xE1, exifSig, fixture.EXIF(1, "a", "b", "c", nil)), app(0xE1, xmpSig, xmpPacket("6", false))), 1},
		{"exif 8 wins over xmp 6", jpegWith(app(0xE1, xmpSig, xmpPacket("6", false)), app(0xE1, exifSig, fixture.EXIF(8, "a", "b", "c", nil))), 8},
		{"xmp out of range", jpegWith(app(0xE1, xmpSig, xmpPacket("0", false))), 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, rep := scrub(t, tt.data, media.Options{})
			if (rep.Orientation == media.OrientationNone) != (tt.want == 1) {
				t.Errorf("Report.Orientation %q for orientation %d", rep.Orientation, tt.want)
			}
			checkDisplayed(t, decode(t, media.JPEG, out), tt.want)
			if bytes.Contains(out, []byte("Orientation")) || bytes.Contains(out, []byte("Exif")) {
				t.Error("metadata left in output")
			}
			if _, err := media.Verify(bytes.NewReader(out), media.Options{}); err != nil {
				t.Errorf("verify: %v", err)
			}
		})
	}
}

// TestExiftoolOrientationPrecedence checks the precedence rule against
// exiftool: for a JPEG with Exif orientation 1 and XMP orientation 6,
// exiftool's Orientation is the Exif value, and Scrub leaves the image
// unrotated.
func TestExiftoolOrientationPrecedence(t *testing.T) {
	exiftool := requireTool(t, "exiftool")
	src := jpegWith(app(0xE1, "Exif\x00\x00", fixture.EXIF(1, "a", "b", "c", nil)), app(0xE1, "http://ns.adobe.com/xap/1.0/\x00", xmpPacket("6", false)))
	path := filepath.Join(t.TempDir(), "both.jpg")
	if err := os.WriteFile(path, src, 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(exiftool, "-s3", "-n", "-Orientation", path).Output()
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.TrimSpace(string(out)); got != "1" {
		t.Errorf("exiftool Orientation = %q, want the Exif value 1", got)
	}
	all, _ := exec.Command(exiftool, "-s3", "-n", "-XMP:Orientation", path).Output()
	if strings.TrimSpace(string(all)) != "6" {
		t.Fatalf("exiftool does not see the XMP orientation: %q", all)
	}
	_, rep := scrub(t, src, media.Options{})
	if rep.Orientation != media.OrientationNone {
		t.Errorf("Report.Orientation %q, want %q", rep.Orientation, media.OrientationNone)
	}
}

// withChunk returns the PNG b with the data of its first chunk typ
// replaced by edit(data), CRC recomputed.
func withChunk(t *testing.T, b []byte, typ string, edit func([]byte) []byte) []byte {
	t.Helper()
	for i := 8; i+12 <= len(b); {
		n := int(binary.BigEndian.Uint32(b[i:]))
		if string(b[i+4:i+8]) == typ {
			data := edit(append([]byte{}, b[i+8:i+8+n]...))
			c := binary.BigEndian.AppendUint32(nil, uint32(len(data)))
			c = append(append(c, typ...), data...)
			c = binary.BigEndian.AppendUint32(c, crc32IEEE(c[4:]))
			return append(append(append([]byte{}, b[:i]...), c...), b[i+12+n:]...)
		}
		i += 12 + n
	}
	t.Fatalf("no %s chunk", typ)
	return nil
}

// withEXIFOrientation sets the orientation of the fixture's EXIF block
// (fixture.EXIF with orientation 1, same length for any orientation).
func withEXIFOrientation(t *testing.T, b []byte, artist string, o int) []byte {
	t.Helper()
	old := fixture.EXIF(1, artist, "SN-0", "WGS-84", nil)
	if !bytes.Contains(b, old) {
		t.Fatal("fixture EXIF block not found")
	}
	return bytes.Replace(b, old, fixture.EXIF(o, artist, "SN-0", "WGS-84", nil), 1)
}

// pngWithOrientation returns fixture.PNG of img with eXIf orientation o.
func pngWithOrientation(t *testing.T, img image.Image, o int) []byte {
	src := fixture.PNG(fixture.PNGOptions{Image: img})
	return withChunk(t, src, "eXIf", func(d []byte) []byte {
		return withEXIFOrientation(t, d, fixture.Sentinels["png/eXIf"], o)
	})
}

func pngChunkData(b []byte, typ string) []byte {
	for i := 8; i+12 <= len(b); {
		n := int(binary.BigEndian.Uint32(b[i:]))
		if string(b[i+4:i+8]) == typ {
			return b[i+8 : i+8+n]
		}
		i += 12 + n
	}
	return nil
}

// TestPNGEXIfOrientation: a PNG with eXIf orientation 2-8 is published the
// way a browser displays it, with the colour chunks kept and pHYs turned
// with the image.
func TestPNGEXIfOrientation(t *testing.T) {
	for o := 1; o <= 8; o++ {
		src := pngWithOrientation(t, fixture.Quadrants(96, 64), o)
		// An asymmetric pHYs: 2835 x 2836 pixels per metre.
		src = withChunk(t, src, "pHYs", func([]byte) []byte { return []byte{0, 0, 0x0b, 0x13, 0, 0, 0x0b, 0x14, 1} })
		out, rep := scrub(t, src, media.Options{Name: "a.png"})
		want := media.OrientationPixelExact
		if o == 1 {
			want = media.OrientationNone
		}
		if rep.Orientation != want {
			t.Errorf("orientation %d: Report.Orientation %q, want %q", o, rep.Orientation, want)
		}
		img := decode(t, media.PNG, out)
		checkDisplayed(t, img, o)
		if rep.Width != img.Bounds().Dx() || rep.Height != img.Bounds().Dy() {
			t.Errorf("orientation %d: report %dx%d, image %v", o, rep.Width, rep.Height, img.Bounds())
		}
		if bytes.Contains(out, []byte("eXIf")) || bytes.Contains(out, []byte("SGSENTINEL")) {
			t.Errorf("orientation %d: metadata left", o)
		}
		for _, typ := range []string{"gAMA", "cHRM"} {
			if !bytes.Equal(pngChunkData(out, typ), pngChunkData(src, typ)) {
				t.Errorf("orientation %d: %s not kept", o, typ)
			}
		}
		phys := pngChunkData(out, "pHYs")
		if wantX := byte(0x13); o >= 5 {
			wantX = 0x14
			if len(phys) != 9 || phys[3] != wantX || phys[7] != 0x13 {
				t.Errorf("orientation %d: pHYs %x, want the axes swapped", o, phys)
			}
		} else if len(phys) != 9 || phys[3] != wantX || phys[7] != 0x14 {
			t.Errorf("orientation %d: pHYs %x", o, phys)
		}
		if _, err := media.Verify(bytes.NewReader(out), media.Options{Name: "a.png"}); err != nil {
			t.Errorf("orientation %d: verify: %v", o, err)
		}
	}
}

// TestPNGOrientationPixelExact: the turned PNG has exactly the source's
// pixels, moved, in the same pixel type, for 16-bit, translucent, palette
// and greyscale images.
func TestPNGOrientationPixelExact(t *testing.T) {
	const w, h = 13, 7
	noise := fixture.Noise(w, h, 3)
	n64 := image.NewNRGBA64(image.Rect(0, 0, w, h))
	nrgba := image.NewNRGBA(image.Rect(0, 0, w, h))
	g16 := image.NewGray16(image.Rect(0, 0, w, h))
	pal := image.NewPaletted(image.Rect(0, 0, w, h), color.Palette{color.NRGBA{0, 0, 0, 0}, color.NRGBA{200, 10, 10, 255}, color.NRGBA{10, 10, 200, 128}})
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			i := y*noise.Stride + 4*x
			p := noise.Pix[i : i+4]
			n64.SetNRGBA64(x, y, color.NRGBA64{uint16(p[0])<<8 | uint16(p[1]), uint16(p[1]) << 8, uint16(p[2])<<8 | 7, uint16(p[3])<<8 | uint16(p[0])})
			nrgba.SetNRGBA(x, y, color.NRGBA{p[0], p[1], p[2], p[3] | 1})
			g16.SetGray16(x, y, color.Gray16{uint16(p[0])<<8 | uint16(p[2])})
			pal.SetColorIndex(x, y, p[0]%3)
		}
	}
	srcCoord := func(dx, dy, o int) (int, int) {
		switch o {
		case 2:
			return w - 1 - dx, dy
		case 3:
			return w - 1 - dx, h - 1 - dy
		case 4:
			return dx, h - 1 - dy
		case 5:
			return dy, dx
		case 6:
			return dy, h - 1 - dx
		case 7:
			return w - 1 - dy, h - 1 - dx
		case 8:
			return w - 1 - dy, dx
		}
		return dx, dy
	}
	for _, img := range []image.Image{n64, nrgba, g16, pal} {
		for _, o := range []int{2, 5, 6, 7} {
			src := pngWithOrientation(t, img, o)
			out, rep := scrub(t, src, media.Options{})
			if rep.Orientation != media.OrientationPixelExact {
				t.Fatalf("%T orientation %d: %q", img, o, rep.Orientation)
			}
			a, b := decode(t, media.PNG, src), decode(t, media.PNG, out)
			if fmt.Sprintf("%T", a) != fmt.Sprintf("%T", b) {
				t.Errorf("%T orientation %d: decoded as %T, was %T", img, o, b, a)
				continue
			}
			bad := 0
			for dy := 0; dy < b.Bounds().Dy(); dy++ {
				for dx := 0; dx < b.Bounds().Dx(); dx++ {
					sx, sy := srcCoord(dx, dy, o)
					if !reflect.DeepEqual(a.At(sx, sy), b.At(dx, dy)) {
						bad++
					}
				}
			}
			if bad > 0 || b.Bounds().Dx()*b.Bounds().Dy() != w*h {
				t.Errorf("%T orientation %d: %d pixels differ, bounds %v", img, o, bad, b.Bounds())
			}
			if _, err := media.Verify(bytes.NewReader(out), media.Options{}); err != nil {
				t.Errorf("%T orientation %d: verify: %v", img, o, err)
			}
		}
	}
}

// TestPNGEXIfAfterIDAT: an eXIf chunk after the image data is dropped and
// not applied, as browsers ignore it there.
func TestPNGEXIfAfterIDAT(t *testing.T) {
	var pb bytes.Buffer
	if err := png.Encode(&pb, fixture.Quadrants(96, 64)); err != nil {
		t.Fatal(err)
	}
	b := pb.Bytes()
	exif := fixture.EXIF(6, "a", "b", "c", nil)
	c := binary.BigEndian.AppendUint32(nil, uint32(len(exif)))
	c = append(append(c, "eXIf"...), exif...)
	c = binary.BigEndian.AppendUint32(c, crc32IEEE(c[4:]))
	iend := len(b) - 12
	src := append(append(append([]byte{}, b[:iend]...), c...), b[iend:]...)
	out, rep := scrub(t, src, media.Options{})
	if rep.Orientation != media.OrientationNone || !slices.Contains(rep.Removed, "eXIf") {
		t.Errorf("report %+v", rep)
	}
	checkDisplayed(t, decode(t, media.PNG, out), 1)
}

// TestWebPOrientationRefused: a WebP with EXIF orientation 2-8 cannot be
// turned (no WebP encoder), so it is refused with an error naming the
// orientation and what to do; orientation 1 passes.
func TestWebPOrientationRefused(t *testing.T) {
	for o := 1; o <= 8; o++ {
		src := withEXIFOrientation(t, fixture.WebP(fixture.WebPOptions{}), fixture.Sentinels["webp/EXIF"], o)
		_, err := media.Scrub(bytes.NewReader(src), &bytes.Buffer{}, media.Options{Name: "a.webp"})
		if o == 1 {
			if err != nil {
				t.Errorf("orientation 1: %v", err)
			}
			continue
		}
		var ne *media.NeedsRotationError
		if !errors.Is(err, media.ErrNeedsRotation) || !errors.As(err, &ne) || ne.Orientation != o {
			t.Errorf("orientation %d: %v, want ErrNeedsRotation", o, err)
			continue
		}
		msg := err.Error()
		if !strings.Contains(msg, fmt.Sprintf("orientation %d", o)) || !strings.Contains(msg, "rotate the photo") || strings.Contains(msg, "SGSENTINEL") {
			t.Errorf("orientation %d: message %q", o, msg)
		}
	}
}

// TestExiftoolPNGOrientation asks exiftool about a turned PNG: the
// original has an Orientation, the output has none and no EXIF.
func TestExiftoolPNGOrientation(t *testing.T) {
	exiftool := requireTool(t, "exiftool")
	dir := t.TempDir()
	src := pngWithOrientation(t, fixture.Quadrants(96, 64), 6)
	out, _ := scrub(t, src, media.Options{})
	for name, b := range map[string][]byte{"orig.png": src, "clean.png": out} {
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, b, 0o644); err != nil {
			t.Fatal(err)
		}
		got, err := exec.Command(exiftool, "-s3", "-n", "-Orientation", "-EXIF:all", path).Output()
		if err != nil {
			t.Fatal(err)
		}
		has := strings.TrimSpace(string(got)) != ""
		if has != (name == "orig.png") {
			t.Errorf("%s: exiftool reports %q", name, got)
		}
	}
}

// FuzzScrubOriented fuzzes Scrub from oriented inputs (PNG eXIf, XMP-only
// JPEG, WebP EXIF): whatever Scrub accepts, Verify must accept.
func FuzzScrubOriented(f *testing.F) {
	f.Add(jpegWith(app(0xE1, "http://ns.adobe.com/xap/1.0/\x00", xmpPacket("6", false))))
	f.Add(jpegWith(app(0xE1, "http://ns.adobe.com/xap/1.0/\x00", xmpPacket("8", true))))
	for _, o := range []int{3, 6} {
		src := fixture.PNG(fixture.PNGOptions{Image: fixture.Quadrants(12, 8)})
		f.Add(bytes.Replace(src, fixture.EXIF(1, fixture.Sentinels["png/eXIf"], "SN-0", "WGS-84", nil), fixture.EXIF(o, fixture.Sentinels["png/eXIf"], "SN-0", "WGS-84", nil), 1))
	}
	f.Add(bytes.Replace(fixture.WebP(fixture.WebPOptions{}), fixture.EXIF(1, fixture.Sentinels["webp/EXIF"], "SN-0", "WGS-84", nil), fixture.EXIF(6, fixture.Sentinels["webp/EXIF"], "SN-0", "WGS-84", nil), 1))
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

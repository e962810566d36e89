package media_test

import (
	"bytes"
	"encoding/binary"
	"image"
	"image/color"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"storyguard/tools/media"
	"storyguard/tools/media/fixture"
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

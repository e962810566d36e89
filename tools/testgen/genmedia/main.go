// Command genmedia draws the demo vault's illustrations (abstract landscapes
// and shapes that depict nobody) and plants fictional identifying metadata in
// them, so that `storyguard media scrub` has something real to remove:
// an EXIF APP1 segment with a GPS position, a camera serial number and an
// artist, a JPEG COM segment, and PNG tEXt and eXIf chunks. Every planted
// value is marked DEMO and names no one.
//
// Usage, from the repository root:
//
//	go run ./tools/testgen/genmedia -out examples/vault/media
//
// The output is deterministic: the same bytes on every run.
package main

import (
	"bytes"
	"encoding/binary"
	"errors"
	"flag"
	"fmt"
	"hash/crc32"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"io"
	"math"
	"os"
	"path/filepath"
)

// Width and Height are the size of every illustration, in pixels.
const (
	Width  = 1600
	Height = 1000
)

// Planted metadata, fictional and marked DEMO.
const (
	demoSerial   = "SG-DEMO-0042-7731"
	demoArtist   = "DEMO planted artist"
	demoComment  = "DEMO planted comment: field notebook 7, shot at the river crossing"
	demoDateTime = "2026:03:01 09:15:00"
)

// demoLat and demoLon are a fictional GPS position (degrees, minutes,
// seconds; north and west).
var (
	demoLat = [3]float64{14, 33, 31.2}
	demoLon = [3]float64{90, 44, 2.4}
)

func main() {
	if err := run(os.Args[1:], os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "genmedia: error:", err)
		os.Exit(1)
	}
}

func run(args []string, stderr io.Writer) error {
	fs := flag.NewFlagSet("genmedia", flag.ContinueOnError)
	fs.SetOutput(stderr)
	out := fs.String("out", "examples/vault/media", "folder to write the media originals to")
	if err := fs.Parse(args); err != nil {
		return err
	}
	files, err := Generate()
	if err != nil {
		return err
	}
	if err := os.MkdirAll(*out, 0o755); err != nil {
		return err
	}
	for name, data := range files {
		if err := os.WriteFile(filepath.Join(*out, name), data, 0o644); err != nil {
			return err
		}
	}
	return nil
}

// Generate returns the demo media originals by file name: m-0101.jpg,
// m-0201.jpg and m-0202.png (story media), m-9101.jpg (the organisation's
// home-page illustration), each Width×Height with planted metadata.
func Generate() (map[string][]byte, error) {
	out := map[string][]byte{}
	for name, draw := range map[string]func() image.Image{
		"m-0101.jpg": dawnMountains,
		"m-0201.jpg": morningHills,
		"m-0202.png": threeCircles,
		"m-9101.jpg": valleyPaths,
	} {
		img := draw()
		var buf bytes.Buffer
		var data []byte
		var err error
		if filepath.Ext(name) == ".png" {
			if err = png.Encode(&buf, img); err == nil {
				data, err = plantPNG(buf.Bytes())
			}
		} else {
			if err = jpeg.Encode(&buf, img, &jpeg.Options{Quality: 82}); err == nil {
				data, err = plantJPEG(buf.Bytes())
			}
		}
		if err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		out[name] = data
	}
	return out, nil
}

func lerp(a, b color.RGBA, t float64) color.RGBA {
	t = math.Max(0, math.Min(1, t))
	m := func(x, y uint8) uint8 { return uint8(float64(x) + (float64(y)-float64(x))*t + 0.5) }
	return color.RGBA{m(a.R, b.R), m(a.G, b.G), m(a.B, b.B), 255}
}

// sun paints a sun of radius r (pixels) centred on (cx, cy) over the sky
// colour c at (x, y): core inside, then a halo fading into the sky over
// glow pixels.
func sun(x, y int, c color.RGBA, cx, cy, r, glow float64, core, halo color.RGBA) color.RGBA {
	d := math.Hypot(float64(x)-cx, float64(y)-cy)
	switch {
	case d < r:
		return core
	case d < r+glow:
		return lerp(halo, c, (d-r)/glow)
	}
	return c
}

// ridge returns the height (pixels from the top) of a mountain line at x.
func ridge(x, base, amp float64, seed float64) float64 {
	u := x / Width
	return base - amp*(0.55*math.Sin(u*6.1+seed)+0.3*math.Sin(u*13.7+seed*2.3)+0.15*math.Sin(u*29.3+seed*4.1))
}

// layer is one ridge of a landscape: everything below it takes colour c.
type layer struct {
	base, amp, seed float64
	c               color.RGBA
}

// landscape paints a sky and layered ridges, farthest first; paint, when
// not nil, may change each pixel's colour last.
func landscape(sky func(x, y int) color.RGBA, layers []layer, paint func(x, y int, c color.RGBA) color.RGBA) image.Image {
	img := image.NewRGBA(image.Rect(0, 0, Width, Height))
	for y := 0; y < Height; y++ {
		for x := 0; x < Width; x++ {
			c := sky(x, y)
			for _, l := range layers {
				if float64(y) > ridge(float64(x), l.base, l.amp, l.seed) {
					c = l.c
				}
			}
			if paint != nil {
				c = paint(x, y, c)
			}
			img.SetRGBA(x, y, c)
		}
	}
	return img
}

func dawnMountains() image.Image {
	top, horizon := color.RGBA{28, 43, 84, 255}, color.RGBA{244, 162, 89, 255}
	sky := func(x, y int) color.RGBA {
		c := lerp(top, horizon, float64(y)/700)
		return sun(x, y, c, 1050, 520, 90, 170, color.RGBA{253, 236, 200, 255}, color.RGBA{250, 214, 160, 255})
	}
	return landscape(sky, []layer{
		{560, 120, 0.7, color.RGBA{70, 82, 128, 255}},
		{680, 110, 2.1, color.RGBA{45, 56, 99, 255}},
		{820, 90, 4.4, color.RGBA{24, 33, 66, 255}},
	}, nil)
}

func morningHills() image.Image {
	top, horizon := color.RGBA{170, 205, 226, 255}, color.RGBA{240, 238, 222, 255}
	sky := func(x, y int) color.RGBA { return lerp(top, horizon, float64(y)/560) }
	// A path winding from the foreground towards the hills.
	path := func(x, y int, c color.RGBA) color.RGBA {
		if y > 600 {
			t := (float64(y) - 600) / 400
			centre := 800 + 260*math.Sin(t*3.4)
			half := 6 + 90*t*t
			if math.Abs(float64(x)-centre) < half {
				c = lerp(color.RGBA{226, 205, 160, 255}, color.RGBA{205, 180, 130, 255}, t)
			}
		}
		return c
	}
	return landscape(sky, []layer{
		{520, 80, 1.3, color.RGBA{143, 180, 140, 255}},
		{640, 90, 3.2, color.RGBA{99, 150, 104, 255}},
		{790, 70, 5.0, color.RGBA{60, 116, 80, 255}},
	}, path)
}

// valleyPaths is a valley at sunrise where three paths meet: the home page's
// illustration of people walking beside each other, depicting nobody.
func valleyPaths() image.Image {
	top, horizon := color.RGBA{246, 214, 170, 255}, color.RGBA{251, 240, 222, 255}
	sky := func(x, y int) color.RGBA {
		c := lerp(top, horizon, float64(y)/520)
		return sun(x, y, c, 420, 430, 70, 130, color.RGBA{255, 246, 226, 255}, color.RGBA{252, 230, 196, 255})
	}
	paths := func(x, y int, c color.RGBA) color.RGBA {
		if y <= 640 {
			return c
		}
		t := (float64(y) - 640) / 360
		for _, from := range []float64{180, 800, 1420} {
			centre := 800 + (from-800)*t*t
			if math.Abs(float64(x)-centre) < 4+40*t {
				return lerp(color.RGBA{236, 214, 170, 255}, color.RGBA{214, 186, 130, 255}, t)
			}
		}
		return c
	}
	return landscape(sky, []layer{
		{540, 70, 0.4, color.RGBA{168, 176, 150, 255}},
		{620, 80, 2.6, color.RGBA{110, 148, 128, 255}},
		{760, 60, 4.9, color.RGBA{13, 92, 90, 255}},
	}, paths)
}

func threeCircles() image.Image {
	img := image.NewRGBA(image.Rect(0, 0, Width, Height))
	bg := color.RGBA{248, 243, 230, 255}
	circles := []struct {
		cx, cy, r float64
		c         color.RGBA
	}{
		{620, 430, 260, color.RGBA{13, 92, 90, 255}},
		{980, 430, 260, color.RGBA{214, 186, 130, 255}},
		{800, 660, 260, color.RGBA{222, 112, 92, 255}},
	}
	for y := 0; y < Height; y++ {
		for x := 0; x < Width; x++ {
			c := bg
			for _, k := range circles {
				if math.Hypot(float64(x)-k.cx, float64(y)-k.cy) < k.r {
					c = lerp(c, k.c, 0.7)
				}
			}
			img.SetRGBA(x, y, c)
		}
	}
	return img
}

// TIFF field types (TIFF 6.0, section 2).
const (
	typeByte     = 1
	typeASCII    = 2
	typeLong     = 4
	typeRational = 5
)

type tiffEntry struct {
	tag, typ uint16
	count    uint32
	data     []byte // little-endian value bytes; a sub-IFD pointer is filled in later
}

func asciiEntry(tag uint16, s string) tiffEntry {
	b := append([]byte(s), 0)
	return tiffEntry{tag, typeASCII, uint32(len(b)), b}
}

func rationalEntry(tag uint16, v [3]float64) tiffEntry {
	var b []byte
	for _, f := range v {
		b = binary.LittleEndian.AppendUint32(b, uint32(math.Round(f*100)))
		b = binary.LittleEndian.AppendUint32(b, 100)
	}
	return tiffEntry{tag, typeRational, 3, b}
}

func longEntry(tag uint16, v uint32) tiffEntry {
	return tiffEntry{tag, typeLong, 1, binary.LittleEndian.AppendUint32(nil, v)}
}

func ifdSize(es []tiffEntry) uint32 {
	n := uint32(2 + 12*len(es) + 4)
	for _, e := range es {
		if len(e.data) > 4 {
			n += uint32(len(e.data)+1) &^ 1
		}
	}
	return n
}

// writeIFD encodes one IFD that starts at offset start (from the TIFF header),
// with its out-of-line values right after it and no next IFD.
func writeIFD(start uint32, es []tiffEntry) []byte {
	var ifd, extra []byte
	ifd = binary.LittleEndian.AppendUint16(ifd, uint16(len(es)))
	dataAt := start + uint32(2+12*len(es)+4)
	for _, e := range es {
		ifd = binary.LittleEndian.AppendUint16(ifd, e.tag)
		ifd = binary.LittleEndian.AppendUint16(ifd, e.typ)
		ifd = binary.LittleEndian.AppendUint32(ifd, e.count)
		if len(e.data) <= 4 {
			v := make([]byte, 4)
			copy(v, e.data)
			ifd = append(ifd, v...)
			continue
		}
		ifd = binary.LittleEndian.AppendUint32(ifd, dataAt+uint32(len(extra)))
		extra = append(extra, e.data...)
		if len(e.data)%2 == 1 {
			extra = append(extra, 0)
		}
	}
	ifd = binary.LittleEndian.AppendUint32(ifd, 0)
	return append(ifd, extra...)
}

// exifTIFF builds the planted EXIF block: IFD0 (description, make, model,
// software, artist), the Exif IFD (date, body serial number) and the GPS IFD.
func exifTIFF() []byte {
	ifd0 := []tiffEntry{
		asciiEntry(0x010E, "DEMO planted metadata for the scrubber"),
		asciiEntry(0x010F, "DemoCam"),
		asciiEntry(0x0110, "DC-1 Fieldbook"),
		asciiEntry(0x0131, "storyguard genmedia"),
		asciiEntry(0x013B, demoArtist),
		longEntry(0x8769, 0), // Exif IFD pointer
		longEntry(0x8825, 0), // GPS IFD pointer
	}
	exif := []tiffEntry{
		asciiEntry(0x9003, demoDateTime),
		asciiEntry(0xA431, demoSerial),
	}
	gps := []tiffEntry{
		{0x0000, typeByte, 4, []byte{2, 3, 0, 0}},
		asciiEntry(0x0001, "N"),
		rationalEntry(0x0002, demoLat),
		asciiEntry(0x0003, "W"),
		rationalEntry(0x0004, demoLon),
	}
	exifAt := 8 + ifdSize(ifd0)
	gpsAt := exifAt + ifdSize(exif)
	ifd0[5] = longEntry(0x8769, exifAt)
	ifd0[6] = longEntry(0x8825, gpsAt)
	t := []byte{'I', 'I', 42, 0, 8, 0, 0, 0}
	t = append(t, writeIFD(8, ifd0)...)
	t = append(t, writeIFD(exifAt, exif)...)
	return append(t, writeIFD(gpsAt, gps)...)
}

func segment(marker byte, payload []byte) []byte {
	s := []byte{0xFF, marker, 0, 0}
	binary.BigEndian.PutUint16(s[2:], uint16(len(payload)+2))
	return append(s, payload...)
}

// plantJPEG inserts an APP1 Exif segment and a COM segment after SOI.
func plantJPEG(j []byte) ([]byte, error) {
	if len(j) < 2 || j[0] != 0xFF || j[1] != 0xD8 {
		return nil, errors.New("not a JPEG stream")
	}
	out := append([]byte{}, j[:2]...)
	out = append(out, segment(0xE1, append([]byte("Exif\x00\x00"), exifTIFF()...))...)
	out = append(out, segment(0xFE, []byte(demoComment))...)
	return append(out, j[2:]...), nil
}

func chunk(typ string, data []byte) []byte {
	c := binary.BigEndian.AppendUint32(nil, uint32(len(data)))
	c = append(c, typ...)
	c = append(c, data...)
	return binary.BigEndian.AppendUint32(c, crc32.ChecksumIEEE(c[4:]))
}

// plantPNG inserts eXIf and tEXt chunks right after IHDR.
func plantPNG(p []byte) ([]byte, error) {
	const ihdrEnd = 8 + 4 + 4 + 13 + 4
	if len(p) < ihdrEnd || string(p[12:16]) != "IHDR" {
		return nil, errors.New("not a PNG stream")
	}
	out := append([]byte{}, p[:ihdrEnd]...)
	out = append(out, chunk("eXIf", exifTIFF())...)
	out = append(out, chunk("tEXt", []byte("Author\x00"+demoArtist))...)
	out = append(out, chunk("tEXt", []byte("Comment\x00"+demoComment))...)
	out = append(out, chunk("tEXt", []byte("Serial\x00"+demoSerial))...)
	return append(out, p[ihdrEnd:]...), nil
}

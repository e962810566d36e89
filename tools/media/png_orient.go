package media

import (
	"bytes"
	"fmt"
	"image"
	"image/png"

	"storyguard/tools/media/jpegxform"
)

// OrientationPixelExact is the Report.Orientation of a PNG whose eXIf
// orientation (2-8) was applied: the image was decoded, flipped or rotated
// and encoded again as PNG by Go's image/png. Every pixel value is kept
// exactly (same bit depth, same alpha), but the compressed data is new, not
// a copy of the original IDAT.
const OrientationPixelExact = "re-encoded, pixel-exact"

// pngKept is a chunk kept before the IDAT run, held so that the image can
// be re-encoded with it.
type pngKept struct {
	typ  string
	data []byte
}

// pngExifOrientation reads the orientation of a PNG eXIf chunk (PNG 3rd
// ed. 11.3.6.1: a TIFF structure as in an Exif APP1 after "Exif\0\0"; some
// writers keep that signature, which is skipped); 1 when absent or
// invalid.
func pngExifOrientation(p []byte) int {
	o, _ := exifOrientationTag(bytes.TrimPrefix(p, []byte(exifSig)))
	return o
}

// reorientPNG decodes the PNG made of the kept pre-IDAT chunks and the
// IDAT chunks in idat (whole chunks with lengths and CRCs), applies
// orientation o pixel for pixel and writes the new PNG to w: signature,
// IHDR and then the kept colour chunks the Go encoder does not write
// (gAMA, cHRM, sRGB, iCCP, and pHYs with its axes swapped for a quarter
// turn), then the encoder's PLTE, tRNS and IDAT, and IEND.
//
// What changes: the image is no longer interlaced (Adam7 is not kept); an
// 8-bit greyscale image with alpha and any image with a tRNS colour key
// come back as truecolour with an alpha channel (the same pixels, stored
// differently); a palette image keeps its palette. Colour semantics stay,
// because the colour chunks are copied.
func reorientPNG(w *bytes.Buffer, pre []pngKept, idat []byte, o int, rep *Report) error {
	var src bytes.Buffer
	src.WriteString(pngSig)
	for _, c := range pre {
		if c.typ == "IHDR" || c.typ == "PLTE" || c.typ == "tRNS" {
			if err := pngChunk(&src, c.typ, c.data); err != nil {
				return err
			}
		}
	}
	src.Write(idat)
	if err := pngChunk(&src, "IEND", nil); err != nil {
		return err
	}
	img, err := png.Decode(&src)
	if err != nil {
		return fmt.Errorf("decoding for orientation %d: %w: %v", o, ErrMalformed, err)
	}
	out, err := orientExact(img, o)
	if err != nil {
		return err
	}
	b := out.Bounds()
	rep.Width, rep.Height = b.Dx(), b.Dy()
	rep.Orientation = OrientationPixelExact
	var enc bytes.Buffer
	if err := png.Encode(&enc, out); err != nil {
		return fmt.Errorf("re-encoding after orientation %d: %w", o, err)
	}
	e := enc.Bytes()
	const ihdrEnd = 8 + 8 + 13 + 4
	if len(e) < ihdrEnd || string(e[12:16]) != "IHDR" {
		return malformed("png encoder output")
	}
	w.Write(e[:ihdrEnd])
	for _, typ := range []string{"gAMA", "cHRM", "sRGB", "iCCP", "pHYs"} {
		for _, c := range pre {
			if c.typ != typ {
				continue
			}
			data := c.data
			if typ == "pHYs" && o >= 5 && len(data) == 9 {
				data = append(append(append([]byte{}, data[4:8]...), data[0:4]...), data[8])
			}
			if err := pngChunk(w, typ, data); err != nil {
				return err
			}
		}
	}
	w.Write(e[ihdrEnd:])
	return nil
}

// orientExact applies orientation o (see orient) to a decoded PNG without
// changing its pixel type, so no value is rounded: it moves whole pixels.
func orientExact(img image.Image, o int) (image.Image, error) {
	if img.Bounds().Min != (image.Point{}) {
		return nil, malformed("decoded image origin %v", img.Bounds().Min)
	}
	w, h := img.Bounds().Dx(), img.Bounds().Dy()
	move := func(pix []byte, stride, bpp int) ([]byte, int, image.Rectangle) {
		dw, dh := w, h
		if o >= 5 {
			dw, dh = h, w
		}
		dst := make([]byte, dw*dh*bpp)
		for dy := 0; dy < dh; dy++ {
			row := dst[dy*dw*bpp : (dy+1)*dw*bpp]
			for dx := 0; dx < dw; dx++ {
				sx, sy := jpegxform.SourceCoord(dx, dy, w, h, o)
				copy(row[dx*bpp:dx*bpp+bpp], pix[sy*stride+sx*bpp:])
			}
		}
		return dst, dw * bpp, image.Rect(0, 0, dw, dh)
	}
	switch m := img.(type) {
	case *image.Gray:
		p, s, r := move(m.Pix, m.Stride, 1)
		return &image.Gray{Pix: p, Stride: s, Rect: r}, nil
	case *image.Gray16:
		p, s, r := move(m.Pix, m.Stride, 2)
		return &image.Gray16{Pix: p, Stride: s, Rect: r}, nil
	case *image.RGBA:
		p, s, r := move(m.Pix, m.Stride, 4)
		return &image.RGBA{Pix: p, Stride: s, Rect: r}, nil
	case *image.NRGBA:
		p, s, r := move(m.Pix, m.Stride, 4)
		return &image.NRGBA{Pix: p, Stride: s, Rect: r}, nil
	case *image.RGBA64:
		p, s, r := move(m.Pix, m.Stride, 8)
		return &image.RGBA64{Pix: p, Stride: s, Rect: r}, nil
	case *image.NRGBA64:
		p, s, r := move(m.Pix, m.Stride, 8)
		return &image.NRGBA64{Pix: p, Stride: s, Rect: r}, nil
	case *image.Paletted:
		p, s, r := move(m.Pix, m.Stride, 1)
		return &image.Paletted{Pix: p, Stride: s, Rect: r, Palette: m.Palette}, nil
	}
	return nil, fmt.Errorf("orientation of a decoded %T: %w", img, ErrMalformed)
}

// pngChunkLen is the size of a chunk in a file: length, type, data, CRC.
func pngChunkLen(data []byte) int { return 12 + len(data) }

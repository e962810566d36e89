package media

import (
	"bytes"
	"fmt"
	"image"
	"image/jpeg"
	"image/png"
	"io"

	"golang.org/x/image/draw"
	"golang.org/x/image/webp"

	"storyguard/tools/media/jpegxform"
)

// VariantJPEGQuality is the JPEG quality of resized renditions: 82 is the
// usual web compromise (the default of Hugo's image processing is 75;
// Lighthouse's "efficiently encode images" audit flags above 85).
const VariantJPEGQuality = 82

// Variant decodes src, which must pass Verify, and returns a rendition
// scaled down to maxWidth pixels wide (height in proportion, at least 1),
// resampled with Catmull-Rom (golang.org/x/image/draw). JPEG and opaque
// WebP sources give a JPEG at VariantJPEGQuality; PNG and WebP with
// transparency give a PNG. The output carries no metadata and no ICC
// profile, and is itself checked with Verify before it is returned.
//
// Errors: ErrNoVariantNeeded when the image is already maxWidth pixels wide
// or narrower (publish the original instead); any Verify error of src;
// ErrMalformed when decoding fails; an error when maxWidth < 1.
func Variant(src io.Reader, maxWidth int, opts Options) ([]byte, Info, error) {
	if maxWidth < 1 {
		return nil, Info{}, fmt.Errorf("variant width %d: must be at least 1", maxWidth)
	}
	lim := opts.maxBytes()
	data, err := io.ReadAll(&limitedReader{r: src, max: lim})
	if err != nil {
		return nil, Info{}, err
	}
	info, err := Verify(bytes.NewReader(data), opts)
	if err != nil {
		return nil, info, err
	}
	if info.Width <= maxWidth {
		return nil, info, fmt.Errorf("%dx%d for width %d: %w", info.Width, info.Height, maxWidth, ErrNoVariantNeeded)
	}
	var img image.Image
	switch info.Format {
	case JPEG:
		img, err = decodeJPEG(data, opts)
	case PNG:
		img, err = png.Decode(bytes.NewReader(data))
	case WebP:
		img, err = webp.Decode(bytes.NewReader(data))
	}
	if err != nil {
		return nil, info, fmt.Errorf("decoding %s: %w: %v", info.Format, ErrMalformed, err)
	}
	b := img.Bounds()
	h := int(int64(b.Dy()) * int64(maxWidth) / int64(b.Dx()))
	if h < 1 {
		h = 1
	}
	opaque := true
	if o, ok := img.(interface{ Opaque() bool }); ok {
		opaque = o.Opaque()
	}
	var dst draw.Image
	if opaque {
		dst = image.NewRGBA(image.Rect(0, 0, maxWidth, h))
	} else {
		dst = image.NewNRGBA(image.Rect(0, 0, maxWidth, h))
	}
	draw.CatmullRom.Scale(dst, dst.Bounds(), img, b, draw.Src, nil)
	var out bytes.Buffer
	if info.Format == JPEG || (info.Format == WebP && opaque) {
		err = jpeg.Encode(&out, dst, &jpeg.Options{Quality: VariantJPEGQuality})
	} else {
		enc := png.Encoder{CompressionLevel: png.BestCompression}
		err = enc.Encode(&out, dst)
	}
	if err != nil {
		return nil, info, fmt.Errorf("encoding variant: %w", err)
	}
	vinfo, err := Verify(bytes.NewReader(out.Bytes()), Options{MaxBytes: opts.MaxBytes, MaxPixels: opts.MaxPixels})
	if err != nil {
		return nil, vinfo, fmt.Errorf("variant failed verification: %w", err)
	}
	return out.Bytes(), vinfo, nil
}

// decodeJPEG decodes a JPEG that passed Verify with image/jpeg. If
// image/jpeg refuses it, the coefficients are read with jpegxform (which
// also reads progressive files with restart markers, a layout image/jpeg
// v1.26 rejects with "missing 0xff00 sequence"), written again as one
// baseline scan (the same coefficients, so the same pixels) and decoded
// from that. Errors are image/jpeg's first error when both fail.
func decodeJPEG(data []byte, opts Options) (image.Image, error) {
	img, err := jpeg.Decode(bytes.NewReader(data))
	if err == nil {
		return img, nil
	}
	coef, xerr := jpegxform.Decode(data, jpegxform.Limits{MaxPixels: opts.maxPixels()})
	if xerr != nil {
		return nil, err
	}
	var base bytes.Buffer
	if xerr := jpegxform.Encode(&base, coef, jpegxform.EncodeOptions{}); xerr != nil {
		return nil, err
	}
	if img, xerr := jpeg.Decode(&base); xerr == nil {
		return img, nil
	}
	return nil, err
}

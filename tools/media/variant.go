package media

import (
	"bytes"
	"compress/zlib"
	"encoding/binary"
	"errors"
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
	img, err := decodeImage(data, info.Format, opts)
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
	// The pixels are in the source's colour space: tag the variant with
	// the same (known, standard) profile, or a Display P3 photo would be
	// shown as sRGB, dull, at every size but the largest.
	encoded := out.Bytes()
	if prof := sourceProfile(data, info.Format); prof != nil {
		if encoded, err = withProfile(encoded, prof); err != nil {
			return nil, info, fmt.Errorf("variant colour profile: %w", err)
		}
	}
	out = *bytes.NewBuffer(encoded)
	vinfo, err := Verify(bytes.NewReader(out.Bytes()), Options{MaxBytes: opts.MaxBytes, MaxPixels: opts.MaxPixels})
	if err != nil {
		return nil, vinfo, fmt.Errorf("variant failed verification: %w", err)
	}
	return out.Bytes(), vinfo, nil
}

// decodeImage decodes data, an image of format f (JPEG with decodeJPEG),
// with the standard decoders, which ignore metadata and orientation.
func decodeImage(data []byte, f Format, opts Options) (image.Image, error) {
	switch f {
	case JPEG:
		return decodeJPEG(data, opts)
	case PNG:
		return png.Decode(bytes.NewReader(data))
	case WebP:
		return webp.Decode(bytes.NewReader(data))
	}
	return nil, &UnsupportedError{Format: string(f)}
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

// sourceProfile returns the ICC profile embedded in a verified image (JPEG
// APP2 ICC_PROFILE chunks in order, PNG iCCP inflated, WebP ICCP), or nil.
func sourceProfile(data []byte, f Format) []byte {
	switch f {
	case JPEG:
		chunks := map[int][]byte{}
		total := 0
		for i := 2; i+4 <= len(data) && data[i] == 0xFF; {
			m := data[i+1]
			if m == mSOS || m == mEOI {
				break
			}
			n := int(data[i+2])<<8 | int(data[i+3])
			if n < 2 || i+2+n > len(data) {
				return nil
			}
			p := data[i+4 : i+2+n]
			if m == mAPP2 && len(p) >= 14 && string(p[:12]) == iccSig {
				chunks[int(p[12])] = p[14:]
				total = int(p[13])
			}
			i += 2 + n
		}
		var prof []byte
		for k := 1; k <= total; k++ {
			c, ok := chunks[k]
			if !ok {
				return nil
			}
			prof = append(prof, c...)
		}
		return prof
	case PNG:
		for i := len(pngSig); i+12 <= len(data); {
			n := int(binary.BigEndian.Uint32(data[i:]))
			typ := string(data[i+4 : i+8])
			if n < 0 || i+12+n > len(data) || typ == "IDAT" {
				return nil
			}
			if typ == "iCCP" {
				_, prof, _, err := inflateICC(data[i+8 : i+8+n])
				if err != nil {
					return nil
				}
				return prof
			}
			i += 12 + n
		}
	case WebP:
		chunks, _, err := readRIFF(data)
		if err != nil {
			return nil
		}
		for _, c := range chunks {
			if c.id == "ICCP" {
				return c.data
			}
		}
	}
	return nil
}

// withProfile embeds prof in an image encoded by image/jpeg or image/png:
// APP2 ICC_PROFILE chunks right after SOI (ICC.1:2010 B.4), or an iCCP
// chunk right after IHDR named for its colour space (PNG 3rd edition
// 11.3.3.3).
func withProfile(enc, prof []byte) ([]byte, error) {
	switch {
	case bytes.HasPrefix(enc, []byte{0xFF, mSOI}):
		var out bytes.Buffer
		out.Write(enc[:2])
		if err := writeICC(&out, prof); err != nil {
			return nil, err
		}
		out.Write(enc[2:])
		return out.Bytes(), nil
	case bytes.HasPrefix(enc, []byte(pngSig)) && len(enc) >= len(pngSig)+25:
		name := knownProfile(prof)
		if name == "" {
			return nil, errors.New("not a known profile")
		}
		var z bytes.Buffer
		zw := zlib.NewWriter(&z)
		zw.Write(prof)
		zw.Close()
		var out bytes.Buffer
		ihdrEnd := len(pngSig) + 25 // IHDR: length, type, 13 bytes, CRC
		out.Write(enc[:ihdrEnd])
		if err := pngChunk(&out, "iCCP", append(append([]byte(name), 0, 0), z.Bytes()...)); err != nil {
			return nil, err
		}
		out.Write(enc[ihdrEnd:])
		return out.Bytes(), nil
	}
	return nil, errors.New("unexpected encoder output")
}

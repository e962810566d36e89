package media

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"image/jpeg"

	"storyguard/tools/media/jpegxform"
)

// orientJPEG applies EXIF orientation 2-8 to the rest of a JPEG stream
// (br is positioned just after the first SOS header). It first tries the
// lossless DCT-domain transform of package jpegxform (Report.Orientation
// OrientationLossless); when the dimensions are not whole MCUs in the
// direction that moves (jpegxform.ErrNotPerfect) or the coding is one
// jpegxform does not handle (jpegxform.ErrUnsupported) it re-encodes
// (OrientationReencoded). The rest of the stream is read into memory,
// bounded by Options.MaxBytes through br's limited reader. JFIF X and Y
// densities are swapped for the transposing orientations 5-8; the Adobe
// segment and a kept ICC profile are written as on the untouched path.
func orientJPEG(br *bufio.Reader, w *bufio.Writer, jfif, adobe, icc []byte, kept []jpegSeg, sos []byte, orientation int, opts Options, rep *Report) error {
	if jfif != nil && orientation >= 5 {
		jfif = bytes.Clone(jfif)
		copy(jfif[8:12], []byte{jfif[10], jfif[11], jfif[8], jfif[9]})
	}
	// The whole stream from SOI, tables and SOS on, in one buffer.
	var in bytes.Buffer
	in.Write([]byte{0xFF, mSOI})
	if err := writeHeader(&in, nil, nil, nil, kept); err != nil {
		return err
	}
	if err := (jpegSeg{mSOS, sos}).writeTo(&in); err != nil {
		return err
	}
	if _, err := in.ReadFrom(br); err != nil {
		return truncated(err, "entropy-coded data")
	}
	data := in.Bytes()

	out, img, err := losslessOrient(data, orientation, opts)
	switch {
	case errors.Is(err, jpegxform.ErrNotPerfect), errors.Is(err, jpegxform.ErrUnsupported), errors.Is(err, errNotGoDecodable):
		return reencodeJPEG(data, w, jfif, adobe, icc, orientation, opts, rep)
	case errors.Is(err, jpegxform.ErrLimit):
		return fmt.Errorf("orientation %d: %w: %v", orientation, ErrTooManyPixels, err)
	case err != nil:
		return fmt.Errorf("orientation %d: %w: %v", orientation, ErrMalformed, err)
	}
	for _, m := range img.Skipped {
		rep.remove(appName(m, nil))
	}
	if img.End < len(data) {
		rep.remove("trailer after EOI")
	}
	rep.Width, rep.Height = img.Width, img.Height
	rep.Orientation = OrientationLossless
	w.Write(out[:2])
	if err := writeHeader(w, jfif, adobe, icc, nil); err != nil {
		return err
	}
	w.Write(out[2:])
	return w.Flush()
}

// errNotGoDecodable: the transformed image has sampling factors Go's
// image/jpeg does not decode; re-encode instead.
var errNotGoDecodable = errors.New("transformed sampling factors not decodable by image/jpeg")

// losslessOrient decodes data, transforms it and encodes the result; it
// returns the new JPEG (SOI to EOI, no APPn) and the decoded input.
func losslessOrient(data []byte, orientation int, opts Options) ([]byte, *jpegxform.Image, error) {
	img, err := jpegxform.Decode(data, jpegxform.Limits{MaxPixels: opts.maxPixels()})
	if err != nil {
		return nil, nil, err
	}
	t, err := img.Transform(orientation)
	if err != nil {
		return nil, nil, err
	}
	img.Components = nil // let the source blocks go while encoding
	var out bytes.Buffer
	out.Grow(len(data))
	if err := jpegxform.Encode(&out, t, jpegxform.EncodeOptions{}); err != nil {
		return nil, nil, err
	}
	// Transposing swaps sampling factors: 4:1:1 (luma 4x1) becomes luma
	// 1x4, which image/jpeg (and so Variant) cannot decode.
	if _, err := jpeg.DecodeConfig(bytes.NewReader(out.Bytes())); err != nil {
		return nil, nil, fmt.Errorf("%w: %v", errNotGoDecodable, err)
	}
	img.Width, img.Height = t.Width, t.Height
	return out.Bytes(), img, nil
}

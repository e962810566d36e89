package media

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"image"
	"image/draw"
	"io"
	"os"
)

// Fingerprint is what a photo IS, apart from the bytes of its file: two
// digests that stay the same when someone appends bytes to the original,
// changes or strips its metadata (Exif, XMP, IPTC, comments, trailers), or
// re-encodes only its metadata. A withdrawal records both so that a copy
// of a withdrawn photo under another media id is refused (issue #12,
// check.WithdrawnContentRule).
type Fingerprint struct {
	// Scrubbed is the SHA-256 (lowercase hex) of Scrub's output for the
	// original: the very bytes publish uploads as the full-size object.
	Scrubbed string
	// Pixels is the SHA-256 (lowercase hex) of the decoded image as
	// written in the file, before any orientation is applied (decoders
	// ignore Exif): width and height as two big-endian uint32, then every
	// pixel as 8-bit premultiplied RGBA, row by row. It does not change
	// with the orientation tag either.
	Pixels string
}

// FingerprintOf reads a photo original (JPEG, PNG or WebP, up to
// opts.MaxBytes) from src and returns its Fingerprint. Memory: the file,
// Scrub's output, and 4 bytes a pixel for the decoded image (bounded by
// opts.MaxPixels, checked by Scrub first). Errors are Scrub's (ErrEmpty,
// ErrTooLarge, ErrTooManyPixels, ErrTruncated, ErrMalformed,
// *UnsupportedError), or ErrMalformed when the image does not decode;
// an error never quotes the file's bytes.
func FingerprintOf(src io.Reader, opts Options) (Fingerprint, error) {
	data, err := io.ReadAll(&limitedReader{r: src, max: opts.maxBytes()})
	if err != nil {
		return Fingerprint{}, err
	}
	var scrubbed bytes.Buffer
	rep, err := Scrub(bytes.NewReader(data), &scrubbed, opts)
	if err != nil {
		return Fingerprint{}, err
	}
	sum := sha256.Sum256(scrubbed.Bytes())
	fp := Fingerprint{Scrubbed: hex.EncodeToString(sum[:])}
	img, err := decodeImage(data, rep.Format, opts)
	if err != nil {
		return Fingerprint{}, fmt.Errorf("decoding %s: %w", rep.Format, ErrMalformed)
	}
	fp.Pixels = pixelDigest(img)
	return fp, nil
}

// FingerprintFile is FingerprintOf the file at path with default Options,
// the limits publish scrubs with; errors name the path.
func FingerprintFile(path string) (Fingerprint, error) {
	f, err := os.Open(path)
	if err != nil {
		return Fingerprint{}, err
	}
	defer f.Close()
	fp, err := FingerprintOf(f, Options{})
	if err != nil {
		return fp, fmt.Errorf("%s: %w", path, err)
	}
	return fp, nil
}

// pixelDigest is Fingerprint.Pixels of img.
func pixelDigest(img image.Image) string {
	b := img.Bounds()
	rgba, ok := img.(*image.RGBA)
	if !ok || rgba.Rect.Min != (image.Point{}) || rgba.Stride != 4*b.Dx() {
		rgba = image.NewRGBA(image.Rect(0, 0, b.Dx(), b.Dy()))
		draw.Draw(rgba, rgba.Rect, img, b.Min, draw.Src)
	}
	h := sha256.New()
	var dims [8]byte
	binary.BigEndian.PutUint32(dims[:4], uint32(b.Dx()))
	binary.BigEndian.PutUint32(dims[4:], uint32(b.Dy()))
	h.Write(dims[:])
	h.Write(rgba.Pix)
	return hex.EncodeToString(h.Sum(nil))
}

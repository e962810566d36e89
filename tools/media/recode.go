package media

import (
	"bytes"
	"errors"
	"fmt"

	"storyguard/tools/media/jpegxform"
)

// RecodeJPEG rewrites a scrubbed JPEG losslessly: its quantised DCT
// coefficients are decoded (package jpegxform) and written again as one
// baseline scan with optimal Huffman tables, after the same JFIF, Adobe
// and ICC segments. Every pixel stays the same; what the decoder does not
// read (bytes after a scan's last MCU, stray bytes between segments, odd
// padding bits: what DeepVerify refuses) is gone. Some encoders leave
// such bytes (a Lightroom export with two stray bytes before EOI, for
// one), and so can a person hiding text. data must hold only the
// segments Scrub keeps (it is Scrub's output); anything else is an error,
// as are a coding jpegxform does not read and the limits of opts.
func RecodeJPEG(data []byte, opts Options) ([]byte, error) {
	if !bytes.HasPrefix(data, []byte{0xFF, mSOI}) {
		return nil, malformed("missing SOI")
	}
	// The APPn segments Scrub keeps come first, right after SOI.
	i := 2
	for i+4 <= len(data) && data[i] == 0xFF && (data[i+1] == mAPP0 || data[i+1] == mAPP2 || data[i+1] == mAP14) {
		n := int(data[i+2])<<8 | int(data[i+3])
		if n < 2 || i+2+n > len(data) {
			return nil, malformed("segment 0x%02X length", data[i+1])
		}
		i += 2 + n
	}
	head := data[2:i]
	img, err := jpegxform.Decode(append([]byte{0xFF, mSOI}, data[i:]...), jpegxform.Limits{MaxPixels: opts.maxPixels()})
	if err != nil {
		if errors.Is(err, jpegxform.ErrUnsupported) {
			return nil, &UnsupportedError{Format: "jpeg (a coding that cannot be rewritten losslessly)"}
		}
		return nil, fmt.Errorf("recode: %w: %v", ErrMalformed, err)
	}
	if len(img.Skipped) > 0 {
		return nil, malformed("recode: segment 0x%02X is not one Scrub keeps", img.Skipped[0])
	}
	var out bytes.Buffer
	out.Grow(len(data))
	out.Write([]byte{0xFF, mSOI})
	out.Write(head)
	var body bytes.Buffer
	if err := jpegxform.Encode(&body, img, jpegxform.EncodeOptions{}); err != nil {
		return nil, fmt.Errorf("recode: %w", err)
	}
	out.Write(body.Bytes()[2:])
	return out.Bytes(), nil
}

// DeepClean runs DeepVerify on data, Scrub's output. When a JPEG fails it
// with ErrNotClean (bytes the decoder never reads), it rewrites the JPEG
// with RecodeJPEG and verifies that instead. It returns the bytes to
// publish (data itself, or the rewrite), their Info, and the first
// DeepVerify error when a rewrite replaced data (nil otherwise), for the
// caller to say what was removed. Errors are DeepVerify's, of data, when
// no clean rewrite exists.
func DeepClean(data []byte, opts Options) (out []byte, info Info, rewrote error, err error) {
	info, err = DeepVerify(data, opts)
	if err == nil || !errors.Is(err, ErrNotClean) || Sniff(data) != JPEG {
		return data, info, nil, err
	}
	re, rerr := RecodeJPEG(data, opts)
	if rerr != nil {
		return data, info, nil, err
	}
	rinfo, verr := DeepVerify(re, opts)
	if verr != nil {
		return data, info, nil, err
	}
	return re, rinfo, err, nil
}

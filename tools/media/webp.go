package media

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
)

// ErrNeedsRotation: the image carries an orientation (Exif tag 0x0112,
// values 2-8) that Scrub cannot apply in its format, so it would be
// published sideways or mirrored once the tag is removed. The concrete
// error is a *NeedsRotationError. The user must rotate the photo (save it
// upright) before adding it.
var ErrNeedsRotation = errors.New("image must be rotated before it is added")

// NeedsRotationError reports an orientation Scrub refuses to drop and
// cannot apply: a WebP with Exif orientation 2-8 (Go has no WebP encoder,
// golang.org/x/image/webp only decodes, so the pixels cannot be turned).
// Browsers apply a WebP's EXIF orientation (CSS Images 3
// image-orientation: from-image), so dropping the chunk would change how
// the image looks. It matches ErrNeedsRotation under errors.Is.
type NeedsRotationError struct {
	Format      string // "webp"
	Orientation int    // 2-8, CIPA DC-008 tag 0x0112
}

func (e *NeedsRotationError) Error() string {
	return fmt.Sprintf("EXIF orientation %d (%s) cannot be applied to a %s, and removing the tag would show the image %s: rotate the photo upright in a photo editor and save it, or export it as jpeg, before adding it",
		e.Orientation, orientationName(e.Orientation), e.Format, orientationWrong(e.Orientation))
}

// Is reports whether target is ErrNeedsRotation.
func (e *NeedsRotationError) Is(target error) bool { return target == ErrNeedsRotation }

// orientationName describes what a viewer does for orientation o (CIPA
// DC-008 Exif 2.32, tag 0x0112).
func orientationName(o int) string {
	switch o {
	case 2:
		return "mirror horizontally"
	case 3:
		return "rotate 180°"
	case 4:
		return "mirror vertically"
	case 5:
		return "mirror horizontally and rotate 270° clockwise"
	case 6:
		return "rotate 90° clockwise"
	case 7:
		return "mirror horizontally and rotate 90° clockwise"
	case 8:
		return "rotate 270° clockwise"
	}
	return "normal"
}

func orientationWrong(o int) string {
	switch o {
	case 2, 4:
		return "mirrored"
	case 3:
		return "upside down"
	case 5, 7:
		return "mirrored and sideways"
	}
	return "sideways"
}

// VP8X flag bits (WebP Container Specification, "Extended File Format").
const (
	vp8xAnim  = 0x02
	vp8xXMP   = 0x04
	vp8xEXIF  = 0x08
	vp8xAlpha = 0x10
	vp8xICC   = 0x20
)

type riffChunk struct {
	id   string
	data []byte
}

// vp8Size reads the frame size of a VP8 key frame (RFC 6386 9.1) or a VP8L
// header (WebP Lossless Bitstream Specification 3.1).
func vp8Size(c riffChunk) (int, int, error) {
	p := c.data
	switch c.id {
	case "VP8 ":
		if len(p) < 10 || p[3] != 0x9d || p[4] != 0x01 || p[5] != 0x2a || p[0]&1 != 0 {
			return 0, 0, malformed("VP8 key frame header")
		}
		return int(binary.LittleEndian.Uint16(p[6:]) & 0x3fff), int(binary.LittleEndian.Uint16(p[8:]) & 0x3fff), nil
	case "VP8L":
		if len(p) < 5 || p[0] != 0x2f {
			return 0, 0, malformed("VP8L header")
		}
		v := binary.LittleEndian.Uint32(p[1:])
		if v>>29 != 0 {
			return 0, 0, malformed("VP8L version")
		}
		return int(v&0x3fff) + 1, int(v>>14&0x3fff) + 1, nil
	}
	return 0, 0, malformed("no image data")
}

// readRIFF splits a WebP file into its chunks and any trailer.
func readRIFF(data []byte) (chunks []riffChunk, trailer int, err error) {
	if len(data) < 12 {
		return nil, 0, fmt.Errorf("RIFF header: %w", ErrTruncated)
	}
	size := int64(binary.LittleEndian.Uint32(data[4:]))
	if size < 4 {
		return nil, 0, malformed("RIFF size %d", size)
	}
	if size+8 > int64(len(data)) {
		return nil, 0, fmt.Errorf("RIFF size %d beyond end of file: %w", size, ErrTruncated)
	}
	body := data[12 : 8+size]
	trailer = len(data) - int(8+size)
	for len(body) > 0 {
		if len(body) < 8 {
			return nil, 0, fmt.Errorf("chunk header: %w", ErrTruncated)
		}
		id := string(body[:4])
		n := int64(binary.LittleEndian.Uint32(body[4:]))
		padded := n + n&1
		if 8+n > int64(len(body)) {
			return nil, 0, fmt.Errorf("chunk %q: %w", id, ErrTruncated)
		}
		chunks = append(chunks, riffChunk{id: id, data: body[8 : 8+n]})
		if 8+padded > int64(len(body)) {
			padded = n // a missing final pad byte is tolerated on input
		}
		body = body[8+padded:]
	}
	return chunks, trailer, nil
}

func writeRIFF(w io.Writer, chunks []riffChunk) error {
	size := 4
	for _, c := range chunks {
		size += 8 + len(c.data) + len(c.data)&1
	}
	bw := bufio.NewWriter(w)
	var h [8]byte
	copy(h[:], "RIFF")
	binary.LittleEndian.PutUint32(h[4:], uint32(size))
	bw.Write(h[:])
	bw.WriteString("WEBP")
	for _, c := range chunks {
		copy(h[:], c.id)
		binary.LittleEndian.PutUint32(h[4:], uint32(len(c.data)))
		bw.Write(h[:])
		bw.Write(c.data)
		if len(c.data)&1 == 1 {
			bw.WriteByte(0)
		}
	}
	return bw.Flush()
}

func scrubWebP(br *bufio.Reader, w io.Writer, opts Options, rep *Report) error {
	data, err := io.ReadAll(br)
	if err != nil {
		return err
	}
	chunks, trailer, err := readRIFF(data)
	if err != nil {
		return err
	}
	if trailer > 0 {
		rep.remove("trailer after RIFF")
	}
	if len(chunks) == 0 {
		return malformed("no chunks")
	}
	var (
		out      []riffChunk
		image    *riffChunk
		alph     *riffChunk
		icc      []byte
		flags    byte
		extended = chunks[0].id == "VP8X"
		cw, ch   int
		vx       []byte
	)
	if extended {
		x := chunks[0].data
		vx = x
		if len(x) < 10 {
			return malformed("VP8X length %d", len(x))
		}
		flags = x[0]
		cw = int(uint32(x[4])|uint32(x[5])<<8|uint32(x[6])<<16) + 1
		ch = int(uint32(x[7])|uint32(x[8])<<8|uint32(x[9])<<16) + 1
		if err := checkPixels(cw, ch, opts); err != nil {
			return err
		}
		if flags&vp8xAnim != 0 {
			return &UnsupportedError{Format: "webp (animated)"}
		}
		chunks = chunks[1:]
	}
	for i := range chunks {
		c := chunks[i]
		switch c.id {
		case "VP8 ", "VP8L":
			if image != nil {
				return malformed("more than one image chunk")
			}
			image = &chunks[i]
		case "ALPH":
			if !extended || alph != nil || image != nil {
				return malformed("ALPH chunk out of place")
			}
			alph = &chunks[i]
		case "ICCP":
			rep.ICC = ICCDropped
			if space := knownProfile(c.data); extended && space != "" && icc == nil && image == nil {
				icc = c.data
				rep.ICC = iccReport(space)
			} else {
				rep.remove("ICCP")
			}
		case "ANIM", "ANMF":
			return &UnsupportedError{Format: "webp (animated)"}
		case "EXIF":
			if o, _ := exifOrientationTag(bytes.TrimPrefix(c.data, []byte(exifSig))); o != 1 {
				return &NeedsRotationError{Format: "webp", Orientation: o}
			}
			rep.remove("EXIF")
		case "XMP ":
			rep.remove("XMP")
		default:
			rep.remove(fmt.Sprintf("chunk %q", c.id))
		}
	}
	if image == nil {
		return malformed("no VP8 or VP8L chunk")
	}
	iw, ih, err := vp8Size(*image)
	if err != nil {
		return err
	}
	if err := checkPixels(iw, ih, opts); err != nil {
		return err
	}
	if extended && (iw != cw || ih != ch) {
		return malformed("canvas %dx%d but image %dx%d", cw, ch, iw, ih)
	}
	if alph != nil && image.id != "VP8 " {
		return malformed("ALPH with a lossless image")
	}
	rep.Width, rep.Height = iw, ih
	if extended {
		x := make([]byte, 10)
		copy(x[4:], vx[4:10])
		if icc != nil {
			x[0] |= vp8xICC
		}
		if alph != nil || (image.id == "VP8L" && flags&vp8xAlpha != 0) {
			x[0] |= vp8xAlpha
		}
		out = append(out, riffChunk{"VP8X", x})
		if icc != nil {
			out = append(out, riffChunk{"ICCP", icc})
		}
		if alph != nil {
			out = append(out, *alph)
		}
	}
	out = append(out, *image)
	return writeRIFF(w, out)
}

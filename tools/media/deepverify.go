package media

import (
	"bytes"
	"compress/zlib"
	"encoding/binary"
	"errors"
	"fmt"
	"io"

	"golang.org/x/image/vp8"
	"golang.org/x/image/vp8l"
	"golang.org/x/image/webp"

	"storyguard/tools/media/jpegxform"
)

// DeepVerify is Verify followed by a full decode of the image data, which
// proves that no bytes hide inside it where every decoder skips them:
//
//   - JPEG: every scan is Huffman-decoded (jpegxform.Decode). After the
//     last MCU of a scan, and of each restart interval, only padding
//     1-bits up to the byte boundary (ITU-T T.81 F.1.2.3) and 0xFF fill
//     bytes before the marker (T.81 B.1.1.2) may follow. 4-component,
//     12-bit and otherwise undecodable files are refused.
//   - PNG: the IDAT data is inflated whole. The zlib stream, its Adler-32
//     included (RFC 1950), must end exactly at the end of the last IDAT's
//     data, inflate to exactly the size IHDR implies (height rows of
//     1+rowbytes for a non-interlaced image, the sum over the seven Adam7
//     passes otherwise; PNG 3rd edition 7.2, 8.2), and every row's filter
//     type must be 0-4 (PNG 9.2); bit depth and colour type must be a
//     combination PNG 11.2.1 allows.
//   - WebP lossless (VP8L): the bitstream is decoded (golang.org/x/image
//     vp8l) and must end in the chunk's last byte (WebP Lossless Bitstream
//     Specification; the bits after the last pixel pad the byte), or be
//     followed by at most 8 zero bytes, which carry nothing. The
//     decoder may read one byte ahead, so the image is decoded a second
//     time without the last byte it read: if that also succeeds, the byte
//     was not needed.
//   - WebP lossy (VP8, with or without ALPH): the frame is decoded
//     (golang.org/x/image/webp); the frame header's first-partition size
//     must lie inside the chunk (RFC 6386 9.1). Bytes appended to a VP8
//     chunk fall in its last token partition, which runs to the chunk end
//     (RFC 6386 9.5), so they are found by decoding: the bytes the
//     decoder never reads must be at most 8 zero bytes (libwebp leaves one
//     or two). An ALPH chunk must have zero reserved bits and end with its
//     data: raw alpha of exactly width*height bytes, or a lossless alpha
//     stream checked as VP8L is.
//
// Cost: about the cost of decoding the image (for a 4 MB JPEG some tens of
// milliseconds; see bench/strict.md), against about a millisecond for
// Verify; it holds the quantised coefficients of a JPEG (about 2 bytes per
// sample) or the pixels of a WebP in memory.
//
// Errors are Verify's, or wrap ErrNotClean with a message that names the
// structure and counts bytes, never quoting them ("18 bytes after the last
// MCU of scan 1", "23 bytes after the end of the zlib stream").
func DeepVerify(data []byte, opts Options) (Info, error) {
	info, err := Verify(bytes.NewReader(data), opts)
	if err != nil {
		return info, err
	}
	switch info.Format {
	case JPEG:
		err = deepJPEG(data, opts)
	case PNG:
		err = deepPNG(data)
	case WebP:
		err = deepWebP(data)
	default:
		err = notClean("format %s has no deep verification", info.Format)
	}
	if err != nil {
		return info, fmt.Errorf("verify %s: %w", info.Format, err)
	}
	return info, nil
}

func deepJPEG(data []byte, opts Options) error {
	img, err := jpegxform.Decode(data, jpegxform.Limits{MaxPixels: opts.maxPixels()})
	if err != nil {
		return fmt.Errorf("entropy-coded data does not decode (%v): %w", err, ErrNotClean)
	}
	for _, s := range img.Stray {
		where := fmt.Sprintf("the last MCU of scan %d", s.Scan)
		if s.Interval >= 0 {
			where = fmt.Sprintf("restart interval %d of scan %d", s.Interval, s.Scan)
		}
		switch {
		case !s.InScan:
			return notClean("%d bytes before marker 0x%02X after scan %d", s.Bytes, s.Marker, s.Scan)
		case s.Bytes > 0:
			return notClean("%d bytes after %s", s.Bytes, where)
		default:
			return notClean("padding bits after %s are not 1-bits", where)
		}
	}
	if img.End != len(data) {
		return notClean("bytes after EOI")
	}
	return nil
}

// idatReader reads the data of consecutive IDAT chunks as one stream,
// byte by byte where asked (so that compress/flate, which then reads no
// further than it needs, leaves unread exactly what follows the zlib
// stream).
type idatReader struct {
	parts [][]byte
}

func (r *idatReader) ReadByte() (byte, error) {
	for len(r.parts) > 0 && len(r.parts[0]) == 0 {
		r.parts = r.parts[1:]
	}
	if len(r.parts) == 0 {
		return 0, io.EOF
	}
	b := r.parts[0][0]
	r.parts[0] = r.parts[0][1:]
	return b, nil
}

func (r *idatReader) Read(p []byte) (int, error) {
	for len(r.parts) > 0 && len(r.parts[0]) == 0 {
		r.parts = r.parts[1:]
	}
	if len(r.parts) == 0 {
		return 0, io.EOF
	}
	n := copy(p, r.parts[0])
	r.parts[0] = r.parts[0][n:]
	return n, nil
}

func (r *idatReader) left() int {
	n := 0
	for _, p := range r.parts {
		n += len(p)
	}
	return n
}

// pngDepths lists the bit depths PNG 11.2.1 Table 11.1 allows per colour
// type, with the channels per pixel.
var pngDepths = map[byte]struct {
	depths   []byte
	channels int
}{
	0: {[]byte{1, 2, 4, 8, 16}, 1},
	2: {[]byte{8, 16}, 3},
	3: {[]byte{1, 2, 4, 8}, 1},
	4: {[]byte{8, 16}, 2},
	6: {[]byte{8, 16}, 4},
}

func deepPNG(data []byte) error {
	var (
		ihdr []byte
		idat idatReader
	)
	for b := data[8:]; len(b) >= 12; {
		n := int(binary.BigEndian.Uint32(b))
		if 12+n > len(b) {
			return notClean("chunk past the end of the file")
		}
		switch string(b[4:8]) {
		case "IHDR":
			ihdr = b[8 : 8+n]
		case "IDAT":
			idat.parts = append(idat.parts, b[8:8+n])
		}
		b = b[12+n:]
	}
	if len(ihdr) != 13 {
		return notClean("IHDR missing")
	}
	w, h := int64(binary.BigEndian.Uint32(ihdr)), int64(binary.BigEndian.Uint32(ihdr[4:]))
	depth, ctype, interlace := ihdr[8], ihdr[9], ihdr[12]
	kind, ok := pngDepths[ctype]
	if !ok || !bytes.Contains(kind.depths, []byte{depth}) {
		return notClean("IHDR bit depth %d with colour type %d", depth, ctype)
	}
	if w == 0 || h == 0 {
		return notClean("IHDR dimensions zero")
	}
	bpp := int64(kind.channels) * int64(depth)
	type pass struct{ x0, y0, dx, dy int64 }
	passes := []pass{{0, 0, 1, 1}}
	if interlace == 1 {
		// Adam7 (PNG 8.2, Table 8.1).
		passes = []pass{{0, 0, 8, 8}, {4, 0, 8, 8}, {0, 4, 4, 8}, {2, 0, 4, 4}, {0, 2, 2, 4}, {1, 0, 2, 2}, {0, 1, 1, 2}}
	}
	zr, err := zlib.NewReader(&idat)
	if err != nil {
		return fmt.Errorf("IDAT zlib header (%v): %w", err, ErrNotClean)
	}
	var (
		buf  = make([]byte, 32<<10)
		want int64
		got  int64
	)
	for _, p := range passes {
		pw, ph := (w-p.x0+p.dx-1)/p.dx, (h-p.y0+p.dy-1)/p.dy
		if pw <= 0 || ph <= 0 {
			continue
		}
		rowBytes := (pw*bpp + 7) / 8
		want += ph * (1 + rowBytes)
		for y := int64(0); y < ph; y++ {
			n, err := io.ReadFull(zr, buf[:1])
			got += int64(n)
			if err != nil {
				return pngShort(err, got, want)
			}
			if buf[0] > 4 {
				return notClean("IDAT row with filter type %d", buf[0])
			}
			for left := rowBytes; left > 0; {
				k := min(left, int64(len(buf)))
				n, err := io.ReadFull(zr, buf[:k])
				got += int64(n)
				if err != nil {
					return pngShort(err, got, want)
				}
				left -= k
			}
		}
	}
	n, err := io.ReadFull(zr, buf[:1])
	if n > 0 {
		extra, _ := io.Copy(io.Discard, zr)
		return notClean("zlib stream inflates to %d bytes more than IHDR implies", extra+1)
	}
	if err != io.EOF {
		return fmt.Errorf("zlib stream (%v): %w", err, ErrNotClean)
	}
	if left := idat.left(); left > 0 {
		return notClean("%d bytes after the end of the zlib stream", left)
	}
	return nil
}

func pngShort(err error, got, want int64) error {
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return notClean("zlib stream inflates to %d bytes where IHDR implies %d", got, want)
	}
	return fmt.Errorf("zlib stream (%v): %w", err, ErrNotClean)
}

func deepWebP(data []byte) error {
	var img, alph []byte
	var id string
	for b := data[12:]; len(b) >= 8; {
		n := int(binary.LittleEndian.Uint32(b[4:]))
		if 8+n > len(b) {
			return notClean("chunk past the end of the file")
		}
		switch c := string(b[:4]); c {
		case "VP8 ", "VP8L":
			id, img = c, b[8:8+n]
		case "ALPH":
			alph = b[8 : 8+n]
		}
		b = b[min(len(b), 8+n+n&1):]
	}
	switch id {
	case "VP8L":
		extra, err := vp8lExtra(img)
		if err != nil {
			return fmt.Errorf("VP8L bitstream does not decode (%v): %w", err, ErrNotClean)
		}
		if !cleanTail(img, extra) {
			return notClean("%d bytes after the end of the VP8L bitstream", extra)
		}
		return nil
	case "VP8 ":
		if len(img) < 10 {
			return notClean("VP8 frame header")
		}
		first := int(uint32(img[0])|uint32(img[1])<<8|uint32(img[2])<<16) >> 5
		if 10+first > len(img) {
			return notClean("VP8 first partition past the end of the chunk")
		}
		if _, err := webp.Decode(bytes.NewReader(data)); err != nil {
			return fmt.Errorf("VP8 frame does not decode (%v): %w", err, ErrNotClean)
		}
		if extra := vp8Extra(img); extra > 0 {
			return notClean("%d bytes at the end of the last VP8 partition that the decoder does not read", extra)
		}
		if alph != nil {
			return deepAlpha(alph, int(binary.LittleEndian.Uint16(img[6:])&0x3fff), int(binary.LittleEndian.Uint16(img[8:])&0x3fff))
		}
		return nil
	}
	return notClean("no image chunk")
}

// vp8lExtra decodes a VP8L bitstream and returns the number of whole
// bytes after the last one it needs. The decoder (golang.org/x/image/vp8l)
// reads bytes only as it needs bits, but its Huffman lookup may read one
// byte ahead: when the image also decodes without the last byte read,
// that byte was not needed.
func vp8lExtra(stream []byte) (int, error) {
	r := bytes.NewReader(stream)
	if _, err := vp8l.Decode(r); err != nil {
		return 0, err
	}
	extra := r.Len()
	if used := len(stream) - extra; used > 5 {
		if _, err := vp8l.Decode(bytes.NewReader(stream[:used-1])); err == nil {
			extra++
		}
	}
	return extra, nil
}

// maxZeroTail is the most zero bytes a WebP bitstream may carry after the
// last byte its decoder reads: libwebp's encoders leave one or two (every
// lossy and alpha file of golang.org/x/image/testdata ends so). Zero bytes
// carry nothing; any other unread byte is refused.
const maxZeroTail = 8

// cleanTail reports whether the extra unread bytes at the end of b are
// at most maxZeroTail zero bytes.
func cleanTail(b []byte, extra int) bool {
	if extra > maxZeroTail {
		return false
	}
	for _, c := range b[len(b)-extra:] {
		if c != 0 {
			return false
		}
	}
	return true
}

// vp8Extra returns how many bytes at the end of the VP8 chunk payload
// img the decoder does not read, when they are not a clean tail (see
// cleanTail); 0 otherwise. The decoder (golang.org/x/image/vp8) fails
// when it reads past a partition's end and reads no further than it
// needs, so the frame decodes from a prefix of img if and only if the
// prefix holds every byte it reads: one decode of img without its zero
// tail and one more byte tells whether an unread byte is not part of a
// clean tail, and a binary search then counts the unread bytes. Bytes the
// decoder reads but that carry no information (hidden by a modified
// encoder inside the partition) are not found.
func vp8Extra(img []byte) int {
	decodes := func(n int) bool {
		d := vp8.NewDecoder()
		d.Init(bytes.NewReader(img[:n]), n)
		if _, err := d.DecodeFrameHeader(); err != nil {
			return false
		}
		_, err := d.DecodeFrame()
		return err == nil
	}
	z := 0
	for z < maxZeroTail && img[len(img)-1-z] == 0 {
		z++
	}
	probe := len(img) - z - 1
	if probe <= 10 || !decodes(probe) {
		return 0
	}
	lo, hi := 10, probe
	for lo < hi {
		m := lo + (hi-lo)/2
		if decodes(m) {
			hi = m
		} else {
			lo = m + 1
		}
	}
	return len(img) - lo
}

// deepAlpha checks an ALPH chunk (WebP Container Specification, "Alpha"):
// reserved bits zero; raw alpha (compression 0) exactly width*height
// bytes; lossless alpha (compression 1) a VP8L image stream without its
// header that ends at the chunk's end.
func deepAlpha(alph []byte, w, h int) error {
	if len(alph) < 1 || alph[0]>>6 != 0 || alph[0]&3 > 1 {
		return notClean("ALPH header")
	}
	data := alph[1:]
	if alph[0]&3 == 0 {
		if len(data) != w*h {
			return notClean("ALPH holds %d bytes where the image has %d pixels", len(data), w*h)
		}
		return nil
	}
	wm, hm := w-1, h-1
	stream := append([]byte{0x2f, byte(wm), byte(wm>>8) | byte(hm<<6), byte(hm >> 2), byte(hm >> 10)}, data...)
	extra, err := vp8lExtra(stream)
	if err != nil {
		return fmt.Errorf("ALPH bitstream does not decode (%v): %w", err, ErrNotClean)
	}
	if !cleanTail(stream, extra) {
		return notClean("%d bytes after the end of the ALPH bitstream", extra)
	}
	return nil
}

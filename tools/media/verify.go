package media

import (
	"bufio"
	"bytes"
	"compress/zlib"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"strings"
)

// Verify proves that the image in r carries no metadata. It is written
// independently of Scrub (its own parsing code, not Scrub's) and is strict:
// it accepts only the structure Scrub is meant to produce and fails on
// anything else, even on harmless things Scrub would have removed.
//
// Accepted structure:
//   - JPEG: SOI; an optional JFIF APP0 of exactly 14 bytes with no
//     thumbnail, first; an optional Adobe APP14 of exactly 12 bytes with
//     zero flags; APP2 ICC_PROFILE chunks only if the reassembled profile is
//     in KnownProfiles; DQT, DHT, DRI; one SOF0, SOF1 or SOF2; scans (SOS,
//     entropy-coded data with RSTn) with DHT, DQT or DRI between them; EOI
//     as the last two bytes of the file. Table segments hold whole tables
//     and nothing after them, with valid Huffman symbols, each listed once;
//     every table defined is used by a scan before it is redefined or the
//     file ends (a table no scan reads could hold any bytes); SOF and SOS
//     fields are in range and every scan component is in the frame.
//     Verify does not decode entropy-coded data: bytes hidden after a
//     scan's last MCU are found by DeepVerify.
//   - PNG: valid signature and CRCs; IHDR first; before the IDAT run at
//     most one each of PLTE, tRNS, gAMA, cHRM, sRGB, pHYs (with their
//     specified lengths) and iCCP with a known profile; one consecutive
//     IDAT run; IEND as the last chunk and nothing after it.
//   - WebP: RIFF size equal to the file size; either one VP8/VP8L chunk, or
//     VP8X (only the ICC and alpha flags, reserved bits zero, canvas equal
//     to the image size), an optional ICCP with a known profile (iff its
//     flag), an optional ALPH, one VP8/VP8L, and nothing else.
//
// Marker scan, on top of the parse: the whole file is searched for
// metadata markers long enough never to occur by chance in compressed data
// ("Exif\0\0", "http://ns.adobe.com/xap/1.0/", "http://ns.adobe.com/xmp",
// "<x:xmpmeta", "<?xpacket": every marker of Exif and XMP, the metadata
// that can stand on its own). Every byte
// outside entropy-coded, IDAT and image chunk data (segment and chunk
// headers and payloads) is also searched for the short markers "8BIM",
// "Exif", "EXIF", "XMP ", "MPF\0", "tEXt", "zTXt", "iTXt", "eXIf", "tIME",
// "ICC_PROFILE", "http://", "JFXX", "adobe:ns:meta".
// A 4-byte marker is not searched in compressed image data: by chance alone
// one of ten such markers would occur in about 1 in 100 files of 5 MB.
//
// Errors wrap ErrNotClean (structure outside the allow-list, or a marker
// found), ErrTruncated, ErrMalformed, ErrTooLarge, ErrTooManyPixels,
// ErrEmpty, or are an *UnsupportedError or *ExtensionError. Messages name
// segments, chunks and markers, never metadata values.
func Verify(r io.Reader, opts Options) (Info, error) {
	sc := &markerScanner{r: r}
	br, f, err := open(sc, opts)
	if err != nil {
		return Info{Format: f}, err
	}
	defer putReader(br)
	info := Info{Format: f, ContentType: f.ContentType(), Ext: f.Ext()}
	var iccChunks int
	switch f {
	case JPEG:
		iccChunks, err = verifyJPEG(br, opts, &info)
	case PNG:
		iccChunks, err = verifyPNG(br, opts, &info)
	case WebP:
		iccChunks, err = verifyWebP(br, opts, &info)
	}
	if err == nil {
		// Drain what the parser did not need so the scanner sees every byte.
		if _, derr := io.Copy(io.Discard, br); derr != nil {
			err = derr
		}
	}
	if err == nil {
		err = sc.result(iccChunks)
	}
	if err != nil {
		return info, fmt.Errorf("verify %s: %w", f, err)
	}
	return info, nil
}

func notClean(format string, args ...any) error {
	return fmt.Errorf("%s: %w", fmt.Sprintf(format, args...), ErrNotClean)
}

// longMarkers are searched over every byte of the file. Each contains the
// byte 'x' (its anchor): the scan looks for the anchor with bytes.IndexByte
// (vectorised) and compares only there, so a 4 MB file costs one fast
// pass, not one per marker. Photoshop/IPTC and ICC markers are found by
// the strict parse and the structural scan; they cannot hide in image data
// as a segment the parser would accept.
var longMarkers = []string{
	"Exif\x00\x00", "http://ns.adobe.com/xap/1.0/", "http://ns.adobe.com/xmp", "<x:xmpmeta",
	"<?xpacket",
}

// anchored is a marker with the offset of its anchor byte.
type anchored struct {
	marker string
	at     int
}

// markerAnchor is the anchor 'x' and every byte that follows it in some
// long marker: indexAnchor stops only where a marker may start.
var markerAnchor *anchorSet

// anchors lists each long marker with the offset of its anchor.
var anchors = func() []anchored {
	var list []anchored
	var next []byte
	for _, mk := range longMarkers {
		i := strings.IndexByte(mk, 'x')
		if i < 0 || i+1 >= len(mk) {
			panic("media: marker without an anchor 'x' followed by a byte: " + mk)
		}
		list = append(list, anchored{mk, i})
		if !bytes.Contains(next, []byte{mk[i+1]}) {
			next = append(next, mk[i+1])
		}
	}
	markerAnchor = newAnchorSet('x', next)
	return list
}()

// shortMarkers are searched in structural bytes only.
var shortMarkers = []string{"8BIM", "Exif", "EXIF", "XMP ", "MPF\x00", "tEXt", "zTXt", "iTXt", "eXIf", "tIME", "ICC_PROFILE", "http://", "JFXX", "adobe:ns:meta"}

const iccMarker = "ICC_PROFILE"

// scanKeep is the number of bytes carried from one block to the next: one
// less than the longest marker, so a marker across blocks is seen once.
const scanKeep = 31

// markerScanner searches every byte read or fed through it for longMarkers
// and counts "ICC_PROFILE".
type markerScanner struct {
	r     io.Reader
	tail  []byte // the last scanKeep bytes seen
	seam  []byte // scratch: tail followed by the head of the next block
	found string
	icc   int
}

func (s *markerScanner) Read(p []byte) (int, error) {
	n, err := s.r.Read(p)
	s.feed(p[:n])
	return n, err
}

// feed scans the next block of the stream in place. Matches that start in
// the carried tail and end in the block are found in a small seam buffer;
// matches inside the block in the block itself. Each match is counted once.
func (s *markerScanner) feed(p []byte) {
	if len(p) == 0 || s.found != "" {
		return
	}
	if len(s.tail) > 0 {
		s.seam = append(append(s.seam[:0], s.tail...), p[:min(len(p), scanKeep)]...)
		s.scanBlock(s.seam, len(s.tail))
	}
	s.scanBlock(p, 0)
	if len(p) >= scanKeep {
		s.tail = append(s.tail[:0], p[len(p)-scanKeep:]...)
	} else {
		s.tail = append(s.tail, p...)
		if len(s.tail) > scanKeep {
			s.tail = s.tail[len(s.tail)-scanKeep:]
		}
	}
}

// scanBlock records matches in b; with seam > 0 only those that start
// before seam and end after it.
func (s *markerScanner) scanBlock(b []byte, seam int) {
	for off := 0; off < len(b); {
		i := indexAnchor(b[off:], markerAnchor)
		if i < 0 {
			break
		}
		pos := off + i
		off = pos + 1
		for _, a := range anchors {
			start := pos - a.at
			end := start + len(a.marker)
			if start < 0 || end > len(b) || string(b[start:end]) != a.marker {
				continue
			}
			if seam > 0 && (start >= seam || end <= seam) {
				continue
			}
			if a.marker == iccMarker {
				s.icc++
			} else if s.found == "" {
				s.found = a.marker
			}
		}
	}
}

// scanWriter passes writes through a markerScanner, so that Scrub fails
// closed on anything Verify's marker scan would reject.
type scanWriter struct {
	w   io.Writer
	s   markerScanner
	off bool // no scanning: a concurrent Verify scans the same bytes
}

func (sw *scanWriter) Write(p []byte) (int, error) {
	if !sw.off {
		sw.s.feed(p)
	}
	return sw.w.Write(p)
}

func (s *markerScanner) result(iccChunks int) error {
	if s.found != "" {
		return notClean("metadata marker %q in file", printable(s.found))
	}
	return nil
}

// scanShort searches structural bytes for short markers.
func scanShort(b []byte, where string) error {
	for _, m := range shortMarkers {
		if bytes.Contains(b, []byte(m)) {
			return notClean("metadata marker %q in %s", printable(m), where)
		}
	}
	for _, m := range longMarkers {
		if bytes.Contains(b, []byte(m)) {
			return notClean("metadata marker %q in %s", printable(m), where)
		}
	}
	return nil
}

func printable(m string) string { return string(bytes.ReplaceAll([]byte(m), []byte{0}, []byte(`\0`))) }

// vEOF maps an unexpected end to ErrTruncated.
func vEOF(err error, where string) error {
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return fmt.Errorf("%s: %w", where, ErrTruncated)
	}
	return fmt.Errorf("%s: %w", where, err)
}

// vSegment reads a JPEG marker (no fill bytes accepted outside scans) and,
// for markers with a length, the payload.
func vMarker(br *bufio.Reader) (byte, error) {
	var m [2]byte
	if _, err := io.ReadFull(br, m[:]); err != nil {
		return 0, vEOF(err, "marker")
	}
	if m[0] != 0xFF || m[1] == 0xFF || m[1] == 0 {
		return 0, notClean("no marker where one must be")
	}
	return m[1], nil
}

func vPayload(br *bufio.Reader, m byte) ([]byte, error) {
	var l [2]byte
	if _, err := io.ReadFull(br, l[:]); err != nil {
		return nil, vEOF(err, "segment length")
	}
	n := int(l[0])<<8 | int(l[1])
	if n < 2 {
		return nil, notClean("segment 0x%02X length %d", m, n)
	}
	p := make([]byte, n-2)
	if _, err := io.ReadFull(br, p); err != nil {
		return nil, vEOF(err, fmt.Sprintf("segment 0x%02X", m))
	}
	return p, nil
}

// vSkipScan reads entropy-coded data up to and including the next marker
// that is not RSTn, and returns that marker.
func vSkipScan(br *bufio.Reader) (byte, error) {
	for {
		if _, err := br.Peek(2); err != nil {
			return 0, vEOF(err, "entropy-coded data")
		}
		buf, _ := br.Peek(br.Buffered())
		i := 0
		for {
			j := indexFFMarker(buf[i:])
			if j < 0 {
				i = len(buf)
				break
			}
			k := i + j
			if k+1 >= len(buf) {
				i = k
				break
			}
			if m := buf[k+1]; m != 0xFF {
				br.Discard(k + 2)
				return m, nil
			}
			i = k + 1 // a fill byte (ITU T.81 B.1.1.2)
		}
		br.Discard(i)
	}
}

func verifyJPEG(br *bufio.Reader, opts Options, info *Info) (int, error) {
	var soi [2]byte
	if _, err := io.ReadFull(br, soi[:]); err != nil || soi[0] != 0xFF || soi[1] != 0xD8 {
		return 0, notClean("missing SOI")
	}
	var (
		first    = true
		frame    bool
		adobe    bool
		icc      [][]byte
		iccTotal int
		comps    int
		tables   jpegTables
	)
	m, err := vMarker(br)
	for ; err == nil && m != 0xDA; m, err = vMarker(br) {
		p, perr := vPayload(br, m)
		if perr != nil {
			return 0, perr
		}
		switch m {
		case 0xE0:
			if !first || len(p) != 14 || !bytes.Equal(p[:5], []byte("JFIF\x00")) || p[12] != 0 || p[13] != 0 {
				return 0, notClean("APP0 other than a bare JFIF header first")
			}
		case 0xEE:
			if adobe || len(p) != 12 || !bytes.Equal(p[:5], []byte("Adobe")) || p[7]|p[8]|p[9]|p[10] != 0 || p[11] > 2 {
				return 0, notClean("APP14 other than one bare Adobe colour-transform segment")
			}
			adobe = true
		case 0xE2:
			if len(p) < 14 || !bytes.Equal(p[:12], []byte("ICC_PROFILE\x00")) {
				return 0, notClean("APP2 other than ICC_PROFILE")
			}
			seq, n := int(p[12]), int(p[13])
			if n == 0 || seq != len(icc)+1 || (iccTotal != 0 && n != iccTotal) {
				return 0, notClean("ICC_PROFILE chunks out of sequence")
			}
			iccTotal = n
			icc = append(icc, p[14:])
			first = false
			continue // profile bytes are checked by digest, not scanned
		case 0xDB, 0xC4, 0xDD:
			if err := tableSegment(&tables, m, p); err != nil {
				return 0, err
			}
		case 0xC0, 0xC1, 0xC2:
			if frame || len(p) < 6 {
				return 0, notClean("second or short SOF")
			}
			frame = true
			h, w := int(p[1])<<8|int(p[2]), int(p[3])<<8|int(p[4])
			comps = int(p[5])
			if (comps != 1 && comps != 3 && comps != 4) || len(p) != 6+3*comps {
				return 0, notClean("SOF with %d components and length %d", comps, len(p))
			}
			if err := checkPixels(w, h, opts); err != nil {
				return 0, err
			}
			if err := tables.sof(m, p); err != nil {
				return 0, err
			}
			info.Width, info.Height = w, h
		default:
			if m >= 0xE0 && m <= 0xEF {
				return 0, notClean("segment APP%d", m-0xE0)
			}
			if m == 0xFE {
				return 0, notClean("segment COM")
			}
			if name := sofName(m); name != "" {
				return 0, &UnsupportedError{Format: "jpeg (" + name + ")"}
			}
			return 0, notClean("marker 0x%02X before the first scan", m)
		}
		first = false
		if err := scanShort(p, fmt.Sprintf("segment 0x%02X", m)); err != nil {
			return 0, err
		}
	}
	if err != nil {
		return 0, err
	}
	if !frame {
		return 0, notClean("scan before SOF")
	}
	if len(icc) > 0 {
		if len(icc) != iccTotal {
			return 0, notClean("ICC_PROFILE chunks incomplete")
		}
		if knownProfile(bytes.Join(icc, nil)) == "" {
			return 0, notClean("ICC profile not a known standard profile")
		}
	}
	for {
		// m is SOS here.
		p, err := vPayload(br, m)
		if err != nil {
			return 0, err
		}
		if len(p) < 1 || int(p[0]) < 1 || int(p[0]) > 4 || len(p) != 4+2*int(p[0]) {
			return 0, notClean("SOS header")
		}
		if err := tables.sos(p); err != nil {
			return 0, err
		}
		if m, err = vSkipScan(br); err != nil {
			return 0, err
		}
		for m == 0xC4 || m == 0xDB || m == 0xDD {
			p, err := vPayload(br, m)
			if err != nil {
				return 0, err
			}
			if err := scanShort(p, fmt.Sprintf("segment 0x%02X", m)); err != nil {
				return 0, err
			}
			if err := tableSegment(&tables, m, p); err != nil {
				return 0, err
			}
			if m, err = vMarker(br); err != nil {
				return 0, err
			}
		}
		switch m {
		case 0xDA:
			continue
		case 0xD9:
			if _, err := br.ReadByte(); err != io.EOF {
				return 0, notClean("bytes after EOI")
			}
			if err := tables.end(); err != nil {
				return 0, err
			}
			return len(icc), nil
		}
		return 0, notClean("marker 0x%02X between scans", m)
	}
}

// tableSegment checks a DQT, DHT or DRI payload (T.81 B.2.4) and records
// its tables.
func tableSegment(t *jpegTables, m byte, p []byte) error {
	switch m {
	case 0xDB:
		return t.dqt(p)
	case 0xC4:
		return t.dht(p)
	}
	if len(p) != 2 {
		return notClean("DRI segment length %d", len(p)+2)
	}
	return nil
}

func verifyPNG(br *bufio.Reader, opts Options, info *Info) (int, error) {
	var sig [8]byte
	if _, err := io.ReadFull(br, sig[:]); err != nil || string(sig[:]) != "\x89PNG\r\n\x1a\n" {
		return 0, notClean("PNG signature")
	}
	lengths := map[string]int{"gAMA": 4, "cHRM": 32, "sRGB": 1, "pHYs": 9, "IEND": 0, "IHDR": 13}
	seen := map[string]bool{}
	var (
		ctype byte = 255
		head  [8]byte
		tail  [4]byte
		buf   = make([]byte, 32<<10)
		idat  int // 0 before IDAT, 1 in the IDAT run, 2 after it
	)
	for {
		if _, err := io.ReadFull(br, head[:]); err != nil {
			return 0, vEOF(err, "chunk header")
		}
		n := binary.BigEndian.Uint32(head[:])
		typ := string(head[4:])
		if err := scanShort(head[4:], "chunk type"); err != nil {
			return 0, err
		}
		if n > 1<<31-1 {
			return 0, notClean("chunk length")
		}
		if !seen["IHDR"] && typ != "IHDR" {
			return 0, notClean("first chunk is not IHDR")
		}
		if want, ok := lengths[typ]; ok && int(n) != want {
			return 0, notClean("chunk %s length %d", typ, n)
		}
		crc := crc32.NewIEEE()
		crc.Write(head[4:])
		if typ == "IDAT" {
			if idat == 2 {
				return 0, notClean("IDAT chunks not consecutive")
			}
			idat = 1
			left := int64(n)
			for left > 0 {
				b := buf[:min(int64(len(buf)), left)]
				if _, err := io.ReadFull(br, b); err != nil {
					return 0, vEOF(err, "IDAT")
				}
				crc.Write(b)
				left -= int64(len(b))
			}
		} else {
			switch typ {
			case "IHDR", "PLTE", "tRNS", "gAMA", "cHRM", "sRGB", "pHYs", "iCCP":
				if idat != 0 || seen[typ] {
					return 0, notClean("chunk %s repeated or after IDAT", typ)
				}
			case "IEND":
				if idat == 0 {
					return 0, notClean("IEND before IDAT")
				}
			default:
				return 0, notClean("chunk %q not allowed", typ)
			}
			if idat == 1 {
				idat = 2
			}
			if n > maxPNGChunk {
				return 0, notClean("chunk %s too large", typ)
			}
			data := make([]byte, n)
			if _, err := io.ReadFull(br, data); err != nil {
				return 0, vEOF(err, typ)
			}
			crc.Write(data)
			switch typ {
			case "IHDR":
				if len(data) != 13 {
					return 0, notClean("IHDR length")
				}
				w, h := binary.BigEndian.Uint32(data), binary.BigEndian.Uint32(data[4:])
				if w > 1<<31-1 || h > 1<<31-1 {
					return 0, notClean("IHDR dimensions")
				}
				if err := checkPixels(int(w), int(h), opts); err != nil {
					return 0, err
				}
				ctype = data[9]
				if data[10] != 0 || data[11] != 0 || data[12] > 1 || ctype > 6 || ctype == 1 || ctype == 5 {
					return 0, notClean("IHDR methods or colour type")
				}
				info.Width, info.Height = int(w), int(h)
			case "PLTE":
				if ctype == 0 || ctype == 4 || n%3 != 0 || n == 0 || n > 768 {
					return 0, notClean("PLTE")
				}
			case "tRNS":
				if ctype == 3 && !seen["PLTE"] {
					return 0, notClean("tRNS before PLTE")
				}
			case "iCCP":
				i := bytes.IndexByte(data, 0)
				if i < 1 || i > 79 || i+2 > len(data) || data[i+1] != 0 {
					return 0, notClean("iCCP header")
				}
				zr, err := zlib.NewReader(bytes.NewReader(data[i+2:]))
				if err != nil {
					return 0, notClean("iCCP data")
				}
				prof, err := io.ReadAll(io.LimitReader(zr, maxICC+1))
				if err != nil || knownProfile(prof) == "" {
					return 0, notClean("iCCP profile not a known standard profile")
				}
				if name := string(data[:i]); name != "sRGB" && name != "Display P3" {
					return 0, notClean("iCCP profile name not neutral")
				}
				data = data[:i]
			}
			if err := scanShort(data, "chunk "+typ); err != nil {
				return 0, err
			}
			seen[typ] = true
		}
		if _, err := io.ReadFull(br, tail[:]); err != nil {
			return 0, vEOF(err, "CRC")
		}
		if binary.BigEndian.Uint32(tail[:]) != crc.Sum32() {
			return 0, notClean("chunk %s CRC mismatch", typ)
		}
		if typ == "IDAT" && ctype == 3 && !seen["PLTE"] {
			return 0, notClean("palette image without PLTE")
		}
		if typ == "IEND" {
			if _, err := br.ReadByte(); err != io.EOF {
				return 0, notClean("bytes after IEND")
			}
			return 0, nil
		}
	}
}

func verifyWebP(br *bufio.Reader, opts Options, info *Info) (int, error) {
	data, err := io.ReadAll(br)
	if err != nil {
		return 0, err
	}
	if len(data) < 20 || string(data[:4]) != "RIFF" || string(data[8:12]) != "WEBP" {
		return 0, vEOF(io.ErrUnexpectedEOF, "RIFF header")
	}
	if len(data) >= 21 && string(data[12:16]) == "VP8X" && data[20]&vp8xAnim != 0 {
		return 0, &UnsupportedError{Format: "webp (animated)"}
	}
	if int64(binary.LittleEndian.Uint32(data[4:]))+8 != int64(len(data)) {
		return 0, notClean("RIFF size does not match the file size")
	}
	type chunk struct {
		id   string
		data []byte
	}
	var cs []chunk
	for b := data[12:]; len(b) > 0; {
		if len(b) < 8 {
			return 0, vEOF(io.ErrUnexpectedEOF, "chunk header")
		}
		n := int64(binary.LittleEndian.Uint32(b[4:]))
		if 8+n+n&1 > int64(len(b)) {
			return 0, vEOF(io.ErrUnexpectedEOF, "chunk")
		}
		cs = append(cs, chunk{string(b[:4]), b[8 : 8+n]})
		if err := scanShort(b[:4], "chunk id"); err != nil {
			return 0, err
		}
		b = b[8+n+n&1:]
	}
	dims := func(c chunk) (int, int, error) {
		p := c.data
		switch c.id {
		case "VP8 ":
			if len(p) < 10 || p[0]&1 != 0 || !bytes.Equal(p[3:6], []byte{0x9d, 0x01, 0x2a}) {
				return 0, 0, notClean("VP8 frame header")
			}
			return int(binary.LittleEndian.Uint16(p[6:]) & 0x3fff), int(binary.LittleEndian.Uint16(p[8:]) & 0x3fff), nil
		case "VP8L":
			if len(p) < 5 || p[0] != 0x2f || p[4]>>5 != 0 {
				return 0, 0, notClean("VP8L header")
			}
			v := binary.LittleEndian.Uint32(p[1:])
			return int(v&0x3fff) + 1, int(v>>14&0x3fff) + 1, nil
		}
		return 0, 0, notClean("chunk %q where image data must be", c.id)
	}
	var w, h int
	iccCount := 0
	switch {
	case len(cs) == 1:
		if w, h, err = dims(cs[0]); err != nil {
			return 0, err
		}
	case len(cs) >= 2 && cs[0].id == "VP8X":
		x := cs[0].data
		if len(x) != 10 || x[0]&^(vp8xICC|vp8xAlpha) != 0 || x[1]|x[2]|x[3] != 0 {
			return 0, notClean("VP8X flags other than ICC and alpha")
		}
		if err := scanShort(x, "VP8X"); err != nil {
			return 0, err
		}
		rest := cs[1:]
		hasICC := len(rest) > 0 && rest[0].id == "ICCP"
		if hasICC != (x[0]&vp8xICC != 0) {
			return 0, notClean("VP8X ICC flag does not match the chunks")
		}
		if hasICC {
			if knownProfile(rest[0].data) == "" {
				return 0, notClean("ICCP profile not a known standard profile")
			}
			iccCount = bytes.Count(rest[0].data, []byte(iccMarker))
			rest = rest[1:]
		}
		if len(rest) == 2 && rest[0].id == "ALPH" && rest[1].id == "VP8 " {
			rest = rest[1:]
		}
		if len(rest) != 1 {
			return 0, notClean("chunks other than VP8X, ICCP, ALPH and one image chunk")
		}
		if w, h, err = dims(rest[0]); err != nil {
			return 0, err
		}
		cw := int(uint32(x[4])|uint32(x[5])<<8|uint32(x[6])<<16) + 1
		ch := int(uint32(x[7])|uint32(x[8])<<8|uint32(x[9])<<16) + 1
		if cw != w || ch != h {
			return 0, notClean("VP8X canvas does not match the image")
		}
	default:
		return 0, notClean("chunks other than one image chunk")
	}
	if err := checkPixels(w, h, opts); err != nil {
		return 0, err
	}
	info.Width, info.Height = w, h
	return iccCount, nil
}

// sofName names the JPEG frame types Storyguard does not support (ITU T.81
// Table B.1): SOF3 and SOF5-SOF15, by their coding process; "" for any
// other marker. SOF0-SOF2 (baseline, extended and progressive Huffman)
// are supported; 0xC4 (DHT), 0xC8 (JPG) and 0xCC (DAC) are not frames.
func sofName(m byte) string {
	switch m {
	case 0xC3:
		return "lossless, Huffman-coded"
	case 0xC5, 0xC6, 0xC7:
		return "hierarchical, Huffman-coded"
	case 0xC9, 0xCA:
		return "arithmetic-coded"
	case 0xCB:
		return "lossless, arithmetic-coded"
	case 0xCD, 0xCE, 0xCF:
		return "hierarchical, arithmetic-coded"
	case 0xCC:
		return "arithmetic-coded (DAC table)"
	}
	return ""
}

package media

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"image/jpeg"
	"io"
)

// JPEG markers (ITU-T T.81 Table B.1).
const (
	mSOF0 = 0xC0
	mSOF1 = 0xC1
	mSOF2 = 0xC2
	mDHT  = 0xC4
	mDAC  = 0xCC
	mSOI  = 0xD8
	mEOI  = 0xD9
	mSOS  = 0xDA
	mDQT  = 0xDB
	mDNL  = 0xDC
	mDRI  = 0xDD
	mAPP0 = 0xE0
	mAPP1 = 0xE1
	mAPP2 = 0xE2
	mAP13 = 0xED
	mAP14 = 0xEE
	mAP15 = 0xEF
	mCOM  = 0xFE
)

const (
	iccSig   = "ICC_PROFILE\x00"
	exifSig  = "Exif\x00\x00"
	xmpSig   = "http://ns.adobe.com/xap/1.0/\x00"
	xmpExSig = "http://ns.adobe.com/xmp/extension/\x00"
	psSig    = "Photoshop 3.0\x00"
	mpfSig   = "MPF\x00"
	jfifSig  = "JFIF\x00"
	adobeSig = "Adobe"
	// iccChunkMax is the largest ICC payload in one APP2 segment:
	// 65535 - 2 (length) - 12 (signature) - 2 (sequence, count).
	iccChunkMax = 65535 - 2 - 14
)

type jpegSeg struct {
	marker  byte
	payload []byte // without the 2-byte length
}

func (s jpegSeg) writeTo(w io.Writer) error {
	if len(s.payload)+2 > 0xFFFF {
		return malformed("segment 0x%02X too long", s.marker)
	}
	h := [4]byte{0xFF, s.marker}
	binary.BigEndian.PutUint16(h[2:], uint16(len(s.payload)+2))
	if _, err := w.Write(h[:]); err != nil {
		return err
	}
	_, err := w.Write(s.payload)
	return err
}

// readMarker reads one marker (0xFF, optional fill 0xFF bytes, code).
func readMarker(br *bufio.Reader) (byte, error) {
	b, err := br.ReadByte()
	if err != nil {
		return 0, truncated(err, "reading marker")
	}
	if b != 0xFF {
		// libjpeg skips such bytes with a warning ("Corrupt JPEG data: N
		// extraneous bytes before marker"); Scrub fails closed, since
		// bytes outside any segment may be the rest of a segment whose
		// length is wrong, metadata included. (No byte value is quoted.)
		return 0, malformed("expected a marker, found stray bytes between segments, " +
			"which some cameras and editors write; re-save the photo in a photo editor")
	}
	for {
		m, err := br.ReadByte()
		if err != nil {
			return 0, truncated(err, "reading marker")
		}
		if m != 0xFF {
			if m == 0x00 {
				return 0, malformed("stuffed byte outside a scan")
			}
			return m, nil
		}
	}
}

// readSegment reads a length-prefixed segment payload.
func readSegment(br *bufio.Reader, m byte) ([]byte, error) {
	var l [2]byte
	if _, err := io.ReadFull(br, l[:]); err != nil {
		return nil, truncated(err, fmt.Sprintf("segment 0x%02X length", m))
	}
	n := int(binary.BigEndian.Uint16(l[:]))
	if n < 2 {
		return nil, malformed("segment 0x%02X length %d", m, n)
	}
	p := make([]byte, n-2)
	if _, err := io.ReadFull(br, p); err != nil {
		return nil, truncated(err, fmt.Sprintf("segment 0x%02X", m))
	}
	return p, nil
}

// copyScan copies entropy-coded data (with stuffed bytes and RSTn markers)
// from br to w and returns the marker that ends it, consumed. Fill bytes
// (0xFF before a marker, T.81 B.1.1.2) are dropped. It works on whole
// buffered blocks: one Write per block, not per 0xFF. It finds markers
// with indexFFMarker, the search Verify uses too: a plain rule of T.81
// B.1.1.5, checked against a byte-by-byte reading of that rule at every
// position and by fuzzing (scan_test.go); the parsing around it is not
// shared.
func copyScan(br *bufio.Reader, w io.Writer) (byte, error) {
	for {
		if _, err := br.Peek(2); err != nil {
			return 0, truncated(err, "entropy-coded data")
		}
		buf, _ := br.Peek(br.Buffered())
		if buf[0] == 0xFF && buf[1] == 0xFF {
			br.Discard(1)
			continue
		}
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
			m := buf[k+1]
			if m == 0xFF {
				i = k
				break
			}
			if k > 0 {
				if _, err := w.Write(buf[:k]); err != nil {
					return 0, err
				}
			}
			br.Discard(k + 2)
			return m, nil
		}
		if _, err := w.Write(buf[:i]); err != nil {
			return 0, err
		}
		br.Discard(i)
	}
}

type sofInfo struct {
	marker byte
	width  int
	height int
	comps  int
}

func parseSOF(m byte, p []byte) (sofInfo, error) {
	if len(p) < 6 {
		return sofInfo{}, malformed("SOF too short")
	}
	s := sofInfo{marker: m, height: int(binary.BigEndian.Uint16(p[1:])), width: int(binary.BigEndian.Uint16(p[3:])), comps: int(p[5])}
	if s.comps != 1 && s.comps != 3 && s.comps != 4 {
		return s, malformed("SOF with %d components", s.comps)
	}
	if len(p) != 6+3*s.comps {
		return s, malformed("SOF length %d for %d components", len(p), s.comps)
	}
	if s.height == 0 {
		return s, &UnsupportedError{Format: "jpeg (height defined by DNL)"}
	}
	return s, nil
}

// exifOrientationTag reads tag 0x0112 from IFD0 of an Exif APP1 payload
// (after the "Exif\0\0" signature): the orientation, 1 when absent,
// invalid or unreadable, and whether IFD0 has the tag at all (with any
// value).
func exifOrientationTag(tiff []byte) (int, bool) {
	if len(tiff) < 8 {
		return 1, false
	}
	var bo binary.ByteOrder
	switch string(tiff[:2]) {
	case "II":
		bo = binary.LittleEndian
	case "MM":
		bo = binary.BigEndian
	default:
		return 1, false
	}
	off := int(bo.Uint32(tiff[4:]))
	if off < 8 || off+2 > len(tiff) {
		return 1, false
	}
	n := int(bo.Uint16(tiff[off:]))
	for i := 0; i < n; i++ {
		e := off + 2 + 12*i
		if e+12 > len(tiff) {
			return 1, false
		}
		if bo.Uint16(tiff[e:]) == 0x0112 {
			if v := int(bo.Uint16(tiff[e+8:])); bo.Uint16(tiff[e+2:]) == 3 && v >= 1 && v <= 8 {
				return v, true
			}
			return 1, true
		}
	}
	return 1, false
}

func scrubJPEG(br *bufio.Reader, w io.Writer, opts Options, rep *Report) error {
	var soi [2]byte
	if _, err := io.ReadFull(br, soi[:]); err != nil || soi != [2]byte{0xFF, mSOI} {
		return malformed("missing SOI")
	}
	var (
		kept        []jpegSeg
		jfif        []byte
		adobe       []byte
		iccChunks   = map[int][]byte{}
		iccCount    int
		iccBad      bool
		orientation = 1
		seenExif    bool
		sof         *sofInfo
		sos         []byte

		// XMP tiff:Orientation applies only when Exif has no
		// orientation tag (see xmpOrientation for the rule's source).
		exifOriented bool
		seenXMP      bool
		xmpOriented  int
	)
	prev := byte(mSOI) // the segment before the next marker, for errors
	for sos == nil {
		m, err := readMarker(br)
		if err != nil {
			return fmt.Errorf("after segment 0x%02X: %w", prev, err)
		}
		prev = m
		switch {
		case m == mSOI:
			return malformed("second SOI")
		case m == mEOI:
			return malformed("EOI before any scan")
		case m == 0x01 || (m >= 0xD0 && m <= 0xD7):
			return malformed("marker 0x%02X outside a scan", m)
		}
		p, err := readSegment(br, m)
		if err != nil {
			return err
		}
		switch {
		case m == mAPP0:
			if jfif == nil && len(p) >= 14 && string(p[:5]) == jfifSig {
				jfif = make([]byte, 14)
				copy(jfif, p[:12]) // signature, version, units, densities; no thumbnail
				if len(p) > 14 || p[12] != 0 || p[13] != 0 {
					rep.remove("APP0 JFIF thumbnail")
				}
			} else {
				rep.remove(appName(m, p))
			}
		case m == mAPP1:
			if !seenExif && bytes.HasPrefix(p, []byte(exifSig)) {
				seenExif = true
				orientation, exifOriented = exifOrientationTag(p[len(exifSig):])
			} else if !seenXMP && bytes.HasPrefix(p, []byte(xmpSig)) {
				seenXMP = true
				xmpOriented = xmpOrientation(p[len(xmpSig):])
			}
			rep.remove(appName(m, p))
		case m == mAPP2 && bytes.HasPrefix(p, []byte(iccSig)):
			rep.remove("APP2 ICC_PROFILE") // provisional; undone below if kept
			if len(p) < 14 {
				iccBad = true
				continue
			}
			seq, cnt := int(p[12]), int(p[13])
			if seq == 0 || cnt == 0 || seq > cnt || (iccCount != 0 && cnt != iccCount) || iccChunks[seq] != nil {
				iccBad = true
				continue
			}
			iccCount = cnt
			iccChunks[seq] = p[14:]
		case m == mAP14 && len(p) >= 12 && string(p[:5]) == adobeSig && adobe == nil:
			if p[11] > 2 {
				return malformed("Adobe colour transform %d", p[11])
			}
			adobe = []byte{'A', 'd', 'o', 'b', 'e', 0, 100, 0, 0, 0, 0, p[11]}
		case m >= mAPP0 && m <= mAP15, m == mCOM:
			rep.remove(appName(m, p))
		case m == mDQT, m == mDHT, m == mDRI:
			if err := scanShort(p, "table segment"); err != nil {
				return malformed("metadata marker in a table segment")
			}
			kept = append(kept, jpegSeg{m, p})
		case m == mSOF0, m == mSOF1, m == mSOF2:
			if sof != nil {
				return malformed("second SOF")
			}
			s, err := parseSOF(m, p)
			if err != nil {
				return err
			}
			sof = &s
			if err := scanShort(p, "SOF"); err != nil {
				return malformed("metadata marker in SOF")
			}
			kept = append(kept, jpegSeg{m, p})
		case sofName(m) != "":
			return &UnsupportedError{Format: "jpeg (" + sofName(m) + ")"}
		case m == mSOS:
			if err := checkSOS(p); err != nil {
				return err
			}
			if err := scanShort(p, "SOS"); err != nil {
				return malformed("metadata marker in SOS")
			}
			sos = p
		default:
			return malformed("unexpected marker 0x%02X before the first scan", m)
		}
	}
	if sof == nil {
		return malformed("scan before SOF")
	}
	if !exifOriented && xmpOriented != 0 {
		orientation = xmpOriented
	}
	if err := checkPixels(sof.width, sof.height, opts); err != nil {
		return err
	}
	rep.Width, rep.Height = sof.width, sof.height

	// ICC: reassemble, keep only a known profile.
	var icc []byte
	if len(iccChunks) > 0 || iccBad {
		rep.ICC = ICCDropped
		if !iccBad && len(iccChunks) == iccCount {
			var whole []byte
			for i := 1; i <= iccCount; i++ {
				whole = append(whole, iccChunks[i]...)
			}
			if space := knownProfile(whole); space != "" {
				icc = whole
				rep.ICC = iccReport(space)
				rep.Removed = without(rep.Removed, "APP2 ICC_PROFILE")
			}
		}
	}
	if adobe != nil && sof.comps == 1 {
		adobe = nil
		rep.remove("APP14 Adobe")
	}
	kept = dropUnusedTables(kept, sos, rep)
	head := getWriter(w)
	defer putWriter(head)
	if orientation != 1 && !opts.inspect {
		return orientJPEG(br, head, jfif, adobe, icc, kept, sos, orientation, opts, rep)
	}
	var tables scrubTables // the table rules of Verify, so Scrub fails closed
	if err := tables.header(kept, sos); err != nil {
		return err
	}
	head.Write([]byte{0xFF, mSOI})
	if err := writeHeader(head, jfif, adobe, icc, kept); err != nil {
		return err
	}
	if err := (jpegSeg{mSOS, sos}).writeTo(head); err != nil {
		return err
	}
	if err := head.Flush(); err != nil {
		return err
	}
	// Scans go to w directly (large blocks); the few segments between
	// scans are small writes.
	for {
		m, err := copyScan(br, w)
		if err != nil {
			return err
		}
		for m != mSOS && m != mEOI {
			switch {
			case m == 0x01 || (m >= 0xD0 && m <= 0xD7) || m == mSOI:
				return malformed("marker 0x%02X between scans", m)
			}
			p, err := readSegment(br, m)
			if err != nil {
				return err
			}
			switch {
			case m == mDHT, m == mDQT, m == mDRI:
				if err := scanShort(p, "table segment"); err != nil {
					return malformed("metadata marker in a table segment")
				}
				if err := tables.seg(m, p); err != nil {
					return err
				}
				if err := (jpegSeg{m, p}).writeTo(w); err != nil {
					return err
				}
			case m >= mAPP0 && m <= mAP15, m == mCOM:
				rep.remove(appName(m, p))
			default:
				return malformed("marker 0x%02X between scans", m)
			}
			if m, err = readMarker(br); err != nil {
				return err
			}
		}
		if m == mEOI {
			break
		}
		p, err := readSegment(br, mSOS)
		if err != nil {
			return err
		}
		if err := checkSOS(p); err != nil {
			return err
		}
		if err := tables.seg(mSOS, p); err != nil {
			return err
		}
		if err := scanShort(p, "SOS"); err != nil {
			return malformed("metadata marker in SOS")
		}
		if err := (jpegSeg{mSOS, p}).writeTo(w); err != nil {
			return err
		}
	}
	if err := tables.end(); err != nil {
		return err
	}
	if _, err := w.Write([]byte{0xFF, mEOI}); err != nil {
		return err
	}
	if b, err := br.Peek(1); err == nil && len(b) > 0 {
		rep.remove("trailer after EOI")
	}
	return nil
}

// writeHeader writes JFIF, Adobe and ICC segments then the kept tables.
func writeHeader(w io.Writer, jfif, adobe, icc []byte, kept []jpegSeg) error {
	if jfif != nil {
		if err := (jpegSeg{mAPP0, jfif}).writeTo(w); err != nil {
			return err
		}
	}
	if adobe != nil {
		if err := (jpegSeg{mAP14, adobe}).writeTo(w); err != nil {
			return err
		}
	}
	if err := writeICC(w, icc); err != nil {
		return err
	}
	for _, s := range kept {
		if err := s.writeTo(w); err != nil {
			return err
		}
	}
	return nil
}

// writeICC writes a profile as APP2 ICC_PROFILE chunks (ICC.1:2010 B.4).
func writeICC(w io.Writer, icc []byte) error {
	if len(icc) == 0 {
		return nil
	}
	n := (len(icc) + iccChunkMax - 1) / iccChunkMax
	if n > 255 {
		return malformed("ICC profile too large")
	}
	for i := 0; i < n; i++ {
		part := icc[i*iccChunkMax : min(len(icc), (i+1)*iccChunkMax)]
		p := append(append([]byte(iccSig), byte(i+1), byte(n)), part...)
		if err := (jpegSeg{mAPP2, p}).writeTo(w); err != nil {
			return err
		}
	}
	return nil
}

// reencodeJPEG decodes data (the whole stream from SOI, with the tables and
// scans, no APPn; the Adobe segment, if any, is given apart), applies the EXIF orientation and writes a new JPEG at
// quality 92 (4:2:0, image/jpeg's only sampling). Decoding goes through
// decodeJPEG, so a progressive file with restart markers works too.
func reencodeJPEG(data []byte, w *bufio.Writer, jfif, adobe, icc []byte, orientation int, opts Options, rep *Report) error {
	if adobe != nil {
		// The Adobe segment's colour transform decides how image/jpeg
		// reads the components (YCbCr or RGB).
		var withAdobe bytes.Buffer
		withAdobe.Write(data[:2])
		if err := (jpegSeg{mAP14, adobe}).writeTo(&withAdobe); err != nil {
			return err
		}
		withAdobe.Write(data[2:])
		data = withAdobe.Bytes()
	}
	img, err := decodeJPEG(data, opts)
	if err != nil {
		var ue jpeg.UnsupportedError
		if errors.As(err, &ue) {
			return &UnsupportedError{Format: fmt.Sprintf("jpeg (%s, with EXIF orientation %d: it cannot be turned upright here)", string(ue), orientation)}
		}
		return fmt.Errorf("decoding for orientation %d: %w: %v", orientation, ErrMalformed, err)
	}
	out := orient(img, orientation)
	b := out.Bounds()
	rep.Width, rep.Height = b.Dx(), b.Dy()
	rep.Orientation = OrientationReencoded
	var enc bytes.Buffer
	if err := jpeg.Encode(&enc, out, &jpeg.Options{Quality: 92}); err != nil {
		return fmt.Errorf("re-encoding: %w", err)
	}
	e := enc.Bytes()
	if len(e) < 2 {
		return malformed("encoder output")
	}
	w.Write(e[:2])
	if err := writeHeader(w, jfif, nil, icc, nil); err != nil {
		return err
	}
	w.Write(e[2:])
	return w.Flush()
}

// appName names an APPn or COM segment for Report.Removed, from its marker
// and signature only.
func appName(m byte, p []byte) string {
	has := func(s string) bool { return bytes.HasPrefix(p, []byte(s)) }
	switch {
	case m == mCOM:
		return "COM"
	case m == mAPP0 && has("JFXX\x00"):
		return "APP0 JFXX thumbnail"
	case m == mAPP0 && has(jfifSig):
		return "APP0 JFIF (duplicate)"
	case m == mAPP1 && has(exifSig):
		return "APP1 Exif"
	case m == mAPP1 && (has(xmpSig) || has(xmpExSig)):
		return "APP1 XMP"
	case m == mAPP2 && has(mpfSig):
		return "APP2 MPF"
	case m == mAPP2 && has(iccSig):
		return "APP2 ICC_PROFILE"
	case m == mAP13 && has(psSig):
		return "APP13 Photoshop/IPTC"
	case m == mAP14 && has(adobeSig):
		return "APP14 Adobe"
	}
	return fmt.Sprintf("APP%d", m-mAPP0)
}

func without(list []string, s string) []string {
	out := list[:0]
	for _, x := range list {
		if x != s {
			out = append(out, x)
		}
	}
	return out
}

// checkSOS checks a scan header's length against its component count
// (T.81 B.2.3).
func checkSOS(p []byte) error {
	if len(p) < 1 || p[0] < 1 || p[0] > 4 || len(p) != 4+2*int(p[0]) {
		return malformed("SOS header")
	}
	return nil
}

package media

import (
	"bufio"
	"bytes"
	"compress/zlib"
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"io"
)

const pngSig = "\x89PNG\r\n\x1a\n"

// maxICC bounds an inflated ICC profile (the largest profiles in common use,
// LUT-based printer profiles, are a few MiB).
const maxICC = 8 << 20

// maxPNGChunk bounds a kept non-IDAT chunk held in memory.
const maxPNGChunk = 16 << 20

// pngLengths are the fixed chunk lengths (PNG 3rd ed. section 11).
var pngLengths = map[string]int{"IHDR": 13, "gAMA": 4, "cHRM": 32, "sRGB": 1, "pHYs": 9, "IEND": 0}

// pngAncillaryKept is the ancillary chunk allow-list (issue #4): colour and
// transparency information without text. iCCP is handled separately.
var pngAncillaryKept = map[string]bool{"tRNS": true, "gAMA": true, "cHRM": true, "sRGB": true, "pHYs": true}

type pngHeader struct {
	width, height int
	depth, ctype  byte
}

// parseIHDR checks an IHDR payload (PNG 3rd ed. 11.2.1).
func parseIHDR(p []byte) (pngHeader, error) {
	if len(p) != 13 {
		return pngHeader{}, malformed("IHDR length %d", len(p))
	}
	h := pngHeader{width: int(binary.BigEndian.Uint32(p)), height: int(binary.BigEndian.Uint32(p[4:])), depth: p[8], ctype: p[9]}
	if h.width > 1<<31-1 || h.height > 1<<31-1 {
		return h, malformed("IHDR dimensions")
	}
	ok := false
	switch h.ctype {
	case 0:
		ok = h.depth == 1 || h.depth == 2 || h.depth == 4 || h.depth == 8 || h.depth == 16
	case 3:
		ok = h.depth == 1 || h.depth == 2 || h.depth == 4 || h.depth == 8
	case 2, 4, 6:
		ok = h.depth == 8 || h.depth == 16
	}
	if !ok {
		return h, malformed("IHDR colour type %d with bit depth %d", h.ctype, h.depth)
	}
	if p[10] != 0 || p[11] != 0 || p[12] > 1 {
		return h, malformed("IHDR compression, filter or interlace method")
	}
	return h, nil
}

// inflateICC inflates an iCCP payload's profile (after name, NUL, method).
func inflateICC(p []byte) (name string, profile []byte, compressed []byte, err error) {
	i := bytes.IndexByte(p, 0)
	if i < 1 || i > 79 || i+2 > len(p) || p[i+1] != 0 {
		return "", nil, nil, malformed("iCCP header")
	}
	zr, err := zlib.NewReader(bytes.NewReader(p[i+2:]))
	if err != nil {
		return "", nil, nil, malformed("iCCP data")
	}
	prof, err := io.ReadAll(io.LimitReader(zr, maxICC+1))
	if err != nil || len(prof) > maxICC {
		return "", nil, nil, malformed("iCCP data")
	}
	return string(p[:i]), prof, p[i+2:], nil
}

// pngChunk writes one chunk with its CRC.
func pngChunk(w io.Writer, typ string, data []byte) error {
	var h [8]byte
	binary.BigEndian.PutUint32(h[:], uint32(len(data)))
	copy(h[4:], typ)
	c := crc32.NewIEEE()
	c.Write(h[4:])
	c.Write(data)
	var t [4]byte
	binary.BigEndian.PutUint32(t[:], c.Sum32())
	for _, b := range [][]byte{h[:], data, t[:]} {
		if _, err := w.Write(b); err != nil {
			return err
		}
	}
	return nil
}

// scrubPNG copies the allowed chunks (see the package doc) and drops the
// rest, streaming. Orientation: browsers display a PNG as its eXIf
// orientation says (CSS Images 3 image-orientation: from-image, and the
// W3C PNG 3rd edition eXIf tests, w3c/png#310) when the eXIf chunk comes
// before the image data; after it they may ignore it (csswg-drafts#4929).
// Dropping eXIf would then change how the image looks, so with eXIf
// orientation 2-8 before the first IDAT, the image is decoded, flipped or
// rotated pixel for pixel and re-encoded (reorientPNG; Report.Orientation
// OrientationPixelExact), holding the compressed data and the decoded
// image in memory (bounded by MaxBytes and MaxPixels). An eXIf chunk after
// the IDAT run is dropped without being applied, as browsers do.
func scrubPNG(br *bufio.Reader, w io.Writer, opts Options, rep *Report) error {
	var sig [8]byte
	if _, err := io.ReadFull(br, sig[:]); err != nil || string(sig[:]) != pngSig {
		return malformed("signature")
	}
	bw := getWriter(w)
	defer putWriter(bw)
	bw.Write(sig[:])
	var (
		hdr       pngHeader
		first     = true
		seenPLTE  bool
		idatState int // 0 none yet, 1 in IDAT run, 2 after IDAT run
		seen      = map[string]bool{}
		buf       = make([]byte, 32<<10)
		chunkHead [8]byte
		crcBytes  [4]byte

		// eXIf orientation before the IDAT run (see scrubPNG's doc):
		// with 2-8, the IDAT chunks are held in idat and the image is
		// re-encoded at IEND from the kept chunks in pre.
		orientation = 1
		seenEXIf    bool
		pre         []pngKept
		preLen      = len(pngSig)
		idat        *bytes.Buffer
	)
	for {
		if _, err := io.ReadFull(br, chunkHead[:]); err != nil {
			return truncated(err, "chunk header")
		}
		n := binary.BigEndian.Uint32(chunkHead[:4])
		typ := string(chunkHead[4:8])
		if n > 1<<31-1 {
			return malformed("chunk %q length", typ)
		}
		for _, c := range chunkHead[4:8] {
			if !(c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z') {
				return malformed("chunk type bytes")
			}
		}
		if first != (typ == "IHDR") {
			return malformed("IHDR must come first, once")
		}
		crc := crc32.NewIEEE()
		crc.Write(chunkHead[4:8])
		critical := typ[0] >= 'A' && typ[0] <= 'Z'
		keepSmall := typ == "IHDR" || typ == "PLTE" || typ == "IEND" || typ == "iCCP" || pngAncillaryKept[typ]
		if critical && !keepSmall && typ != "IDAT" {
			return &UnsupportedError{Format: "png (unknown critical chunk " + fmt.Sprintf("%q", typ) + ")"}
		}
		if typ == "IDAT" {
			if idatState == 2 {
				return malformed("IDAT chunks not consecutive")
			}
			if hdr.ctype == 3 && !seenPLTE {
				return malformed("PLTE missing for a palette image")
			}
			if idatState == 0 && orientation != 1 && !opts.inspect {
				idat = new(bytes.Buffer)
			}
			idatState = 1
			if idat != nil {
				idat.Write(chunkHead[:])
				if err := copyCRC(br, io.MultiWriter(idat, crc), int64(n), buf); err != nil {
					return truncated(err, "IDAT")
				}
				if _, err := io.ReadFull(br, crcBytes[:]); err != nil {
					return truncated(err, "IDAT CRC")
				}
				if binary.BigEndian.Uint32(crcBytes[:]) != crc.Sum32() {
					return malformed("IDAT CRC mismatch")
				}
				idat.Write(crcBytes[:])
				continue
			}
			if _, err := bw.Write(chunkHead[:]); err != nil {
				return err
			}
			if err := copyCRC(br, io.MultiWriter(bw, crc), int64(n), buf); err != nil {
				return truncated(err, "IDAT")
			}
			if _, err := io.ReadFull(br, crcBytes[:]); err != nil {
				return truncated(err, "IDAT CRC")
			}
			if binary.BigEndian.Uint32(crcBytes[:]) != crc.Sum32() {
				return malformed("IDAT CRC mismatch")
			}
			bw.Write(crcBytes[:])
			continue
		}
		if idatState == 1 {
			idatState = 2
		}
		if !keepSmall {
			var exif *bytes.Buffer
			dst := io.Writer(crc)
			if typ == "eXIf" && !seenEXIf && idatState == 0 && n <= maxPNGChunk {
				exif = new(bytes.Buffer)
				dst = io.MultiWriter(crc, exif)
			}
			if err := copyCRC(br, dst, int64(n), buf); err != nil {
				return truncated(err, fmt.Sprintf("chunk %q", typ))
			}
			if _, err := io.ReadFull(br, crcBytes[:]); err != nil {
				return truncated(err, "CRC")
			}
			if binary.BigEndian.Uint32(crcBytes[:]) != crc.Sum32() {
				return malformed("chunk %q CRC mismatch", typ)
			}
			if exif != nil {
				seenEXIf = true
				orientation = pngExifOrientation(exif.Bytes())
			}
			rep.remove(typ)
			continue
		}
		if n > maxPNGChunk {
			return malformed("chunk %q too large", typ)
		}
		data := make([]byte, n)
		if _, err := io.ReadFull(br, data); err != nil {
			return truncated(err, fmt.Sprintf("chunk %q", typ))
		}
		if _, err := io.ReadFull(br, crcBytes[:]); err != nil {
			return truncated(err, "CRC")
		}
		crc.Write(data)
		if binary.BigEndian.Uint32(crcBytes[:]) != crc.Sum32() {
			return malformed("chunk %q CRC mismatch", typ)
		}
		if typ != "iCCP" {
			if err := scanShort(data, "chunk "+typ); err != nil {
				return malformed("metadata marker in chunk %s", typ)
			}
		}
		if typ != "IHDR" && typ != "IEND" && idatState != 0 {
			return malformed("chunk %q after IDAT", typ)
		}
		if want, ok := pngLengths[typ]; ok && len(data) != want {
			return malformed("chunk %s length %d", typ, len(data))
		}
		if seen[typ] {
			return malformed("chunk %s repeated", typ)
		}
		seen[typ] = true
		switch typ {
		case "IHDR":
			first = false
			h, err := parseIHDR(data)
			if err != nil {
				return err
			}
			if err := checkPixels(h.width, h.height, opts); err != nil {
				return err
			}
			hdr = h
			rep.Width, rep.Height = h.width, h.height
		case "PLTE":
			if hdr.ctype == 0 || hdr.ctype == 4 || len(data)%3 != 0 || len(data) == 0 || len(data) > 768 {
				return malformed("PLTE for colour type %d with length %d", hdr.ctype, len(data))
			}
			seenPLTE = true
		case "tRNS":
			if hdr.ctype == 3 && !seenPLTE {
				return malformed("tRNS before PLTE")
			}
		case "iCCP":
			rep.ICC = ICCDropped
			_, prof, comp, err := inflateICC(data)
			space := ""
			if err == nil {
				space = knownProfile(prof)
			}
			if space == "" {
				rep.remove("iCCP")
				continue
			}
			rep.ICC = iccReport(space)
			data = append(append([]byte(space), 0, 0), comp...)
		case "IEND":
			if idatState == 0 {
				return malformed("no IDAT")
			}
			if idat != nil {
				// Nothing but the signature and the small kept chunks
				// has been written, all still in bw (a kept iCCP is a
				// known profile of at most 20,420 bytes): drop them and
				// write the re-encoded image instead.
				if bw.Buffered() != preLen {
					return malformed("png header already flushed")
				}
				bw.Reset(w)
				var out bytes.Buffer
				if err := reorientPNG(&out, pre, idat.Bytes(), orientation, rep); err != nil {
					return err
				}
				bw.Write(out.Bytes())
			} else if err := pngChunk(bw, typ, nil); err != nil {
				return err
			}
			if b, err := br.Peek(1); err == nil && len(b) > 0 {
				rep.remove("trailer after IEND")
			}
			return bw.Flush()
		}
		if err := pngChunk(bw, typ, data); err != nil {
			return err
		}
		pre = append(pre, pngKept{typ, data})
		preLen += pngChunkLen(data)
	}
}

// copyCRC copies exactly n bytes from r to w through buf.
func copyCRC(r io.Reader, w io.Writer, n int64, buf []byte) error {
	for n > 0 {
		b := buf
		if int64(len(b)) > n {
			b = b[:n]
		}
		k, err := io.ReadFull(r, b)
		if k > 0 {
			if _, werr := w.Write(b[:k]); werr != nil {
				return werr
			}
			n -= int64(k)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

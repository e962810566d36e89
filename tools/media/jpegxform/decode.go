package jpegxform

import (
	"encoding/binary"
	"errors"
	"fmt"
)

// Sentinel errors; test with errors.Is.
var (
	// ErrNotPerfect: the transform would move a partial MCU at the right
	// or bottom edge (jpegtran -perfect would refuse it too); re-encode
	// instead.
	ErrNotPerfect = errors.New("orientation cannot be applied losslessly to these dimensions")
	// ErrUnsupported: a valid JPEG coding this package does not handle
	// (arithmetic coding, 12-bit precision, lossless or hierarchical
	// processes, DNL, 2 or 4 components); re-encode instead.
	ErrUnsupported = errors.New("unsupported jpeg coding")
	// ErrMalformed: the stream breaks ITU-T T.81 (bad segment length,
	// undefined table, corrupt entropy-coded data, missing marker).
	ErrMalformed = errors.New("malformed jpeg")
	// ErrLimit: the image's dimensions or number of scans exceed Limits.
	ErrLimit = errors.New("jpeg dimensions exceed the limits")
)

// JPEG markers (ITU-T T.81 Table B.1).
const (
	mSOF0 = 0xC0
	mSOF1 = 0xC1
	mSOF2 = 0xC2
	mDHT  = 0xC4
	mRST0 = 0xD0
	mSOI  = 0xD8
	mEOI  = 0xD9
	mSOS  = 0xDA
	mDQT  = 0xDB
	mDNL  = 0xDC
	mDRI  = 0xDD
	mAPP0 = 0xE0
	mAP15 = 0xEF
	mCOM  = 0xFE
)

// unzig maps a zig-zag index (T.81 Figure A.6) to the natural index v*8+u.
var unzig = [64]uint8{
	0, 1, 8, 16, 9, 2, 3, 10,
	17, 24, 32, 25, 18, 11, 4, 5,
	12, 19, 26, 33, 40, 48, 41, 34,
	27, 20, 13, 6, 7, 14, 21, 28,
	35, 42, 49, 56, 57, 50, 43, 36,
	29, 22, 15, 23, 30, 37, 44, 51,
	58, 59, 52, 45, 38, 31, 39, 46,
	53, 60, 61, 54, 47, 55, 62, 63,
}

// Block is one 8x8 block of quantised DCT coefficients in natural order:
// index v*8+u holds the coefficient of vertical frequency v and horizontal
// frequency u (T.81 A.3.3); index 0 is the DC coefficient.
type Block [64]int16

// Component is one colour component of an Image.
type Component struct {
	// ID is the component identifier C of the frame header (T.81 B.2.2).
	ID byte
	// H and V are the horizontal and vertical sampling factors, 1-4.
	// A single-component image always has H = V = 1 (T.81 A.2.1: its
	// scan is non-interleaved whatever the header says).
	H, V int
	// Quant is the quantisation table the component's blocks were coded
	// with, in natural order, as latched at the component's first scan.
	Quant [64]uint16
	// BlocksWide and BlocksHigh give the block grid, padded to whole
	// MCUs of the interleaved layout (T.81 A.2.4).
	BlocksWide, BlocksHigh int
	// Blocks holds BlocksWide*BlocksHigh blocks, row by row. Blocks
	// outside the component's own area (MCU padding) are those coded in an
	// interleaved scan, or zero.
	Blocks []Block
}

// Image is a JPEG image as quantised DCT coefficients.
type Image struct {
	// Width and Height are the image's size in pixels.
	Width, Height int
	// Components are 1 (greyscale) or 3 (normally YCbCr), in frame order.
	Components []Component
	// Progressive reports a SOF2 input.
	Progressive bool
	// End is the offset just after EOI in Decode's input; bytes from End
	// on are a trailer Decode ignored.
	End int
	// Skipped lists the markers of APPn and COM segments Decode skipped,
	// in order.
	Skipped []byte
	// Stray lists every place where Decode skipped bytes that carry no
	// image data, in file order: whole bytes between the last coded bit of
	// a scan (or of a restart interval) and the marker that follows,
	// padding bits that are not 1-bits (T.81 F.1.2.3: the final byte is
	// padded with 1-bits), and bytes before a marker between segments
	// (T.81 B.1.1.2 allows only 0xFF fill bytes there). libjpeg and
	// image/jpeg skip such bytes too (djpeg warns "Corrupt JPEG data: N
	// extraneous bytes before marker"); a caller proving a file holds
	// nothing but the image refuses any.
	Stray []Stray
}

// Stray is one run of bytes Decode skipped; see Image.Stray. It gives
// positions and counts only, never the bytes.
type Stray struct {
	// Scan is the 1-based number of the scan the bytes follow; 0 before
	// the first scan.
	Scan int
	// Interval is the 0-based restart interval of the scan whose end the
	// bytes follow, or -1 when they follow the scan's last MCU or lie
	// between segments.
	Interval int
	// InScan reports bytes at the end of entropy-coded data (after the
	// last MCU of the scan or interval); false for bytes between segments.
	InScan bool
	// Offset is the offset in Decode's input of the first skipped byte
	// (approximate by the stuffed bytes among them for bytes read ahead
	// into the bit buffer).
	Offset int
	// Bytes is the number of whole bytes skipped, counting a stuffed
	// 0xFF 0x00 inside entropy-coded data as one byte and no fill byte
	// 0xFF before the marker.
	Bytes int
	// BadPadding reports a final partial byte whose unused bits are not
	// all 1-bits.
	BadPadding bool
	// Marker is the marker that follows the bytes.
	Marker byte
}

// Limits bounds what Decode accepts, checked before any allocation that
// depends on the image size.
type Limits struct {
	// MaxWidth and MaxHeight are the largest dimensions in pixels;
	// 0 means 65535 (the largest a frame header can state).
	MaxWidth, MaxHeight int
	// MaxPixels is the largest Width*Height; 0 means 50,000,000.
	MaxPixels int64
	// MaxScans is the largest number of scans; 0 means 256. Every scan
	// visits every block of its components, so a file of many tiny
	// progressive scans (a few bytes each, one EOB run) would otherwise
	// cost CPU time far out of proportion to its size (the same guard
	// as libjpeg-turbo's djpeg -maxscans). Encoders write at most a few
	// dozen.
	MaxScans int
}

// mcuSize returns the MCU size in pixels of the interleaved layout: 8x8
// for one component, 8*Hmax x 8*Vmax otherwise (T.81 A.2.4).
func (img *Image) mcuSize() (int, int) {
	hmax, vmax := 1, 1
	for _, c := range img.Components {
		hmax, vmax = max(hmax, c.H), max(vmax, c.V)
	}
	return 8 * hmax, 8 * vmax
}

func malformed(format string, args ...any) error {
	return fmt.Errorf("%s: %w", fmt.Sprintf(format, args...), ErrMalformed)
}

func unsupported(what string) error {
	return fmt.Errorf("%s: %w", what, ErrUnsupported)
}

type scanComp struct {
	ci     int // index in Image.Components
	td, ta int // DC and AC table selectors
}

type decoder struct {
	data    []byte
	pos     int
	img     *Image
	quant   [4]*[64]uint16
	latched []bool
	tq      []int
	dc, ac  [4]*huffTable
	ri      int
	frame   bool
	hmax    int
	vmax    int
	mcux    int
	mcuy    int
	eobrun  int
	scans   int
	br      bitReader
}

// Decode reads a complete JPEG stream (SOI to EOI) into quantised
// coefficients. It checks the frame size against lim before allocating
// the blocks (about 128 bytes per 64 samples of each component). Errors
// wrap ErrMalformed, ErrUnsupported or ErrLimit and name the segment or
// the scan position concerned.
func Decode(data []byte, lim Limits) (*Image, error) {
	d := &decoder{data: data, img: &Image{}}
	if len(data) < 2 || data[0] != 0xFF || data[1] != mSOI {
		return nil, malformed("missing SOI")
	}
	d.pos = 2
	maxScans := lim.MaxScans
	if maxScans <= 0 {
		maxScans = 256
	}
	for {
		m, err := d.marker()
		if err != nil {
			return nil, err
		}
		switch {
		case m == mEOI:
			if !d.frame {
				return nil, malformed("EOI before a frame")
			}
			for ci, l := range d.latched {
				if !l {
					return nil, malformed("component %d has no scan", d.img.Components[ci].ID)
				}
			}
			d.img.End = d.pos
			return d.img, nil
		case m >= mRST0 && m <= mRST0+7:
			// A stray RSTn after a scan's last MCU: nothing to read.
			continue
		case m == mSOI || m == 0x01:
			return nil, malformed("marker 0x%02X out of place", m)
		}
		p, err := d.segment(m)
		if err != nil {
			return nil, err
		}
		switch {
		case m == mSOF0, m == mSOF1, m == mSOF2:
			if err := d.sof(m, p, lim); err != nil {
				return nil, err
			}
		case m >= 0xC3 && m <= 0xCF && m != mDHT && m != 0xCC:
			return nil, unsupported(fmt.Sprintf("frame marker 0x%02X (lossless, hierarchical or arithmetic-coded)", m))
		case m == 0xCC:
			return nil, unsupported("arithmetic conditioning (DAC)")
		case m == mDHT:
			if err := d.dht(p); err != nil {
				return nil, err
			}
		case m == mDQT:
			if err := d.dqt(p); err != nil {
				return nil, err
			}
		case m == mDRI:
			if len(p) != 2 {
				return nil, malformed("DRI length %d", len(p))
			}
			d.ri = int(binary.BigEndian.Uint16(p))
		case m == mSOS:
			if d.scans++; d.scans > maxScans {
				return nil, fmt.Errorf("more than %d scans: %w", maxScans, ErrLimit)
			}
			if err := d.sos(p); err != nil {
				return nil, err
			}
		case m == mDNL:
			return nil, unsupported("DNL marker")
		case m >= mAPP0 && m <= mAP15, m == mCOM:
			d.img.Skipped = append(d.img.Skipped, m)
		default:
			return nil, malformed("unexpected marker 0x%02X", m)
		}
	}
}

// marker reads the next marker at d.pos, skipping fill bytes (T.81
// B.1.1.2) and, as libjpeg and image/jpeg do, stray bytes before it
// (nothing is copied from them: the output is re-encoded from the
// coefficients).
func (d *decoder) marker() (byte, error) {
	start, stray := d.pos, 0
	for {
		for d.pos < len(d.data) && d.data[d.pos] != 0xFF {
			d.pos++
			stray++
		}
		for d.pos < len(d.data) && d.data[d.pos] == 0xFF {
			d.pos++
		}
		if d.pos >= len(d.data) {
			return 0, malformed("missing EOI")
		}
		m := d.data[d.pos]
		d.pos++
		if m != 0 {
			if stray > 0 {
				d.img.Stray = append(d.img.Stray, Stray{Scan: d.scans, Interval: -1, Offset: start, Bytes: stray, Marker: m})
			}
			return m, nil
		}
		stray += 2 // 0xFF 0x00 outside entropy-coded data
	}
}

func (d *decoder) segment(m byte) ([]byte, error) {
	if d.pos+2 > len(d.data) {
		return nil, malformed("segment 0x%02X: truncated length", m)
	}
	n := int(binary.BigEndian.Uint16(d.data[d.pos:]))
	if n < 2 || d.pos+n > len(d.data) {
		return nil, malformed("segment 0x%02X: length %d past the end", m, n)
	}
	p := d.data[d.pos+2 : d.pos+n]
	d.pos += n
	return p, nil
}

func (d *decoder) sof(m byte, p []byte, lim Limits) error {
	if d.frame {
		return malformed("second frame header")
	}
	if len(p) < 6 {
		return malformed("SOF length %d", len(p))
	}
	if p[0] != 8 {
		return unsupported(fmt.Sprintf("%d-bit precision", p[0]))
	}
	h, w, n := int(binary.BigEndian.Uint16(p[1:])), int(binary.BigEndian.Uint16(p[3:])), int(p[5])
	if h == 0 {
		return unsupported("height defined by DNL")
	}
	if w == 0 {
		return malformed("SOF width 0")
	}
	if n != 1 && n != 3 {
		return unsupported(fmt.Sprintf("%d components", n))
	}
	if len(p) != 6+3*n {
		return malformed("SOF length %d for %d components", len(p), n)
	}
	maxW, maxH, maxP := lim.MaxWidth, lim.MaxHeight, lim.MaxPixels
	if maxW <= 0 {
		maxW = 65535
	}
	if maxH <= 0 {
		maxH = 65535
	}
	if maxP <= 0 {
		maxP = 50_000_000
	}
	if w > maxW || h > maxH || int64(w)*int64(h) > maxP {
		return fmt.Errorf("frame %dx%d: %w", w, h, ErrLimit)
	}
	img := d.img
	img.Width, img.Height, img.Progressive = w, h, m == mSOF2
	img.Components = make([]Component, n)
	d.tq = make([]int, n)
	d.latched = make([]bool, n)
	d.hmax, d.vmax = 1, 1
	for i := range n {
		c := &img.Components[i]
		q := p[6+3*i:]
		c.ID, c.H, c.V = q[0], int(q[1]>>4), int(q[1]&15)
		if c.H < 1 || c.H > 4 || c.V < 1 || c.V > 4 {
			return malformed("SOF component %d sampling factors %dx%d", c.ID, c.H, c.V)
		}
		if q[2] > 3 {
			return malformed("SOF component %d quantisation table %d", c.ID, q[2])
		}
		d.tq[i] = int(q[2])
		for j := range i {
			if img.Components[j].ID == c.ID {
				return malformed("SOF component id %d twice", c.ID)
			}
		}
		if n == 1 {
			c.H, c.V = 1, 1
		}
		d.hmax, d.vmax = max(d.hmax, c.H), max(d.vmax, c.V)
	}
	d.mcux = (w + 8*d.hmax - 1) / (8 * d.hmax)
	d.mcuy = (h + 8*d.vmax - 1) / (8 * d.vmax)
	for i := range img.Components {
		c := &img.Components[i]
		c.BlocksWide, c.BlocksHigh = d.mcux*c.H, d.mcuy*c.V
		c.Blocks = make([]Block, c.BlocksWide*c.BlocksHigh)
	}
	d.frame = true
	return nil
}

func (d *decoder) dqt(p []byte) error {
	for len(p) > 0 {
		pq, tq := p[0]>>4, p[0]&15
		if pq > 1 || tq > 3 {
			return malformed("DQT table %d precision %d", tq, pq)
		}
		size := 64 << pq
		if len(p) < 1+size {
			return malformed("DQT table %d truncated", tq)
		}
		t := new([64]uint16)
		for k := range 64 {
			var v uint16
			if pq == 0 {
				v = uint16(p[1+k])
			} else {
				v = binary.BigEndian.Uint16(p[1+2*k:])
			}
			if v == 0 {
				return malformed("DQT table %d entry %d is zero", tq, k)
			}
			t[unzig[k]] = v
		}
		d.quant[tq] = t
		p = p[1+size:]
	}
	return nil
}

func (d *decoder) dht(p []byte) error {
	for len(p) > 0 {
		if len(p) < 17 {
			return malformed("DHT truncated")
		}
		tc, th := p[0]>>4, p[0]&15
		if tc > 1 || th > 3 {
			return malformed("DHT class %d table %d", tc, th)
		}
		var counts [16]int
		total := 0
		for i := range 16 {
			counts[i] = int(p[1+i])
			total += counts[i]
		}
		if total > 256 || len(p) < 17+total {
			return malformed("DHT class %d table %d: %d codes", tc, th, total)
		}
		t, err := newHuffTable(counts, p[17:17+total])
		if err != nil {
			return fmt.Errorf("DHT class %d table %d: %w", tc, th, err)
		}
		if tc == 0 {
			d.dc[th] = t
		} else {
			d.ac[th] = t
		}
		p = p[17+total:]
	}
	return nil
}

func (d *decoder) sos(p []byte) error {
	if !d.frame {
		return malformed("SOS before SOF")
	}
	if len(p) < 1 {
		return malformed("SOS empty")
	}
	ns := int(p[0])
	if ns < 1 || ns > 4 || len(p) != 4+2*ns {
		return malformed("SOS length %d for %d components", len(p), ns)
	}
	comps := make([]scanComp, ns)
	blocks := 0
	for i := range ns {
		id, t := p[1+2*i], p[2+2*i]
		ci := -1
		for j, c := range d.img.Components {
			if c.ID == id {
				ci = j
			}
		}
		if ci < 0 {
			return malformed("SOS component id %d not in the frame", id)
		}
		for j := range i {
			if comps[j].ci == ci {
				return malformed("SOS component id %d twice", id)
			}
		}
		comps[i] = scanComp{ci: ci, td: int(t >> 4), ta: int(t & 15)}
		if comps[i].td > 3 || comps[i].ta > 3 {
			return malformed("SOS component id %d table selectors 0x%02X", id, t)
		}
		c := d.img.Components[ci]
		blocks += c.H * c.V
	}
	if ns > 1 && blocks > 10 {
		return malformed("SOS: %d blocks per MCU", blocks)
	}
	ss, se, ah, al := int(p[1+2*ns]), int(p[2+2*ns]), int(p[3+2*ns]>>4), int(p[3+2*ns]&15)
	if d.img.Progressive {
		switch {
		case ss == 0 && se != 0, ss > se, se > 63:
			return malformed("SOS spectral selection %d-%d", ss, se)
		case ss > 0 && ns != 1:
			return malformed("SOS: AC scan of %d components", ns)
		case al > 13, ah != 0 && ah != al+1:
			return malformed("SOS successive approximation Ah=%d Al=%d", ah, al)
		}
	} else if ss != 0 || se != 63 || ah != 0 || al != 0 {
		return malformed("SOS of a sequential frame: Ss=%d Se=%d Ah=%d Al=%d", ss, se, ah, al)
	}
	// Latch quantisation tables and check the Huffman tables this scan uses.
	for _, sc := range comps {
		if !d.latched[sc.ci] {
			q := d.quant[d.tq[sc.ci]]
			if q == nil {
				return malformed("quantisation table %d not defined before its first scan", d.tq[sc.ci])
			}
			d.img.Components[sc.ci].Quant = *q
			d.latched[sc.ci] = true
		}
		if ss == 0 && ah == 0 && d.dc[sc.td] == nil {
			return malformed("DC Huffman table %d not defined", sc.td)
		}
		if se > 0 && d.ac[sc.ta] == nil {
			return malformed("AC Huffman table %d not defined", sc.ta)
		}
	}
	return d.scan(comps, ss, se, ah, al)
}

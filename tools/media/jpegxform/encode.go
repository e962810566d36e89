package jpegxform

import (
	"bufio"
	"encoding/binary"
	"fmt"
	"io"
	"math/bits"
)

// EncodeOptions shapes Encode's output.
type EncodeOptions struct {
	// RestartInterval, when positive, writes a DRI segment and an RSTn
	// marker after every RestartInterval MCUs (T.81 B.2.4.4, F.1.2.3);
	// at most 65535.
	RestartInterval int
}

// Encode writes img as a JPEG with one interleaved sequential scan and
// optimal Huffman tables (T.81 Annex K.2): SOI, DQT, SOF0 (SOF1 when a
// quantisation table has an entry above 255), DHT, DRI when asked, SOS,
// entropy-coded data, EOI. Component 0 uses Huffman tables 0, the others
// tables 1. It fails, wrapping ErrMalformed, when img is inconsistent or a
// coefficient is outside the 8-bit range (DC difference category above 11,
// AC above 10; T.81 F.1.2.1.1, F.1.2.2.1).
func Encode(w io.Writer, img *Image, opts EncodeOptions) error {
	if err := img.check(); err != nil {
		return err
	}
	if opts.RestartInterval < 0 || opts.RestartInterval > 0xFFFF {
		return fmt.Errorf("restart interval %d: not 0-65535", opts.RestartInterval)
	}
	e := &encoder{img: img, ri: opts.RestartInterval}
	nc := len(img.Components)
	// Quantisation tables: identical tables shared, at most 4.
	var tables [][64]uint16
	e.tq = make([]int, nc)
	for ci, c := range img.Components {
		e.tq[ci] = -1
		for ti, t := range tables {
			if t == c.Quant {
				e.tq[ci] = ti
			}
		}
		if e.tq[ci] < 0 {
			e.tq[ci] = len(tables)
			tables = append(tables, c.Quant)
		}
	}
	// Pass 1: symbol frequencies; then the tables.
	e.counting = true
	if err := e.scan(); err != nil {
		return err
	}
	ntab := min(nc, 2)
	for t := range ntab {
		e.dcTab[t] = optimalTable(&e.dcFreq[t])
		e.acTab[t] = optimalTable(&e.acFreq[t])
	}

	bw := bufio.NewWriterSize(w, 64<<10)
	e.w = bw
	bw.Write([]byte{0xFF, mSOI})
	sof := byte(mSOF0)
	for ti, t := range tables {
		wide := false
		for _, v := range t {
			if v > 255 || v == 0 {
				wide = true
			}
		}
		p := []byte{byte(ti)}
		if wide {
			sof = mSOF1
			p[0] |= 0x10
		}
		for k := range 64 {
			if wide {
				p = binary.BigEndian.AppendUint16(p, t[unzig[k]])
			} else {
				p = append(p, byte(t[unzig[k]]))
			}
		}
		writeSeg(bw, mDQT, p)
	}
	p := []byte{8}
	p = binary.BigEndian.AppendUint16(p, uint16(img.Height))
	p = binary.BigEndian.AppendUint16(p, uint16(img.Width))
	p = append(p, byte(nc))
	for ci, c := range img.Components {
		p = append(p, c.ID, byte(c.H<<4|c.V), byte(e.tq[ci]))
	}
	writeSeg(bw, sof, p)
	for t := range ntab {
		for class, tab := range []*encTable{e.dcTab[t], e.acTab[t]} {
			p := []byte{byte(class<<4 | t)}
			for _, n := range tab.counts {
				p = append(p, byte(n))
			}
			writeSeg(bw, mDHT, append(p, tab.vals...))
		}
	}
	if e.ri > 0 {
		writeSeg(bw, mDRI, binary.BigEndian.AppendUint16(nil, uint16(e.ri)))
	}
	p = []byte{byte(nc)}
	for ci, c := range img.Components {
		t := min(ci, 1)
		p = append(p, c.ID, byte(t<<4|t))
	}
	writeSeg(bw, mSOS, append(p, 0, 63, 0))
	// Pass 2: the entropy-coded data.
	e.counting = false
	if err := e.scan(); err != nil {
		return err
	}
	e.flushBits()
	bw.Write(e.buf)
	bw.Write([]byte{0xFF, mEOI})
	return bw.Flush()
}

// check verifies the invariants Encode relies on.
func (img *Image) check() error {
	nc := len(img.Components)
	if nc != 1 && nc != 3 {
		return malformed("image with %d components", nc)
	}
	if img.Width < 1 || img.Height < 1 || img.Width > 0xFFFF || img.Height > 0xFFFF {
		return malformed("image size %dx%d", img.Width, img.Height)
	}
	mw, mh := img.mcuSize()
	mcux, mcuy := (img.Width+mw-1)/mw, (img.Height+mh-1)/mh
	sum := 0
	for _, c := range img.Components {
		if c.H < 1 || c.H > 4 || c.V < 1 || c.V > 4 || (nc == 1 && (c.H != 1 || c.V != 1)) {
			return malformed("component %d sampling factors %dx%d", c.ID, c.H, c.V)
		}
		if c.BlocksWide != mcux*c.H || c.BlocksHigh != mcuy*c.V || len(c.Blocks) != c.BlocksWide*c.BlocksHigh {
			return malformed("component %d block grid %dx%d (%d blocks)", c.ID, c.BlocksWide, c.BlocksHigh, len(c.Blocks))
		}
		sum += c.H * c.V
	}
	if nc > 1 && sum > 10 {
		return malformed("%d blocks per MCU", sum)
	}
	return nil
}

func writeSeg(w *bufio.Writer, m byte, p []byte) {
	w.Write([]byte{0xFF, m, byte((len(p) + 2) >> 8), byte(len(p) + 2)})
	w.Write(p)
}

// encTable is a Huffman table for encoding: the DHT contents and, per
// symbol, the code and its length (T.81 C.1-C.3).
type encTable struct {
	counts [16]int
	vals   []byte
	code   [256]uint16
	size   [256]uint8
}

type encoder struct {
	img      *Image
	ri       int
	tq       []int
	counting bool
	dcFreq   [2][257]int64
	acFreq   [2][257]int64
	dcTab    [2]*encTable
	acTab    [2]*encTable
	w        *bufio.Writer
	buf      []byte // entropy-coded data
	acc      uint64
	nacc     int
}

// scan walks the MCUs in order (T.81 A.2.3), coding or counting each
// block, with restart markers every e.ri MCUs.
func (e *encoder) scan() error {
	img := e.img
	mw, mh := img.mcuSize()
	mcux, mcuy := (img.Width+mw-1)/mw, (img.Height+mh-1)/mh
	var preds [4]int32
	rst := 0
	for mcu := range mcux * mcuy {
		if e.ri > 0 && mcu > 0 && mcu%e.ri == 0 {
			if !e.counting {
				e.flushBits()
				e.buf = append(e.buf, 0xFF, byte(mRST0+rst))
			}
			rst = (rst + 1) & 7
			preds = [4]int32{}
		}
		mx, my := mcu%mcux, mcu/mcux
		for ci := range img.Components {
			c := &img.Components[ci]
			t := min(ci, 1)
			for y := range c.V {
				row := (my*c.V + y) * c.BlocksWide
				for x := range c.H {
					if err := e.block(&c.Blocks[row+mx*c.H+x], &preds[ci], t); err != nil {
						return fmt.Errorf("component %d block (%d,%d): %w", c.ID, mx*c.H+x, my*c.V+y, err)
					}
				}
			}
		}
	}
	return nil
}

// block codes one block (T.81 F.1.2.1 DC difference, F.1.2.2 AC runs).
func (e *encoder) block(b *Block, pred *int32, t int) error {
	diff := int32(b[0]) - *pred
	*pred = int32(b[0])
	s := category(diff)
	if s > 11 {
		return malformed("DC difference %d out of range", diff)
	}
	if e.counting {
		e.dcFreq[t][s]++
	} else {
		e.emitSym(e.dcTab[t], s)
		e.emitBits(diff, s)
	}
	run := 0
	for k := 1; k < 64; k++ {
		v := int32(b[unzig[k]])
		if v == 0 {
			run++
			continue
		}
		for run > 15 {
			if e.counting {
				e.acFreq[t][0xF0]++
			} else {
				e.emitSym(e.acTab[t], 0xF0)
			}
			run -= 16
		}
		s := category(v)
		if s > 10 {
			return malformed("AC coefficient %d out of range", v)
		}
		if e.counting {
			e.acFreq[t][run<<4|s]++
		} else {
			e.emitSym(e.acTab[t], run<<4|s)
			e.emitBits(v, s)
		}
		run = 0
	}
	if run > 0 {
		if e.counting {
			e.acFreq[t][0]++
		} else {
			e.emitSym(e.acTab[t], 0)
		}
	}
	return nil
}

// category is SSSS, the number of bits of |v| (T.81 Table F.1).
func category(v int32) int {
	if v < 0 {
		v = -v
	}
	return bits.Len32(uint32(v))
}

func (e *encoder) emitSym(t *encTable, s int) {
	e.put(uint64(t.code[s]), int(t.size[s]))
}

// emitBits appends the s low bits of v, one's complement for negative v
// (T.81 F.1.2.1.1).
func (e *encoder) emitBits(v int32, s int) {
	if s == 0 {
		return
	}
	if v < 0 {
		v--
	}
	e.put(uint64(uint32(v)&(1<<s-1)), s)
}

func (e *encoder) put(code uint64, n int) {
	e.acc = e.acc<<n | code
	e.nacc += n
	for e.nacc >= 8 {
		b := byte(e.acc >> (e.nacc - 8))
		e.buf = append(e.buf, b)
		if b == 0xFF {
			e.buf = append(e.buf, 0) // byte stuffing (F.1.2.3)
		}
		e.nacc -= 8
	}
}

// flushBits pads the last byte with 1-bits (F.1.2.3).
func (e *encoder) flushBits() {
	if e.nacc > 0 {
		e.put(1<<(8-e.nacc)-1, 8-e.nacc)
	}
	e.acc, e.nacc = 0, 0
}

// optimalTable builds a Huffman table from symbol frequencies by the
// procedure of T.81 K.2: Code_size (Figure K.1), Count_BITS (K.2),
// Adjust_BITS to lengths of at most 16 (K.3) and Sort_input (K.4). freq
// has room for the reserved symbol 256, which keeps any code from being
// all 1-bits; it is removed from the result.
func optimalTable(freq *[257]int64) *encTable {
	f := *freq
	f[256] = 1
	var codesize [257]int
	var others [257]int
	for i := range others {
		others[i] = -1
	}
	for {
		c1, c2 := -1, -1
		var v1, v2 int64
		for i := range f {
			if f[i] > 0 && (c1 < 0 || f[i] <= v1) {
				v1, c1 = f[i], i
			}
		}
		for i := range f {
			if f[i] > 0 && i != c1 && (c2 < 0 || f[i] <= v2) {
				v2, c2 = f[i], i
			}
		}
		if c2 < 0 {
			break
		}
		f[c1] += f[c2]
		f[c2] = 0
		codesize[c1]++
		for others[c1] >= 0 {
			c1 = others[c1]
			codesize[c1]++
		}
		others[c1] = c2
		codesize[c2]++
		for others[c2] >= 0 {
			c2 = others[c2]
			codesize[c2]++
		}
	}
	var nbits [258]int
	for _, s := range codesize {
		if s > 0 {
			nbits[s]++
		}
	}
	for i := len(nbits) - 1; i > 16; i-- {
		for nbits[i] > 0 {
			j := i - 2
			for nbits[j] == 0 {
				j--
			}
			nbits[i] -= 2
			nbits[i-1]++
			nbits[j+1] += 2
			nbits[j]--
		}
	}
	i := 16
	for i > 0 && nbits[i] == 0 {
		i--
	}
	if i > 0 {
		nbits[i]-- // the reserved symbol's code
	}
	t := &encTable{}
	for l := 1; l <= 16; l++ {
		t.counts[l-1] = nbits[l]
	}
	for l := 1; l < len(nbits); l++ {
		for s := range 256 {
			if codesize[s] == l {
				t.vals = append(t.vals, byte(s))
			}
		}
	}
	// Code assignment (C.1-C.3): lengths from counts, codes in order.
	code, k := uint16(0), 0
	for l := 1; l <= 16; l++ {
		for range t.counts[l-1] {
			s := t.vals[k]
			t.code[s], t.size[s] = code, uint8(l)
			code++
			k++
		}
		code <<= 1
	}
	return t
}

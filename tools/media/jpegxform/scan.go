package jpegxform

import "fmt"

// huffTable is a decoding table built from a DHT segment (T.81 C.2 and
// F.2.2.3): an 8-bit lookup for short codes, MAXCODE/VALPTR/MINCODE for
// the rest.
type huffTable struct {
	lookup  [256]uint16 // code length << 8 | value; length 0: longer code
	maxcode [17]int32   // -1 where no code has that length
	mincode [17]int32
	valptr  [17]int32
	vals    []byte
}

func newHuffTable(counts [16]int, vals []byte) (*huffTable, error) {
	t := &huffTable{vals: append([]byte(nil), vals...)}
	code, k := int32(0), int32(0)
	for l := 1; l <= 16; l++ {
		n := int32(counts[l-1])
		t.valptr[l], t.mincode[l] = k, code
		code += n
		k += n
		if code > 1<<l {
			return nil, malformed("code lengths overflow at length %d", l)
		}
		t.maxcode[l] = code - 1
		if n == 0 {
			t.maxcode[l] = -1
		}
		if l <= 8 {
			for c := t.mincode[l]; c < code; c++ {
				v := uint16(l)<<8 | uint16(vals[t.valptr[l]+c-t.mincode[l]])
				lo := c << (8 - l)
				for j := int32(0); j < 1<<(8-l); j++ {
					t.lookup[lo+j] = v
				}
			}
		}
		code <<= 1
	}
	return t, nil
}

// bitReader reads entropy-coded data MSB first, removing stuffed zero
// bytes (T.81 F.1.2.3). At a marker it supplies zero bits, and fails if
// any of them is consumed.
type bitReader struct {
	data   []byte
	pos    int
	acc    uint64 // bits at the top
	n      int    // valid bits in acc
	pad    int    // zero bits past the end of the data at the bottom of acc
	marker bool
	err    error
}

func (r *bitReader) reset(data []byte, pos int) {
	*r = bitReader{data: data, pos: pos}
}

func (r *bitReader) fill() {
	for r.n <= 56 {
		var b byte
		if !r.marker {
			for {
				if r.pos >= len(r.data) {
					r.marker = true
					break
				}
				b = r.data[r.pos]
				if b != 0xFF {
					r.pos++
					break
				}
				// 0xFF: fill bytes, then 0x00 for a data byte or a marker.
				j := r.pos + 1
				for j < len(r.data) && r.data[j] == 0xFF {
					j++
				}
				if j < len(r.data) && r.data[j] == 0 {
					r.pos = j + 1
					break
				}
				r.pos = j - 1 // at the 0xFF before the marker
				r.marker = true
				b = 0
				break
			}
		}
		if r.marker {
			b = 0
			r.pad += 8
		}
		r.acc |= uint64(b) << (56 - r.n)
		r.n += 8
	}
}

func (r *bitReader) consume(k int) {
	r.acc <<= k
	r.n -= k
	if r.n < r.pad && r.err == nil {
		r.err = malformed("entropy-coded data ends early near offset %d", r.pos)
	}
}

func (r *bitReader) bits(k int) int32 {
	if k == 0 {
		return 0
	}
	if r.n < k {
		r.fill()
	}
	v := int32(r.acc >> (64 - k))
	r.consume(k)
	return v
}

// receive reads s bits and extends them to a signed value (T.81 F.2.2.1,
// Figure F.12).
func (r *bitReader) receive(s int) int32 {
	v := r.bits(s)
	if s > 0 && v < 1<<(s-1) {
		v += -1<<s + 1
	}
	return v
}

func (r *bitReader) decode(t *huffTable) int {
	if r.n < 16 {
		r.fill()
	}
	if v := t.lookup[r.acc>>56]; v>>8 != 0 {
		r.consume(int(v >> 8))
		return int(v & 0xFF)
	}
	code := int32(r.acc >> 48)
	for l := 9; l <= 16; l++ {
		c := code >> (16 - l)
		if c <= t.maxcode[l] {
			r.consume(l)
			i := t.valptr[l] + c - t.mincode[l]
			if int(i) >= len(t.vals) {
				break
			}
			return int(t.vals[i])
		}
	}
	if r.err == nil {
		r.err = malformed("bad Huffman code near offset %d", r.pos)
	}
	return 0
}

// align drops the bits left in the buffer and moves to the next marker,
// returning it, or -1 when the data ends first.
func (r *bitReader) nextMarker() (int, int) {
	p := r.pos
	for p+1 < len(r.data) {
		if r.data[p] == 0xFF && r.data[p+1] != 0 && r.data[p+1] != 0xFF {
			return int(r.data[p+1]), p
		}
		p++
	}
	return -1, p
}

// scan decodes one scan starting at d.pos and leaves d.pos at the marker
// that ends it.
func (d *decoder) scan(comps []scanComp, ss, se, ah, al int) error {
	img := d.img
	d.br.reset(d.data, d.pos)
	d.eobrun = 0
	var preds [4]int32
	// MCU layout (T.81 A.2): one block per MCU for a single-component
	// scan, over the component's own area; otherwise the interleaved grid.
	mcux, mcuy := d.mcux, d.mcuy
	if len(comps) == 1 {
		c := img.Components[comps[0].ci]
		cw := (img.Width*c.H + d.hmax - 1) / d.hmax
		ch := (img.Height*c.V + d.vmax - 1) / d.vmax
		mcux, mcuy = (cw+7)/8, (ch+7)/8
	}
	total := mcux * mcuy
	rst := 0
	for mcu := 0; mcu < total; mcu++ {
		if d.ri > 0 && mcu > 0 && mcu%d.ri == 0 {
			d.stray(mcu/d.ri - 1)
			m, p := d.br.nextMarker()
			if m != mRST0+rst {
				return malformed("scan: expected RST%d before MCU %d, found marker 0x%02X", rst, mcu, max(m, 0))
			}
			rst = (rst + 1) & 7
			d.br.reset(d.data, p+2)
			preds = [4]int32{}
			d.eobrun = 0
		}
		mx, my := mcu%mcux, mcu/mcux
		for si, sc := range comps {
			c := &img.Components[sc.ci]
			if len(comps) == 1 {
				if err := d.block(&c.Blocks[my*c.BlocksWide+mx], sc, &preds[si], ss, se, ah, al); err != nil {
					return err
				}
				continue
			}
			for y := range c.V {
				row := (my*c.V + y) * c.BlocksWide
				for x := range c.H {
					if err := d.block(&c.Blocks[row+mx*c.H+x], sc, &preds[si], ss, se, ah, al); err != nil {
						return err
					}
				}
			}
		}
		if d.br.err != nil {
			return fmt.Errorf("scan MCU %d: %w", mcu, d.br.err)
		}
	}
	m, p := d.br.nextMarker()
	if m < 0 {
		return malformed("scan: no marker after the entropy-coded data")
	}
	d.stray(-1)
	d.pos = p
	return nil
}

// stray records in Image.Stray what follows the last coded bit of the
// current scan or restart interval up to the next marker: padding bits
// that are not 1-bits, and any whole byte (T.81 F.1.2.3). The bit
// reader may have read whole bytes ahead into its buffer; they count.
func (d *decoder) stray(interval int) {
	r := &d.br
	rem := r.n - r.pad // data bits left in the buffer
	if rem < 0 || r.err != nil {
		return // already an error
	}
	s := Stray{Scan: d.scans, Interval: interval, InScan: true}
	if part := rem % 8; part > 0 && r.acc>>(64-part) != 1<<part-1 {
		s.BadPadding = true
	}
	s.Bytes = rem / 8
	m, p := r.nextMarker()
	if m < 0 {
		return // an error for the caller
	}
	s.Marker = byte(m)
	if !r.marker {
		end := p
		for end > r.pos && r.data[end-1] == 0xFF {
			end-- // fill bytes before the marker (T.81 B.1.1.2)
		}
		for i := r.pos; i < end; i++ {
			if r.data[i] == 0xFF && i+1 < end && r.data[i+1] == 0 {
				i++ // a stuffed 0xFF 0x00 is one byte of data
			}
			s.Bytes++
		}
	}
	s.Offset = r.pos - rem/8
	if s.Bytes > 0 || s.BadPadding {
		d.img.Stray = append(d.img.Stray, s)
	}
}

func (d *decoder) block(b *Block, sc scanComp, pred *int32, ss, se, ah, al int) error {
	r := &d.br
	switch {
	case !d.img.Progressive:
		s := r.decode(d.dc[sc.td])
		if s > 11 {
			return malformed("DC magnitude category %d", s)
		}
		*pred += r.receive(s)
		if *pred < -2048 || *pred > 2047 {
			return malformed("DC coefficient %d out of range", *pred)
		}
		b[0] = int16(*pred)
		ac := d.ac[sc.ta]
		for k := 1; k < 64; k++ {
			rs := r.decode(ac)
			rr, s := rs>>4, rs&15
			if s == 0 {
				if rr != 15 {
					break
				}
				k += 15
				continue
			}
			k += rr
			if k > 63 {
				return malformed("AC run past the end of a block")
			}
			b[unzig[k]] = int16(r.receive(s))
		}
	case ss == 0 && ah == 0: // DC first scan (G.1.2.1)
		s := r.decode(d.dc[sc.td])
		if s > 11 {
			return malformed("DC magnitude category %d", s)
		}
		*pred += r.receive(s)
		v := *pred << al
		if v < -32768 || v > 32767 {
			return malformed("DC coefficient %d out of range", v)
		}
		b[0] = int16(v)
	case ss == 0: // DC refinement (G.1.2.1)
		if r.bits(1) != 0 {
			b[0] |= 1 << al
		}
	case ah == 0: // AC first scan (G.1.2.2)
		if d.eobrun > 0 {
			d.eobrun--
			return nil
		}
		ac := d.ac[sc.ta]
		for k := ss; k <= se; k++ {
			rs := r.decode(ac)
			rr, s := rs>>4, rs&15
			if s == 0 {
				if rr < 15 {
					d.eobrun = 1<<rr - 1
					if rr > 0 {
						d.eobrun += int(r.bits(rr))
					}
					break
				}
				k += 15
				continue
			}
			k += rr
			if k > se {
				return malformed("AC run past the spectral band")
			}
			v := r.receive(s) << al
			if v < -32768 || v > 32767 {
				return malformed("AC coefficient %d out of range", v)
			}
			b[unzig[k]] = int16(v)
		}
	default: // AC refinement (G.1.2.3)
		return d.refineAC(b, sc, ss, se, al)
	}
	return nil
}

// refineAC decodes one block of an AC successive-approximation scan
// (T.81 G.1.2.3, Figure G.7).
func (d *decoder) refineAC(b *Block, sc scanComp, ss, se, al int) error {
	r := &d.br
	p1, m1 := int16(1)<<al, int16(-1)<<al
	correct := func(c *int16) {
		if r.bits(1) != 0 && *c&p1 == 0 {
			if *c >= 0 {
				*c += p1
			} else {
				*c += m1
			}
		}
	}
	k := ss
	if d.eobrun == 0 {
		ac := d.ac[sc.ta]
		for ; k <= se; k++ {
			rs := r.decode(ac)
			rr, s := rs>>4, rs&15
			var v int16
			if s != 0 {
				if s != 1 {
					return malformed("AC refinement magnitude %d", s)
				}
				v = m1
				if r.bits(1) != 0 {
					v = p1
				}
			} else if rr != 15 {
				d.eobrun = 1 << rr
				if rr > 0 {
					d.eobrun += int(r.bits(rr))
				}
				break
			}
			for k <= se {
				c := &b[unzig[k]]
				if *c != 0 {
					correct(c)
				} else {
					if rr == 0 {
						break
					}
					rr--
				}
				k++
			}
			if v != 0 {
				if k > se {
					return malformed("AC refinement run past the spectral band")
				}
				b[unzig[k]] = v
			}
			if r.err != nil {
				return r.err
			}
		}
	}
	if d.eobrun > 0 {
		for ; k <= se; k++ {
			if c := &b[unzig[k]]; *c != 0 {
				correct(c)
			}
		}
		d.eobrun--
	}
	return nil
}

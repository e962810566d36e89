package media

import (
	"fmt"
	"strings"
)

// jpegTables tracks, for Verify, every quantisation and Huffman table a
// JPEG defines and whether a scan uses it, so that a table no scan reads
// (a place to hide bytes that every decoder skips) is refused.
//
// A quantisation table is used when a scan starts that holds a component
// whose table it is and whose table is not yet latched: decoders latch a
// component's table at the first scan that includes it (libjpeg
// jdinput.c latch_quant_tables; T.81 B.2.4.1 lets a table change only
// between scans). A Huffman table (class, id) is used by a scan that
// decodes with it: sequential scans use the DC and AC tables of each
// component; progressive scans use the DC table in a first DC scan
// (Ss = 0, Ah = 0), no table in a DC refinement scan, and the AC table in
// an AC scan (T.81 G.1.2). Redefining a table before any scan used it, or
// reaching EOI with a table never used, is not clean.
type jpegTables struct {
	qDef, qUsed [4]bool
	hDef, hUsed [2][4]bool
	comps       []sofComp
	progressive bool
	precision   int
	scans       int
}

type sofComp struct {
	id, tq  byte
	latched bool
}

var huffClass = [2]string{"DC", "AC"}

// dqt checks a DQT payload (T.81 B.2.4.1): whole tables only, 8-bit
// entries (16-bit allowed for 12-bit frames and SOF1), no zero entry.
func (t *jpegTables) dqt(p []byte) error {
	if len(p) == 0 {
		return notClean("empty DQT segment")
	}
	for len(p) > 0 {
		pq, tq := p[0]>>4, p[0]&15
		if pq > 1 || tq > 3 {
			return notClean("DQT table %d with precision %d", tq, pq)
		}
		size := 64 << pq
		if len(p) < 1+size {
			return notClean("DQT segment with %d bytes after its last whole table", len(p))
		}
		for k := 0; k < 64; k++ {
			v := int(p[1+k])
			if pq == 1 {
				v = int(p[1+2*k])<<8 | int(p[2+2*k])
			}
			if v == 0 {
				return notClean("DQT table %d entry %d is zero", tq, k)
			}
		}
		if t.qDef[tq] && !t.qUsed[tq] {
			return notClean("DQT table %d redefined before any scan used it", tq)
		}
		t.qDef[tq], t.qUsed[tq] = true, false
		p = p[1+size:]
	}
	return nil
}

// dht checks a DHT payload (T.81 B.2.4.2, C): whole tables only, code
// lengths that fit (Annex C), symbols valid for the class (DC magnitude
// categories 0-15, AC run/size with size 0-14) and no symbol twice.
func (t *jpegTables) dht(p []byte) error {
	if len(p) == 0 {
		return notClean("empty DHT segment")
	}
	for len(p) > 0 {
		if len(p) < 17 {
			return notClean("DHT segment with %d bytes after its last whole table", len(p))
		}
		tc, th := p[0]>>4, p[0]&15
		if tc > 1 || th > 3 {
			return notClean("DHT table class %d id %d", tc, th)
		}
		total, code := 0, 0
		for l := 1; l <= 16; l++ {
			n := int(p[l])
			total += n
			code += n
			if code > 1<<l {
				return notClean("DHT %s table %d code lengths overflow at length %d", huffClass[tc], th, l)
			}
			code <<= 1
		}
		if total == 0 || total > 256 || len(p) < 17+total {
			return notClean("DHT %s table %d with %d symbols in %d bytes", huffClass[tc], th, total, len(p)-17)
		}
		var seen [256]bool
		for _, v := range p[17 : 17+total] {
			if (tc == 0 && v > 15) || (tc == 1 && v&15 == 15) {
				return notClean("DHT %s table %d symbol out of range", huffClass[tc], th)
			}
			if seen[v] {
				return notClean("DHT %s table %d lists a symbol twice", huffClass[tc], th)
			}
			seen[v] = true
		}
		if t.hDef[tc][th] && !t.hUsed[tc][th] {
			return notClean("DHT %s table %d redefined before any scan used it", huffClass[tc], th)
		}
		t.hDef[tc][th], t.hUsed[tc][th] = true, false
		p = p[17+total:]
	}
	return nil
}

// sof records the frame's components (T.81 B.2.2); p has been checked to
// hold 6+3*comps bytes.
func (t *jpegTables) sof(m byte, p []byte) error {
	t.progressive = m == 0xC2
	t.precision = int(p[0])
	if p[0] != 8 && (m == 0xC0 || p[0] != 12) {
		return notClean("SOF precision %d", p[0])
	}
	n := int(p[5])
	if len(p) != 6+3*n {
		return notClean("SOF length %d for %d components", len(p), n)
	}
	for i := 0; i < n; i++ {
		q := p[6+3*i:]
		h, v := q[1]>>4, q[1]&15
		if h < 1 || h > 4 || v < 1 || v > 4 || q[2] > 3 {
			return notClean("SOF component %d sampling or table fields", i+1)
		}
		for _, c := range t.comps {
			if c.id == q[0] {
				return notClean("SOF component id repeated")
			}
		}
		t.comps = append(t.comps, sofComp{id: q[0], tq: q[2]})
	}
	return nil
}

// sos checks a scan header (T.81 B.2.3, G.1.1.1.1) against the frame and
// marks the tables the scan uses; p has been checked to hold 4+2*Ns bytes.
func (t *jpegTables) sos(p []byte) error {
	t.scans++
	if len(p) < 1 || len(p) != 4+2*int(p[0]) {
		return notClean("scan %d header length", t.scans)
	}
	ns := int(p[0])
	ss, se, ah, al := p[1+2*ns], p[2+2*ns], p[3+2*ns]>>4, p[3+2*ns]&15
	if t.progressive {
		if (ss == 0 && se != 0) || ss > se || se > 63 || (ss > 0 && ns != 1) || al > 13 || (ah != 0 && ah != al+1) {
			return notClean("scan %d spectral selection or successive approximation fields", t.scans)
		}
	} else if ss != 0 || se != 63 || ah != 0 || al != 0 {
		return notClean("scan %d of a sequential frame with progressive fields", t.scans)
	}
	for i := 0; i < ns; i++ {
		id, sel := p[1+2*i], p[2+2*i]
		ci := -1
		for j, c := range t.comps {
			if c.id == id {
				ci = j
			}
		}
		if ci < 0 {
			return notClean("scan %d component %d not in the frame", t.scans, i+1)
		}
		for j := 0; j < i; j++ {
			if p[1+2*j] == id {
				return notClean("scan %d lists a component twice", t.scans)
			}
		}
		td, ta := sel>>4, sel&15
		if td > 3 || ta > 3 {
			return notClean("scan %d component %d table selectors", t.scans, i+1)
		}
		if c := &t.comps[ci]; !c.latched {
			if !t.qDef[c.tq] {
				return notClean("DQT table %d not defined before scan %d", c.tq, t.scans)
			}
			t.qUsed[c.tq], c.latched = true, true
		}
		useDC := !t.progressive || (ss == 0 && ah == 0)
		useAC := !t.progressive || ss > 0
		if useDC {
			if !t.hDef[0][td] {
				return notClean("DHT DC table %d not defined before scan %d", td, t.scans)
			}
			t.hUsed[0][td] = true
		}
		if useAC {
			if !t.hDef[1][ta] {
				return notClean("DHT AC table %d not defined before scan %d", ta, t.scans)
			}
			t.hUsed[1][ta] = true
		}
	}
	return nil
}

// end reports a table defined and never used, at EOI.
func (t *jpegTables) end() error {
	for id, d := range t.qDef {
		if d && !t.qUsed[id] {
			return notClean("DQT table %d is never used by a scan", id)
		}
	}
	for tc := range t.hDef {
		for id, d := range t.hDef[tc] {
			if d && !t.hUsed[tc][id] {
				return notClean("DHT %s table %d is never used by a scan", huffClass[tc], id)
			}
		}
	}
	for i, c := range t.comps {
		if !c.latched {
			return notClean("SOF component %d has no scan", i+1)
		}
	}
	return nil
}

// dropUnusedTables removes from the segments Scrub keeps before the first
// scan (kept, then the first scan's header sos) the tables no scan can
// use, which Verify refuses (see jpegTables), and reports each as removed
// ("DQT table 1 (unused)", "DHT AC table 3 (unused)"):
//   - a quantisation table no frame component refers to (image/jpeg, for
//     one, writes a chrominance table into greyscale files);
//   - in a sequential frame whose first scan holds every component (so it
//     is the only scan: T.81 B.2.3, each component is coded in exactly one
//     scan of a sequential frame), a Huffman table that scan does not
//     select;
//   - a definition that a later one of the same table replaces before the
//     first scan.
//
// In other frames Huffman tables stay, and an unused one makes Scrub fail
// at EOI. A segment that does not parse is kept as it is, to be refused.
func dropUnusedTables(kept []jpegSeg, sos []byte, rep *Report) []jpegSeg {
	// Table keys: 0-3 quantisation tables, 4+4*class+id Huffman tables.
	var used [12]bool
	frame, onlyScan := false, false
	for _, s := range kept {
		if p := s.payload; (s.marker == mSOF0 || s.marker == mSOF1 || s.marker == mSOF2) && len(p) >= 6 {
			n := int(p[5])
			for i := 0; i < n && 8+3*i < len(p); i++ {
				if tq := p[8+3*i]; tq < 4 {
					used[tq] = true
				}
			}
			frame = true
			onlyScan = s.marker != mSOF2 && len(sos) >= 1 && int(sos[0]) == n && len(sos) == 4+2*n
		}
	}
	if !frame {
		return kept
	}
	if onlyScan {
		for i := 0; i < int(sos[0]); i++ {
			sel := sos[2+2*i]
			if td, ta := sel>>4, sel&15; td < 4 && ta < 4 {
				used[4+td], used[8+ta] = true, true
			}
		}
	} else {
		for k := 4; k < 12; k++ {
			used[k] = true
		}
	}
	// tables splits a DQT or DHT payload into (key, offset, size); ok is
	// false when it does not parse.
	tables := func(m byte, p []byte) (defs [][3]int, ok bool) {
		for off := 0; off < len(p); {
			var key, size int
			if m == mDQT {
				pq, tq := p[off]>>4, p[off]&15
				key, size = int(tq), 1+64<<pq
				if pq > 1 || tq > 3 {
					return nil, false
				}
			} else {
				tc, th := p[off]>>4, p[off]&15
				if tc > 1 || th > 3 || off+17 > len(p) {
					return nil, false
				}
				key, size = 4+4*int(tc)+int(th), 17
				for _, c := range p[off+1 : off+17] {
					size += int(c)
				}
			}
			if off+size > len(p) {
				return nil, false
			}
			defs = append(defs, [3]int{key, off, size})
			off += size
		}
		return defs, len(p) > 0
	}
	type at struct{ seg, off int }
	var last [12]at
	split := make([][][3]int, len(kept))
	for i, s := range kept {
		if s.marker != mDQT && s.marker != mDHT {
			continue
		}
		defs, ok := tables(s.marker, s.payload)
		if !ok {
			continue
		}
		split[i] = defs
		for _, d := range defs {
			last[d[0]] = at{i, d[1]}
		}
	}
	out := make([]jpegSeg, 0, len(kept))
	for i, s := range kept {
		if split[i] == nil {
			out = append(out, s)
			continue
		}
		var keep []byte
		for _, d := range split[i] {
			key, off, size := d[0], d[1], d[2]
			if used[key] && last[key] == (at{i, off}) {
				keep = append(keep, s.payload[off:off+size]...)
				continue
			}
			if key < 4 {
				rep.remove(fmt.Sprintf("DQT table %d (unused)", key))
			} else {
				rep.remove(fmt.Sprintf("DHT %s table %d (unused)", huffClass[(key-4)/4], (key-4)%4))
			}
		}
		if len(keep) > 0 {
			out = append(out, jpegSeg{s.marker, keep})
		}
	}
	return out
}

// scrubTables applies jpegTables to what Scrub writes on the path that
// copies scans, so Scrub fails closed (ErrMalformed) on a table or field
// Verify would refuse, instead of writing a file that fails verification.
type scrubTables struct{ t jpegTables }

// header checks the segments kept before the first scan and its SOS.
func (s *scrubTables) header(kept []jpegSeg, sos []byte) error {
	for _, k := range kept {
		if err := s.seg(k.marker, k.payload); err != nil {
			return err
		}
	}
	return s.seg(mSOS, sos)
}

func (s *scrubTables) seg(m byte, p []byte) error {
	var err error
	switch m {
	case mDQT, mDHT, mDRI:
		err = tableSegment(&s.t, m, p)
	case mSOF0, mSOF1, mSOF2:
		if len(p) < 6 {
			return malformed("SOF length %d", len(p))
		}
		err = s.t.sof(m, p)
	case mSOS:
		err = s.t.sos(p)
	}
	return asMalformed(err)
}

func (s *scrubTables) end() error { return asMalformed(s.t.end()) }

// asMalformed turns a Verify refusal into Scrub's ErrMalformed, keeping
// its message.
func asMalformed(err error) error {
	if err == nil {
		return nil
	}
	return malformed("%s", strings.TrimSuffix(err.Error(), ": "+ErrNotClean.Error()))
}

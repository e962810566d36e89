package media

import "bytes"

// This file holds the two byte-search primitives of Verify's hot loops,
// each with a portable reference implementation and, on amd64 with AVX2, a
// vectorised one (scan_amd64.s) that must return exactly the same index
// (FuzzIndexFFMarker and FuzzIndexAnchor compare them on every input).
//
// Why not bytes.IndexByte alone: in entropy-coded JPEG data 0xFF occurs
// every few hundred bytes (as the stuffed pair FF 00, ITU T.81 B.1.1.5) and
// the anchor 'x' every 150-250 bytes, so a loop of IndexByte calls pays a
// call and a restart per occurrence; the vectorised search checks the byte
// after each candidate in the same pass and stops only at a real hit.

// indexFFMarker returns the index of the first 0xFF in b that is not
// followed by 0x00 (a stuffed byte) or 0xD0-0xD7 (RST0-RST7), the markers
// allowed inside entropy-coded data (ITU T.81 B.1.1.5, B.2.1). A 0xFF as
// the last byte of b is returned (the caller cannot see what follows it);
// 0xFF 0xFF is returned at the first 0xFF (a fill byte or a marker's
// start). It returns -1 when there is none.
func indexFFMarker(b []byte) int {
	from := 0
	if useAVX2 && len(b) > vecWindow {
		hit, done := ffMarkerAVX2(b)
		if hit >= 0 {
			return hit
		}
		from = done
	}
	return indexFFMarkerGeneric(b, from)
}

// indexFFMarkerGeneric is indexFFMarker's reference, starting at from.
func indexFFMarkerGeneric(b []byte, from int) int {
	for i := from; i < len(b); {
		j := bytes.IndexByte(b[i:], 0xFF)
		if j < 0 {
			return -1
		}
		k := i + j
		if k+1 >= len(b) {
			return k
		}
		if m := b[k+1]; m == 0x00 || (m >= 0xD0 && m <= 0xD7) {
			i = k + 2
			continue
		}
		return k
	}
	return -1
}

// anchorSet is an anchor byte and the set of bytes that may follow it in
// some marker, at most 8 (newAnchorSet).
type anchorSet struct {
	anchor byte
	next   []byte
	// nibbles encodes next for a two-look-up membership test: bit k is set
	// in nibbles[c&15] and in nibbles[16+c>>4] for the k-th byte c of next,
	// so c' is in next exactly when nibbles[c'&15]&nibbles[16+c'>>4] != 0.
	nibbles [32]byte
}

// newAnchorSet builds the anchorSet of anchor and next (at most 8 distinct
// bytes).
func newAnchorSet(anchor byte, next []byte) *anchorSet {
	if len(next) > 8 {
		panic("media: more than 8 bytes after an anchor")
	}
	s := &anchorSet{anchor: anchor, next: next}
	for k, c := range next {
		s.nibbles[c&15] |= 1 << k
		s.nibbles[16+c>>4] |= 1 << k
	}
	return s
}

// indexAnchor returns the index of the first occurrence in b of s.anchor
// followed by one of s.next, or of s.anchor as the last byte of b (the
// caller cannot see what follows it); -1 when there is none.
func indexAnchor(b []byte, s *anchorSet) int {
	from := 0
	if useAVX2 && len(b) > vecWindow {
		hit, done := anchorAVX2(b, s.anchor, &s.nibbles)
		if hit >= 0 {
			return hit
		}
		from = done
	}
	return indexAnchorGeneric(b, from, s)
}

// indexAnchorGeneric is indexAnchor's reference, starting at from.
func indexAnchorGeneric(b []byte, from int, s *anchorSet) int {
	for i := from; i < len(b); {
		j := bytes.IndexByte(b[i:], s.anchor)
		if j < 0 {
			return -1
		}
		k := i + j
		if k+1 >= len(b) || bytes.IndexByte(s.next, b[k+1]) >= 0 {
			return k
		}
		i = k + 1
	}
	return -1
}

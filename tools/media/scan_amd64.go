package media

import "golang.org/x/sys/cpu"

// useAVX2 selects the vectorised searches of scan_amd64.s.
var useAVX2 = cpu.X86.HasAVX2

// vecWindow is the bytes one vector step examines (32) plus the byte after
// the last of them; the vector loops run while a whole window fits.
const vecWindow = 33

// ffMarkerAVX2 examines b 32 bytes at a time while 33 bytes remain. It
// returns (index, 0) of the first hit of indexFFMarker's rule, or (-1, n)
// where n is the number of leading bytes examined without a hit (a
// multiple of 32, at most len(b)-33). Needs len(b) >= 33 and AVX2.
//
//go:noescape
func ffMarkerAVX2(b []byte) (hit, done int)

// anchorAVX2 is ffMarkerAVX2 for indexAnchor's rule: anchor followed by
// any byte of next.
//
//go:noescape
func anchorAVX2(b []byte, anchor byte, next *[8]byte) (hit, done int)

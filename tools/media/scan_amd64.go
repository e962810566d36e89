package media

import "golang.org/x/sys/cpu"

// useAVX2 selects the vectorised searches of scan_amd64.s.
var useAVX2 = cpu.X86.HasAVX2

// vecWindow is the bytes one vector step examines (64) plus the byte after
// the last of them; the vector loops run while a whole window fits.
const vecWindow = 65

// ffMarkerAVX2 examines b 64 bytes at a time while 65 bytes remain. It
// returns (index, 0) of the first hit of indexFFMarker's rule, or (-1, n)
// where n is the number of leading bytes examined without a hit (a
// multiple of 64, at most len(b)-65). Needs len(b) >= 65 and AVX2.
//
//go:noescape
func ffMarkerAVX2(b []byte) (hit, done int)

// anchorAVX2 is ffMarkerAVX2 for indexAnchor's rule: anchor followed by a
// byte c with nibbles[c&15]&nibbles[16+c>>4] != 0 (anchorSet.nibbles).
//
//go:noescape
func anchorAVX2(b []byte, anchor byte, nibbles *[32]byte) (hit, done int)

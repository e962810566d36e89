//go:build !amd64

package media

// useAVX2 is false off amd64: scan.go's portable searches run.
var useAVX2 = false

const vecWindow = 65

func ffMarkerAVX2(b []byte) (hit, done int) { panic("unreachable") }

func anchorAVX2(b []byte, anchor byte, nibbles *[32]byte) (hit, done int) { panic("unreachable") }

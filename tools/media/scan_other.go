//go:build !amd64

package media

// useAVX2 is false off amd64: scan.go's portable searches run.
const useAVX2 = false

const vecWindow = 33

func ffMarkerAVX2(b []byte) (hit, done int) { panic("unreachable") }

func anchorAVX2(b []byte, anchor byte, next *[8]byte) (hit, done int) { panic("unreachable") }

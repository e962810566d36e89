package media

import (
	"bytes"
	"math/rand/v2"
	"testing"
)

// markerAnchors is the anchor set Verify's marker scan uses.
func markerAnchors(t testing.TB) *anchorSet {
	t.Helper()
	if markerAnchor == nil {
		t.Fatal("no anchor set")
	}
	return markerAnchor
}

// naiveFF is indexFFMarker's rule written as plainly as possible.
func naiveFF(b []byte) int {
	for i := range b {
		if b[i] != 0xFF {
			continue
		}
		if i+1 == len(b) {
			return i
		}
		if m := b[i+1]; m != 0x00 && (m < 0xD0 || m > 0xD7) {
			return i
		}
	}
	return -1
}

func naiveAnchor(b []byte, s *anchorSet) int {
	for i := range b {
		if b[i] != s.anchor {
			continue
		}
		if i+1 == len(b) || bytes.IndexByte(s.next, b[i+1]) >= 0 {
			return i
		}
	}
	return -1
}

// TestIndexFFMarkerEveryPosition plants each kind of 0xFF pair at every
// offset of buffers around the vector width, over a background of stuffed
// bytes and RST markers that must be skipped.
func TestIndexFFMarkerEveryPosition(t *testing.T) {
	for _, n := range []int{0, 1, 2, 31, 32, 33, 34, 63, 64, 65, 66, 97, 128, 129, 130, 200, 300} {
		base := make([]byte, n)
		for i := 0; i+1 < n; i += 7 {
			base[i], base[i+1] = 0xFF, 0x00
		}
		for i := 3; i+1 < n; i += 11 {
			base[i], base[i+1] = 0xFF, 0xD0+byte(i%8)
		}
		if got, want := indexFFMarker(base), naiveFF(base); got != want {
			t.Fatalf("len %d background: got %d, want %d", n, got, want)
		}
		for pos := 0; pos < n; pos++ {
			for _, next := range []byte{0xD9, 0xFF, 0xC4, 0xD8, 0xCF, 0xE1, 0x01, 0xDA} {
				b := bytes.Clone(base)
				b[pos] = 0xFF
				if pos+1 < n {
					b[pos+1] = next
				}
				got, want := indexFFMarker(b), naiveFF(b)
				if got != want {
					t.Fatalf("len %d, FF %02X at %d: got %d, want %d", n, next, pos, got, want)
				}
			}
		}
	}
}

func TestIndexAnchorEveryPosition(t *testing.T) {
	s := markerAnchors(t)
	for _, n := range []int{0, 1, 2, 31, 32, 33, 34, 63, 64, 65, 66, 97, 128, 129, 130, 200, 300} {
		base := make([]byte, n)
		for i := 0; i+1 < n; i += 5 {
			base[i], base[i+1] = s.anchor, 'q' // an anchor not followed by a marker byte
		}
		if got, want := indexAnchor(base, s), naiveAnchor(base, s); got != want {
			t.Fatalf("len %d background: got %d, want %d", n, got, want)
		}
		for pos := 0; pos < n; pos++ {
			for _, next := range append(bytes.Clone(s.next), 'q', 0, 0xFF) {
				b := bytes.Clone(base)
				b[pos] = s.anchor
				if pos+1 < n {
					b[pos+1] = next
				}
				if got, want := indexAnchor(b, s), naiveAnchor(b, s); got != want {
					t.Fatalf("len %d, %q at %d: got %d, want %d", n, next, pos, got, want)
				}
			}
		}
	}
}

// TestScanRandom compares both searches with the plain rules over random
// data dense in the bytes they look for.
func TestScanRandom(t *testing.T) {
	s := markerAnchors(t)
	rng := rand.New(rand.NewPCG(4, 4))
	alphabet := []byte{0xFF, 0x00, 0xD0, 0xD7, 0xD8, 0xD9, 'x', 'i', 'a', 'm', ':', 'p', 'q', 0x41}
	for iter := 0; iter < 20000; iter++ {
		b := make([]byte, rng.IntN(400))
		for i := range b {
			if rng.IntN(4) == 0 {
				b[i] = alphabet[rng.IntN(len(alphabet))]
			} else {
				b[i] = byte(rng.IntN(256))
			}
		}
		if got, want := indexFFMarker(b), naiveFF(b); got != want {
			t.Fatalf("FF: %x: got %d, want %d", b, got, want)
		}
		if got, want := indexAnchor(b, s), naiveAnchor(b, s); got != want {
			t.Fatalf("anchor: %x: got %d, want %d", b, got, want)
		}
	}
}

func FuzzIndexFFMarker(f *testing.F) {
	f.Add(bytes.Repeat([]byte{0xFF, 0x00}, 40))
	f.Add(append(bytes.Repeat([]byte{0xFF, 0xD3, 1}, 20), 0xFF, 0xD9))
	f.Fuzz(func(t *testing.T, b []byte) {
		if got, want := indexFFMarker(b), naiveFF(b); got != want {
			t.Fatalf("got %d, want %d", got, want)
		}
	})
}

func FuzzIndexAnchor(f *testing.F) {
	f.Add([]byte("................................................<x:xmpmeta"))
	f.Add(bytes.Repeat([]byte("xq"), 40))
	f.Fuzz(func(t *testing.T, b []byte) {
		s := markerAnchors(t)
		if got, want := indexAnchor(b, s), naiveAnchor(b, s); got != want {
			t.Fatalf("got %d, want %d", got, want)
		}
	})
}

// BenchmarkIndexFFMarker and BenchmarkIndexAnchor measure the searches over
// 128 KiB blocks (Verify's buffer) of noise-like data with stuffed bytes
// every ~370 bytes and anchors every ~250 bytes, as in the benchmark's
// JPEGs (bench/media.md), vectorised and portable in the same run.
func BenchmarkIndexFFMarker(b *testing.B) {
	data := scanBenchData()
	for _, vec := range []bool{true, false} {
		b.Run(map[bool]string{true: "avx2", false: "portable"}[vec], func(b *testing.B) {
			if vec && !useAVX2 {
				b.Skip("no AVX2 on this CPU")
			}
			defer func(old bool) { useAVX2 = old }(useAVX2)
			useAVX2 = vec
			b.SetBytes(int64(len(data)))
			for b.Loop() {
				if indexFFMarker(data) != len(data)-2 {
					b.Fatal("missed the end marker")
				}
			}
		})
	}
}

func BenchmarkIndexAnchor(b *testing.B) {
	data := scanBenchData()
	s := markerAnchors(b)
	for _, vec := range []bool{true, false} {
		b.Run(map[bool]string{true: "avx2", false: "portable"}[vec], func(b *testing.B) {
			if vec && !useAVX2 {
				b.Skip("no AVX2 on this CPU")
			}
			defer func(old bool) { useAVX2 = old }(useAVX2)
			useAVX2 = vec
			b.SetBytes(int64(len(data)))
			for b.Loop() {
				if indexAnchor(data, s) != -1 {
					b.Fatal("false hit")
				}
			}
		})
	}
}

func scanBenchData() []byte {
	rng := rand.New(rand.NewPCG(1, 2))
	data := make([]byte, bufSize)
	for i := 0; i < len(data)-3; i++ {
		switch c := byte(rng.IntN(256)); c {
		case 0xFF:
			data[i], data[i+1] = 0xFF, 0x00
			i++
		case 'x':
			data[i], data[i+1] = 'x', 'q'
			i++
		default:
			data[i] = c
		}
	}
	copy(data[len(data)-3:], []byte{0x00, 0xFF, 0xD9})
	return data
}

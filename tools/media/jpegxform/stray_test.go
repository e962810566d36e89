package jpegxform_test

import (
	"bytes"
	"image"
	"image/jpeg"
	"math/rand/v2"
	"slices"
	"testing"

	"storyguard/tools/media/jpegxform"
)

func strayImage(seed uint64) image.Image {
	r := rand.New(rand.NewPCG(seed, 7))
	img := image.NewRGBA(image.Rect(0, 0, 40, 24))
	for i := range img.Pix {
		img.Pix[i] = uint8(r.IntN(256))
	}
	return img
}

func goEncode(t *testing.T, img image.Image) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := jpeg.Encode(&b, img, &jpeg.Options{Quality: 85}); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// insertBefore inserts extra before the n-th marker 0xFF m.
func insertBefore(t *testing.T, d []byte, m byte, n int, extra []byte) []byte {
	t.Helper()
	off := 0
	for i := 0; ; i++ {
		j := bytes.Index(d[off:], []byte{0xFF, m})
		if j < 0 {
			t.Fatalf("no marker 0x%02X number %d", m, n)
		}
		if i == n {
			return slices.Concat(d[:off+j], extra, d[off+j:])
		}
		off += j + 2
	}
}

// TestStray: Decode reports bytes after a scan's last MCU and after a
// restart interval, with their count and place; fill bytes (0xFF) before
// a marker are not stray.
func TestStray(t *testing.T) {
	plain := goEncode(t, strayImage(1))
	img, err := jpegxform.Decode(plain, jpegxform.Limits{})
	if err != nil {
		t.Fatal(err)
	}
	var rst bytes.Buffer
	if err := jpegxform.Encode(&rst, img, jpegxform.EncodeOptions{RestartInterval: 1}); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		data []byte
		want []jpegxform.Stray
	}{
		{"clean", plain, nil},
		{"fill bytes before EOI", insertBefore(t, plain, 0xD9, 0, []byte{0xFF, 0xFF, 0xFF}), nil},
		{"5 bytes before EOI", insertBefore(t, plain, 0xD9, 0, []byte("hello")), []jpegxform.Stray{{Scan: 1, Interval: -1, InScan: true, Bytes: 5, Marker: 0xD9}}},
		{"stuffed 0xFF 0x00 and fill before EOI", insertBefore(t, plain, 0xD9, 0, []byte{'a', 0xFF, 0x00, 'b', 0xFF}), []jpegxform.Stray{{Scan: 1, Interval: -1, InScan: true, Bytes: 3, Marker: 0xD9}}},
		{"20 bytes with stuffing before EOI", insertBefore(t, plain, 0xD9, 0, []byte("0123456789\xFF\x00abcdefgh\xFF\xFF")), []jpegxform.Stray{{Scan: 1, Interval: -1, InScan: true, Bytes: 19, Marker: 0xD9}}},
		{"restart clean", rst.Bytes(), nil},
		{"2 bytes before RST1", insertBefore(t, rst.Bytes(), 0xD1, 0, []byte("hi")), []jpegxform.Stray{{Scan: 1, Interval: 1, InScan: true, Bytes: 2, Marker: 0xD1}}},
		{"1 byte before the last EOI of a restart file", insertBefore(t, rst.Bytes(), 0xD9, 0, []byte("x")), []jpegxform.Stray{{Scan: 1, Interval: -1, InScan: true, Bytes: 1, Marker: 0xD9}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := jpegxform.Decode(tc.data, jpegxform.Limits{})
			if err != nil {
				t.Fatal(err)
			}
			for i := range got.Stray {
				got.Stray[i].Offset = 0
			}
			if !slices.Equal(got.Stray, tc.want) {
				t.Errorf("Stray = %+v, want %+v", got.Stray, tc.want)
			}
		})
	}
}

// TestStrayPadding: clearing a padding bit of the last byte of a scan
// (image/jpeg pads with 1-bits, T.81 F.1.2.3) leaves the coefficients
// as they were and is reported as BadPadding.
func TestStrayPadding(t *testing.T) {
	checked := 0
	for seed := uint64(1); seed <= 24; seed++ {
		d := goEncode(t, strayImage(seed))
		orig, err := jpegxform.Decode(d, jpegxform.Limits{})
		if err != nil {
			t.Fatal(err)
		}
		end := bytes.LastIndex(d, []byte{0xFF, 0xD9})
		last := d[end-1]
		if last == 0x00 || last == 0xFF || last&1 == 0 {
			continue // stuffed byte, or no 1-bit to clear
		}
		m := slices.Clone(d)
		m[end-1] &^= 1
		got, err := jpegxform.Decode(m, jpegxform.Limits{})
		if err != nil {
			continue // the bit was data
		}
		same := true
		for ci := range orig.Components {
			if !slices.Equal(orig.Components[ci].Blocks, got.Components[ci].Blocks) {
				same = false
			}
		}
		if !same {
			continue // the bit was data
		}
		checked++
		if len(got.Stray) != 1 || !got.Stray[0].BadPadding || got.Stray[0].Bytes != 0 {
			t.Errorf("seed %d: Stray = %+v, want one BadPadding", seed, got.Stray)
		}
	}
	if checked == 0 {
		t.Fatal("no image had a padding bit to clear: the test checked nothing")
	}
	t.Logf("%d images checked", checked)
}

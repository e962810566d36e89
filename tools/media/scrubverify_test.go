package media_test

import (
	"bytes"
	"errors"
	"slices"
	"testing"
	"testing/iotest"

	"storyguard/tools/media"
	"storyguard/tools/testgen/fixture"
)

// checkScrubVerify asserts that ScrubVerify passes exactly when Scrub
// followed by Verify of its output passes, and then writes the same bytes
// with the same report and info; r wraps the input reader (to vary read
// sizes).
func checkScrubVerify(t *testing.T, data []byte, opts media.Options, r func([]byte) *bytes.Reader) {
	t.Helper()
	var want bytes.Buffer
	wrep, serr := media.Scrub(bytes.NewReader(data), &want, opts)
	var winfo media.Info
	var verr error
	if serr == nil {
		winfo, verr = media.Verify(bytes.NewReader(want.Bytes()), media.Options{MaxBytes: opts.MaxBytes, MaxPixels: opts.MaxPixels})
	}
	var got bytes.Buffer
	rep, info, err := media.ScrubVerify(iotest.HalfReader(r(data)), &got, opts)
	if (err == nil) != (serr == nil && verr == nil) {
		t.Fatalf("ScrubVerify = %v; Scrub = %v, Verify = %v", err, serr, verr)
	}
	if err != nil {
		return
	}
	if !bytes.Equal(got.Bytes(), want.Bytes()) || !slices.Equal(rep.Removed, wrep.Removed) ||
		rep.Width != wrep.Width || rep.ICC != wrep.ICC || rep.Orientation != wrep.Orientation || info != winfo {
		t.Errorf("ScrubVerify differs from Scrub+Verify: %d vs %d bytes, %+v vs %+v, %+v vs %+v",
			got.Len(), want.Len(), rep, wrep, info, winfo)
	}
}

// TestScrubVerifyAgrees runs ScrubVerify and Scrub-then-Verify over clean,
// dirty, oriented, truncated, hidden-marker and unsupported inputs and
// checks they agree, and that each failing case fails with its sentinel.
func TestScrubVerifyAgrees(t *testing.T) {
	jpg := fixture.JPEG(fixture.JPEGOptions{})
	clean, _ := scrub(t, jpg, media.Options{})
	hidden := slices.Clone(clean)
	sos := bytes.Index(hidden, []byte{0xFF, 0xDA})
	copy(hidden[sos+(len(hidden)-sos)/2:], "http://ns.adobe.com/xap/1.0/")
	tests := []struct {
		name string
		data []byte
		opts media.Options
		want error // nil: must pass
	}{
		{"phone jpeg", jpg, media.Options{}, nil},
		{"clean jpeg", clean, media.Options{}, nil},
		{"png", fixture.PNG(fixture.PNGOptions{}), media.Options{}, nil},
		{"webp", fixture.WebP(fixture.WebPOptions{}), media.Options{}, nil},
		{"oriented", fixture.JPEG(fixture.JPEGOptions{Orientation: 6}), media.Options{}, nil},
		{"standard icc", fixture.JPEG(fixture.JPEGOptions{ICC: standardICC(t)}), media.Options{}, nil},
		{"noise 4 MB", benchJPEG(3), media.Options{}, nil},
		{"marker in scan", hidden, media.Options{}, media.ErrNotClean},
		{"truncated in scan", clean[:len(clean)-40], media.Options{}, media.ErrTruncated},
		{"trailing junk in scan", append(slices.Clone(clean[:len(clean)-2]), 0xFF, 0x01), media.Options{}, media.ErrMalformed},
		{"over size limit", jpg, media.Options{MaxBytes: 500}, media.ErrTooLarge},
		{"over pixel limit", jpg, media.Options{MaxPixels: 100}, media.ErrTooManyPixels},
		{"empty", nil, media.Options{}, media.ErrEmpty},
		{"gif", []byte("GIF89a\x01\x00\x01\x00\x00\x00\x00;"), media.Options{}, media.ErrUnsupportedFormat},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			checkScrubVerify(t, tt.data, tt.opts, bytes.NewReader)
			_, _, err := media.ScrubVerify(bytes.NewReader(tt.data), &bytes.Buffer{}, tt.opts)
			if (tt.want == nil) != (err == nil) || (tt.want != nil && !errors.Is(err, tt.want)) {
				t.Errorf("ScrubVerify = %v, want %v", err, tt.want)
			}
		})
	}
}

// TestScrubVerifyWriteError: a failing destination fails the call (it
// must not hang or report success).
func TestScrubVerifyWriteError(t *testing.T) {
	for _, data := range [][]byte{fixture.JPEG(fixture.JPEGOptions{}), benchJPEG(4)} {
		clean, _ := scrub(t, data, media.Options{})
		for _, n := range []int{0, 10, len(clean) / 2, len(clean) - 1} {
			if _, _, err := media.ScrubVerify(bytes.NewReader(data), &limitWriter{n: n}, media.Options{}); err == nil {
				t.Errorf("%d-byte output, writer failing after %d bytes: no error", len(clean), n)
			}
		}
	}
}

type limitWriter struct{ n int }

func (l *limitWriter) Write(p []byte) (int, error) {
	if len(p) > l.n {
		return 0, errors.New("disk full")
	}
	l.n -= len(p)
	return len(p), nil
}

// FuzzScrubVerify: ScrubVerify agrees with Scrub then Verify on any input.
func FuzzScrubVerify(f *testing.F) {
	for _, s := range samples() {
		f.Add(s.data)
		var out bytes.Buffer
		media.Scrub(bytes.NewReader(s.data), &out, media.Options{})
		f.Add(out.Bytes())
	}
	f.Add(fixture.JPEG(fixture.JPEGOptions{Orientation: 6}))
	f.Fuzz(func(t *testing.T, data []byte) {
		checkScrubVerify(t, data, media.Options{MaxPixels: 1 << 20}, bytes.NewReader)
	})
}

package media_test

import (
	"bytes"
	"testing"

	"storyguard/tools/media"
)

// benchVerify runs verify over the scrubbed issue #4 workload (a 4.1 MB
// noise JPEG, 2200x1600, quality 95, 4:2:0), one file at a time, and
// reports CPU time per file.
func benchVerify(b *testing.B, verify func([]byte) error) {
	var out bytes.Buffer
	if _, _, err := media.ScrubVerify(bytes.NewReader(benchJPEG(1)), &out, media.Options{}); err != nil {
		b.Fatal(err)
	}
	data := out.Bytes()
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	start := cpuTime()
	b.ResetTimer()
	for b.Loop() {
		if err := verify(data); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	reportCPU(b, start)
}

// BenchmarkVerify4MB is Verify alone on the scrubbed workload: the
// streaming parse and marker scan, no decoding.
func BenchmarkVerify4MB(b *testing.B) {
	benchVerify(b, func(d []byte) error {
		_, err := media.Verify(bytes.NewReader(d), media.Options{})
		return err
	})
}

// BenchmarkDeepVerify4MB is DeepVerify on the same file: Verify plus the
// Huffman decoding of every scan.
func BenchmarkDeepVerify4MB(b *testing.B) {
	benchVerify(b, func(d []byte) error {
		_, err := media.DeepVerify(d, media.Options{})
		return err
	})
}

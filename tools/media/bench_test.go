package media_test

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"storyguard/tools/media"
	"storyguard/tools/testgen/fixture"
)

// cpuTime is the user+system CPU time this process has used so far, all
// threads (getrusage RUSAGE_SELF). On a machine shared with other work, CPU
// per file is steadier than wall time per file.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// benchJPEG is the issue #4 workload: a noise-heavy 4.1 MB phone-style JPEG
// (2200x1600, quality 95) with EXIF, XMP and the other fixture metadata.
func benchJPEG(seed uint64) []byte {
	return fixture.JPEG(fixture.JPEGOptions{Image: fixture.Noise(2200, 1600, seed), Quality: 95})
}

// reportCPU adds the metric "cpu-ms/op": CPU time (all threads, GC
// included) per file since start.
func reportCPU(b *testing.B, start time.Duration) {
	if b.N > 0 {
		b.ReportMetric(float64(cpuTime()-start)/float64(b.N)/1e6, "cpu-ms/op")
	}
}

// BenchmarkScrubVerifyParallel is the throughput the CLI gets: one
// ScrubVerify per CPU at a time (GOMAXPROCS goroutines, as `storyguard
// media scrub` runs its workers), in memory. ns/op is wall time divided by
// files, so on 2 idle CPUs it is half a file's latency.
func BenchmarkScrubVerifyParallel(b *testing.B) {
	data := benchJPEG(1)
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	start := cpuTime()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		var out bytes.Buffer
		for pb.Next() {
			out.Reset()
			if _, _, err := media.ScrubVerify(bytes.NewReader(data), &out, media.Options{}); err != nil {
				b.Error(err)
				return
			}
		}
	})
	b.StopTimer()
	reportCPU(b, start)
}

// BenchmarkScrubVerifyFiles is the CLI's work per file on disk, without the
// CLI: open the input, create a temporary output, ScrubVerify, close and
// remove it, one file per CPU at a time, over 8 different 4 MB JPEGs in the
// page cache. Compare with BenchmarkCopyFiles (the same with io.Copy,
// which uses copy_file_range as cp does).
func BenchmarkScrubVerifyFiles(b *testing.B) {
	benchFiles(b, func(in *os.File, out *os.File) error {
		_, _, err := media.ScrubVerify(in, out, media.Options{Name: in.Name()})
		return err
	})
}

// BenchmarkCopyFiles is BenchmarkScrubVerifyFiles with a plain copy: the
// floor the issue #4 budget compares against.
func BenchmarkCopyFiles(b *testing.B) {
	benchFiles(b, func(in *os.File, out *os.File) error {
		_, err := io.Copy(out, in)
		return err
	})
}

// BenchmarkReadWriteFiles is BenchmarkCopyFiles through user space: read
// into a 128 KiB buffer and write it out, looking at nothing. Any tool that
// must see every byte (as a scrubber that proves its output clean must)
// pays at least this; cp, with copy_file_range, does not.
func BenchmarkReadWriteFiles(b *testing.B) {
	benchFiles(b, func(in *os.File, out *os.File) error {
		_, err := io.CopyBuffer(struct{ io.Writer }{out}, struct{ io.Reader }{in}, make([]byte, 128<<10))
		return err
	})
}

func benchFiles(b *testing.B, do func(in, out *os.File) error) {
	dir := b.TempDir()
	var paths []string
	var total int64
	for i := range 8 {
		p := filepath.Join(dir, fmt.Sprintf("in-%d.jpg", i))
		data := benchJPEG(uint64(i + 1))
		if err := os.WriteFile(p, data, 0o644); err != nil {
			b.Fatal(err)
		}
		paths = append(paths, p)
		total += int64(len(data))
	}
	outDir := filepath.Join(dir, "out")
	if err := os.Mkdir(outDir, 0o755); err != nil {
		b.Fatal(err)
	}
	b.SetBytes(total / int64(len(paths)))
	b.ReportAllocs()
	var next atomic.Int64
	start := cpuTime()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if err := oneFile(paths[next.Add(1)%int64(len(paths))], outDir, do); err != nil {
				b.Error(err)
				return
			}
		}
	})
	b.StopTimer()
	reportCPU(b, start)
}

func oneFile(path, outDir string, do func(in, out *os.File) error) error {
	in, err := os.Open(path)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.CreateTemp(outDir, "out-*")
	if err != nil {
		return err
	}
	defer os.Remove(out.Name())
	err = do(in, out)
	if cerr := out.Close(); err == nil {
		err = cerr
	}
	return err
}

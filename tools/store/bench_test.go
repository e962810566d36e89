package store

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"sync"
	"testing"
)

// benchSet is the budget's republish (issue #5): 1,000 media files and a
// 10,000-page site. Sizes: media 64 KiB, pages 10 KiB (DESIGN.md measured
// 10,000 × 10 KB pages). Bodies share one buffer with an 8-byte unique
// head, so the set costs little memory.
func benchSet(mediaSize, pageSize int, salt uint64) (media, site []Upload) {
	mk := func(key string, base []byte, n uint64) Upload {
		headB := make([]byte, 8)
		binary.BigEndian.PutUint64(headB, n^salt<<32)
		h := sha256.New()
		h.Write(headB)
		h.Write(base[8:])
		d := hex.EncodeToString(h.Sum(nil))
		if key == "" {
			key = fmt.Sprintf("media/st-%04d/%s.jpg", n%97, d)
		}
		return Upload{Key: key, Size: int64(len(base)), SHA256: d, Open: func() (io.ReadCloser, error) {
			return io.NopCloser(io.MultiReader(bytes.NewReader(headB), bytes.NewReader(base[8:]))), nil
		}}
	}
	mb := bytes.Repeat([]byte{0xa5}, mediaSize)
	pb := bytes.Repeat([]byte("<p>words</p>"), pageSize/12+1)[:pageSize]
	for i := range 1000 {
		media = append(media, mk("", mb, uint64(i)))
	}
	for i := range 10000 {
		site = append(site, mk(fmt.Sprintf("site/p/%02d/%04d/index.html", i%50, i), pb, uint64(i+1000)))
	}
	return media, site
}

func publish(b *testing.B, st Store, media, site []Upload, opts SyncOptions) (puts int) {
	ctx := context.Background()
	r1, err := Sync(ctx, st, MediaPrefix, media, opts)
	if err != nil {
		b.Fatal(err)
	}
	r2, err := Sync(ctx, st, SitePrefix, site, opts)
	if err != nil {
		b.Fatal(err)
	}
	return r1.Uploaded + r2.Uploaded
}

// republishFixture is one gateway holding the published 11,000 objects,
// shared by BenchmarkSyncNoop and BenchmarkSyncForce so that -count=N
// repeats measure without repeating the set-up; TestMain stops it.
var republishFixture struct {
	once        sync.Once
	g           *Gateway
	s           *S3
	dir         string
	media, site []Upload
	err         error
}

func republish(b *testing.B) (*S3, []Upload, []Upload) {
	f := &republishFixture
	f.once.Do(func() {
		f.dir, f.err = os.MkdirTemp("", "storyguard-bench-")
		if f.err != nil {
			return
		}
		f.g, f.err = StartGateway(context.Background(), GatewayOptions{Command: testCommand(), Dir: f.dir})
		if f.err != nil {
			return
		}
		if f.s, f.err = f.g.Store(); f.err != nil {
			return
		}
		f.media, f.site = benchSet(64<<10, 10<<10, 0)
		_, f.err = Sync(context.Background(), f.s, MediaPrefix, f.media, SyncOptions{Prune: true})
		if f.err == nil {
			_, f.err = Sync(context.Background(), f.s, SitePrefix, f.site, SyncOptions{Prune: true})
		}
	})
	if f.err != nil {
		b.Fatal(f.err)
	}
	return f.s, f.media, f.site
}

func stopRepublishFixture() {
	f := &republishFixture
	if f.g != nil {
		f.g.Close()
	}
	if f.dir != "" {
		os.RemoveAll(f.dir)
	}
}

// BenchmarkSyncNoop republishes 1,000 unchanged media files and a
// 10,000-page site (two Syncs, prune on), as publish does. Budget: zero
// PUTs and under 2 s per op on loopback.
func BenchmarkSyncNoop(b *testing.B) {
	s, media, site := republish(b)
	c := &counting{Store: s}
	for b.Loop() {
		publish(b, c, media, site, SyncOptions{Prune: true})
	}
	b.ReportMetric(float64(c.puts.Load())/float64(b.N), "puts/op")
}

// BenchmarkSyncForce re-uploads the same 11,000 objects without comparing
// digests (SyncOptions.Force): the baseline a no-op republish is compared
// with in bench/store.sh.
func BenchmarkSyncForce(b *testing.B) {
	s, media, site := republish(b)
	c := &counting{Store: s}
	for b.Loop() {
		publish(b, c, media, site, SyncOptions{Prune: true, Force: true})
	}
	b.ReportMetric(float64(c.puts.Load())/float64(b.N), "puts/op")
}

// BenchmarkSyncFirst is a first publish of 1,000 media files of 1 MiB
// (8 workers, the default). Budget: at least 4 uploads in flight; the
// max-inflight metric is the most Puts observed running at once.
func BenchmarkSyncFirst(b *testing.B) {
	_, s := startGateway(b, "", GatewayOptions{})
	c := &counting{Store: s}
	b.SetBytes(1000 << 20)
	for i := 0; b.Loop(); i++ {
		b.StopTimer()
		media, _ := benchSet(1<<20, 16, uint64(i+1))
		media = media[:1000]
		b.StartTimer()
		if _, err := Sync(context.Background(), c, MediaPrefix, media, SyncOptions{}); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(c.maxInFlight.Load()), "max-inflight")
}

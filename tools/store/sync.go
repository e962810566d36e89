package store

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/schollz/progressbar/v3"
	"golang.org/x/sync/errgroup"
	"golang.org/x/term"
)

// Upload is one object Sync should make present. The caller streams the
// body from its file and reuses the digest computed upstream (scrub, build),
// so nothing is hashed twice.
type Upload struct {
	// Key is the object key (ValidateKey), under Sync's prefix.
	Key string
	// Size is the body's length in bytes.
	Size int64
	// SHA256 is the body's lowercase hex sha256.
	SHA256 string
	// ContentType and CacheControl default to ContentTypeFor and
	// CacheControlFor of Key.
	ContentType, CacheControl string
	// Open opens the body; Sync calls it once per attempt and closes it.
	Open func() (io.ReadCloser, error)
}

// SyncOptions tunes Sync.
type SyncOptions struct {
	// Workers is the number of parallel uploads (and HEADs); default 8.
	Workers int
	// Prune deletes every object under the prefix that is not in want,
	// with all its versions and delete markers: what is no longer wanted is
	// no longer consented, and no copy of it may survive.
	Prune bool
	// Force uploads everything, without comparing digests (a full
	// re-upload; used by the benchmark as the baseline).
	Force bool
	// Retries is how many times a transient failure (IsTransient) is
	// retried, with exponential backoff from RetryBase (200 ms) doubling up
	// to 5 s; default 4. Negative: no retry.
	Retries   int
	RetryBase time.Duration
	// Progress receives a progress bar of bytes uploaded; nil is quiet.
	// Pass ProgressWriter(os.Stderr) to draw it only on a terminal.
	Progress io.Writer
	// BeforeChange, if set, is called once with the sorted keys Sync is
	// about to upload or prune, after the comparison and before the first
	// change; an error stops Sync with nothing changed. Publish journals
	// them there for the CDN purge, so that a run killed part way still
	// knows what it changed.
	BeforeChange func(keys []string) error
}

// SyncReport is what Sync did. Counts are objects.
type SyncReport struct {
	// Uploaded objects and their bytes.
	Uploaded int
	Bytes    int64
	// Unchanged objects, already present with the same sha256, size,
	// Content-Type and Cache-Control.
	Unchanged int
	// Deleted objects (pruned), and DeletedVersions the versions and
	// delete markers removed with them.
	Deleted, DeletedVersions int
	// AbortedUploads counts incomplete multipart uploads under the prefix
	// that Sync aborted (left by an interrupted earlier run).
	AbortedUploads int
	// Changed lists the uploaded keys, sorted; Pruned the deleted ones.
	Changed, Pruned []string
}

// ProgressWriter returns f when it is a terminal and nil otherwise, for
// SyncOptions.Progress.
func ProgressWriter(f *os.File) io.Writer {
	if f != nil && term.IsTerminal(int(f.Fd())) {
		return f
	}
	return nil
}

// indexEntry is what Sync remembers of an object it uploaded or verified.
type indexEntry struct {
	Size         int64  `json:"size"`
	ETag         string `json:"etag"`
	SHA256       string `json:"sha256"`
	ContentType  string `json:"content_type"`
	CacheControl string `json:"cache_control"`
}

type index struct {
	Version int                   `json:"version"`
	Prefix  string                `json:"prefix"`
	Objects map[string]indexEntry `json:"objects"`
}

// IndexKey returns the key of Sync's digest index for prefix:
// "state/index/<first 16 hex of sha256(prefix)>.json".
//
// Why an index: an S3 listing carries each object's size and ETag but not
// its user metadata, and reading the sha256 of 11,000 objects one HEAD at a
// time would blow the 2 s budget of a no-op publish. So after each Sync the
// index maps key -> {size, etag, sha256, content type, cache control}. The
// next Sync trusts an entry only when the listing shows the same size and
// ETag (the server's own digest of the bytes), and falls back to a HEAD of
// the object's x-amz-meta-sha256 otherwise. The index lies under state/,
// which the bucket policy never makes public; it holds keys and digests,
// never names, and its noncurrent versions are deleted after each write.
func IndexKey(prefix string) string {
	h := sha256.Sum256([]byte(prefix))
	return StatePrefix + "index/" + hex.EncodeToString(h[:8]) + ".json"
}

// Sync makes the objects under prefix exactly want: it aborts incomplete
// multipart uploads under prefix (an interrupted run's leftovers), then one
// listing, then only
// the missing or changed objects are uploaded, by opts.Workers workers,
// each transient failure retried with backoff; with opts.Prune, objects
// under prefix not in want are deleted with all their versions. A second
// Sync with nothing changed makes no PUT at all.
//
// Every Upload must lie under prefix (ValidatePrefix; "media/" or "site/"
// usually), have a valid key, a 64-hex SHA256 and a non-nil Open, and no key
// may appear twice: otherwise Sync returns an error before touching
// anything. On error the report counts what was done; a rerun converges.
func Sync(ctx context.Context, st Store, prefix string, want []Upload, opts SyncOptions) (SyncReport, error) {
	var rep SyncReport
	if err := ValidatePrefix(prefix); err != nil {
		return rep, err
	}
	if prefix == "" || strings.HasPrefix(prefix, StatePrefix) {
		return rep, fmt.Errorf("sync prefix %q: want a prefix under media/ or site/", prefix)
	}
	if opts.Workers <= 0 {
		opts.Workers = 8
	}
	if opts.Retries == 0 {
		opts.Retries = 4
	}
	if opts.RetryBase <= 0 {
		opts.RetryBase = 200 * time.Millisecond
	}
	seen := make(map[string]bool, len(want))
	items := make([]Upload, 0, len(want))
	for i, u := range want {
		if !strings.HasPrefix(u.Key, prefix) {
			return rep, fmt.Errorf("upload %d: key %s: not under prefix %s", i, u.Key, prefix)
		}
		m, err := checkMeta(u.Key, Meta{SHA256: u.SHA256, ContentType: u.ContentType, CacheControl: u.CacheControl})
		if err != nil {
			return rep, fmt.Errorf("upload %d: %w", i, err)
		}
		if u.Open == nil {
			return rep, fmt.Errorf("upload %d: key %s: no Open function", i, u.Key)
		}
		if u.Size < 0 {
			return rep, fmt.Errorf("upload %d: key %s: negative size %d", i, u.Key, u.Size)
		}
		if seen[u.Key] {
			return rep, fmt.Errorf("upload %d: key %s: listed twice", i, u.Key)
		}
		seen[u.Key] = true
		u.ContentType, u.CacheControl = m.ContentType, m.CacheControl
		items = append(items, u)
	}

	// An interrupted earlier run may have left incomplete multipart
	// uploads: their parts are stored bytes nobody can see. Abort them
	// (Storyguard assumes one publish at a time per bucket).
	ups, err := st.ListUploads(ctx, prefix)
	if err != nil {
		return rep, fmt.Errorf("sync %s: %w", prefix, err)
	}
	for _, u := range ups {
		if err := st.AbortUpload(ctx, u.Key, u.UploadID); err != nil {
			return rep, fmt.Errorf("sync %s: %w", prefix, err)
		}
		rep.AbortedUploads++
	}

	listed, err := st.List(ctx, prefix)
	if err != nil {
		return rep, fmt.Errorf("sync %s: %w", prefix, err)
	}
	ixKey := IndexKey(prefix)
	old, oldRaw := readIndex(ctx, st, ixKey, prefix)
	next := &index{Version: 1, Prefix: prefix, Objects: make(map[string]indexEntry, len(items))}
	var nextMu sync.Mutex
	record := func(key string, e indexEntry) {
		nextMu.Lock()
		next.Objects[key] = e
		nextMu.Unlock()
	}

	entryOf := func(u Upload, etag string) indexEntry {
		return indexEntry{Size: u.Size, ETag: etag, SHA256: u.SHA256, ContentType: u.ContentType, CacheControl: u.CacheControl}
	}
	var toPut, toHead []Upload
	for _, u := range items {
		l, ok := listed[u.Key]
		switch {
		case opts.Force || !ok || l.Size != u.Size:
			toPut = append(toPut, u)
		case old.Objects[u.Key] == entryOf(u, l.ETag):
			record(u.Key, entryOf(u, l.ETag))
		default:
			toHead = append(toHead, u)
		}
	}
	// Objects whose digest the index cannot vouch for: read it from the
	// object's own metadata.
	var headMu sync.Mutex
	err = forEach(ctx, opts.Workers, toHead, func(ctx context.Context, u Upload) error {
		var o Object
		err := retry(ctx, opts, func() error {
			var err error
			o, err = st.Stat(ctx, u.Key)
			return err
		})
		if err != nil && !errors.Is(err, ErrNotFound) {
			return fmt.Errorf("sync %s: %w", prefix, err)
		}
		if err == nil && o.SHA256 == u.SHA256 && o.Size == u.Size && o.ContentType == u.ContentType && o.CacheControl == u.CacheControl {
			record(u.Key, entryOf(u, o.ETag))
			return nil
		}
		headMu.Lock()
		toPut = append(toPut, u)
		headMu.Unlock()
		return nil
	})
	if err != nil {
		return rep, err
	}
	rep.Unchanged = len(items) - len(toPut)

	var gone []string
	if opts.Prune {
		for k := range listed {
			if !seen[k] {
				gone = append(gone, k)
			}
		}
		slices.Sort(gone)
	}
	if opts.BeforeChange != nil && len(toPut)+len(gone) > 0 {
		keys := slices.Clone(gone)
		for _, u := range toPut {
			keys = append(keys, u.Key)
		}
		slices.Sort(keys)
		if err := opts.BeforeChange(keys); err != nil {
			return rep, fmt.Errorf("sync %s: %w", prefix, err)
		}
	}

	var total int64
	for _, u := range toPut {
		total += u.Size
	}
	var bar *progressbar.ProgressBar
	if opts.Progress != nil && len(toPut) > 0 {
		bar = progressbar.NewOptions64(total, progressbar.OptionSetWriter(opts.Progress),
			progressbar.OptionSetDescription("uploading "+prefix), progressbar.OptionShowBytes(true),
			progressbar.OptionShowCount(), progressbar.OptionThrottle(100*time.Millisecond),
			progressbar.OptionClearOnFinish())
	}
	var uploaded, bytesUp atomic.Int64
	var changedMu sync.Mutex
	err = forEach(ctx, opts.Workers, toPut, func(ctx context.Context, u Upload) error {
		var o Object
		err := retry(ctx, opts, func() error {
			body, err := u.Open()
			if err != nil {
				return fmt.Errorf("open body of %s: %w", u.Key, err)
			}
			defer body.Close()
			o, err = st.Put(ctx, u.Key, body, u.Size, Meta{SHA256: u.SHA256, ContentType: u.ContentType, CacheControl: u.CacheControl})
			return err
		})
		if err != nil {
			return fmt.Errorf("sync %s: %w", prefix, err)
		}
		record(u.Key, entryOf(u, o.ETag))
		uploaded.Add(1)
		bytesUp.Add(u.Size)
		changedMu.Lock()
		rep.Changed = append(rep.Changed, u.Key)
		changedMu.Unlock()
		if bar != nil {
			bar.Add64(u.Size)
		}
		return nil
	})
	rep.Uploaded, rep.Bytes = int(uploaded.Load()), bytesUp.Load()
	slices.Sort(rep.Changed)
	if bar != nil {
		bar.Finish()
	}
	if err != nil {
		return rep, err
	}

	if opts.Prune {
		if len(gone) > 0 {
			n, err := deleteAllVersions(ctx, st, prefix, gone, opts)
			rep.DeletedVersions = n
			if err != nil {
				return rep, fmt.Errorf("sync %s: prune: %w", prefix, err)
			}
			rep.Deleted, rep.Pruned = len(gone), gone
		}
	}

	if err := writeIndex(ctx, st, ixKey, next, oldRaw, opts); err != nil {
		return rep, fmt.Errorf("sync %s: %w", prefix, err)
	}
	return rep, nil
}

func readIndex(ctx context.Context, st Store, key, prefix string) (*index, []byte) {
	empty := &index{Objects: map[string]indexEntry{}}
	rc, err := st.Get(ctx, key)
	if err != nil {
		return empty, nil // missing or unreadable: every object is checked by HEAD
	}
	defer rc.Close()
	raw, err := io.ReadAll(io.LimitReader(rc, 64<<20))
	if err != nil {
		return empty, nil
	}
	var ix index
	if json.Unmarshal(raw, &ix) != nil || ix.Version != 1 || ix.Prefix != prefix || ix.Objects == nil {
		return empty, raw
	}
	return &ix, raw
}

// writeIndex stores ix when it differs from what was read, then deletes
// the index's noncurrent versions so that old indexes do not pile up.
func writeIndex(ctx context.Context, st Store, key string, ix *index, oldRaw []byte, opts SyncOptions) error {
	raw, err := json.Marshal(ix)
	if err != nil {
		return fmt.Errorf("index %s: %w", key, err)
	}
	if _, dry := st.(*DryRun); dry || bytes.Equal(raw, oldRaw) {
		return nil
	}
	sum := sha256.Sum256(raw)
	err = retry(ctx, opts, func() error {
		_, err := st.Put(ctx, key, bytes.NewReader(raw), int64(len(raw)), Meta{SHA256: hex.EncodeToString(sum[:]),
			ContentType: "application/json", CacheControl: "no-store"})
		return err
	})
	if err != nil {
		return fmt.Errorf("write index: %w", err)
	}
	if _, err := PurgeNoncurrent(ctx, st, []string{key}); err != nil {
		return fmt.Errorf("index %s: %w", key, err)
	}
	return nil
}

// forEach runs fn over items with n workers fed through a channel in an
// errgroup; every send and receive also watches ctx.Done(), so the first
// error or a cancellation stops the rest promptly (the pattern of bep/s3deploy
// lib/deployer.go).
func forEach[T any](ctx context.Context, n int, items []T, fn func(context.Context, T) error) error {
	if len(items) == 0 {
		return nil
	}
	g, ctx := errgroup.WithContext(ctx)
	ch := make(chan T)
	g.Go(func() error {
		defer close(ch)
		for _, it := range items {
			select {
			case ch <- it:
			case <-ctx.Done():
				return ctx.Err()
			}
		}
		return nil
	})
	for range min(n, len(items)) {
		g.Go(func() error {
			for {
				select {
				case it, ok := <-ch:
					if !ok {
						return nil
					}
					if err := fn(ctx, it); err != nil {
						return err
					}
				case <-ctx.Done():
					return ctx.Err()
				}
			}
		})
	}
	return g.Wait()
}

// retry calls f until it succeeds, fails with a non-transient error, or
// opts.Retries retries are spent, sleeping RetryBase, 2×, 4× ... (at most
// 5 s) between attempts.
func retry(ctx context.Context, opts SyncOptions, f func() error) error {
	delay := opts.RetryBase
	for attempt := 0; ; attempt++ {
		err := f()
		if err == nil || attempt >= opts.Retries || !IsTransient(err) {
			return err
		}
		select {
		case <-time.After(delay):
		case <-ctx.Done():
			return err
		}
		delay = min(2*delay, 5*time.Second)
	}
}

package publish

import (
	"context"
	"fmt"
	"io"
	"maps"
	"slices"

	"storyguard/tools/store"
)

// NewS3Store is the pipeline's Store over a minio-go store: Sync with
// workers parallel uploads and a progress bar on progress (nil: quiet),
// the purges of package store, and the run lease (store.AcquireLease).
// The embedded gateway and a remote bucket go through the same code.
func NewS3Store(s3 *store.S3, workers int, progress io.Writer) Store {
	return &s3Store{s3: s3, workers: workers, progress: progress}
}

// s3Store is the pipeline's view of the minio-go store.
type s3Store struct {
	s3       *store.S3
	workers  int
	progress io.Writer
}

func (s *s3Store) Sync(ctx context.Context, prefix string, want []Upload, prune bool, before func([]string) error) (SyncResult, error) {
	ups := make([]store.Upload, len(want))
	for i, u := range want {
		ups[i] = store.Upload{Key: u.Key, Size: u.Size, SHA256: u.SHA256, ContentType: u.ContentType, Open: u.Open}
	}
	r, err := store.Sync(ctx, s.s3, prefix, ups, store.SyncOptions{Workers: s.workers, Prune: prune, Progress: s.progress, BeforeChange: before})
	return SyncResult{Uploaded: r.Uploaded, Unchanged: r.Unchanged, Changed: r.Changed, Deleted: r.Pruned}, err
}

func (s *s3Store) PurgePrefix(ctx context.Context, prefix string) (PurgeResult, error) {
	r, err := store.PurgePrefix(ctx, s.s3, prefix)
	return PurgeResult{Versions: r.Versions, DeleteMarkers: r.DeleteMarkers, Uploads: r.Uploads, Keys: r.Keys}, err
}

func (s *s3Store) PurgeNoncurrent(ctx context.Context, prefix string) (PurgeResult, error) {
	versions, err := s.s3.ListVersions(ctx, prefix)
	if err != nil {
		return PurgeResult{}, err
	}
	var keys []string
	for _, v := range versions {
		if !v.IsLatest || v.IsDeleteMarker {
			keys = append(keys, v.Key)
		}
	}
	slices.Sort(keys)
	keys = slices.Compact(keys)
	if len(keys) == 0 {
		return PurgeResult{}, nil
	}
	r, err := store.PurgeNoncurrent(ctx, s.s3, keys)
	return PurgeResult{Versions: r.Versions, DeleteMarkers: r.DeleteMarkers, Uploads: r.Uploads}, err
}

func (s *s3Store) EnsurePolicy(ctx context.Context) error { return s.s3.EnsurePolicy(ctx) }

func (s *s3Store) Exists(ctx context.Context, prefix string) (bool, error) {
	objs, err := s.s3.List(ctx, prefix)
	return len(objs) > 0, err
}

func (s *s3Store) PurgeNaming(ctx context.Context, prefix string, maxSize int64, match func([]byte) bool, before func([]string) error) (PurgeResult, error) {
	objs, err := s.s3.List(ctx, prefix)
	if err != nil {
		return PurgeResult{}, err
	}
	var keys []string
	for _, k := range slices.Sorted(maps.Keys(objs)) {
		if objs[k].Size > maxSize {
			keys = append(keys, k)
			continue
		}
		rc, err := s.s3.Get(ctx, k)
		if err != nil {
			return PurgeResult{}, err
		}
		body, err := io.ReadAll(io.LimitReader(rc, maxSize+1))
		rc.Close()
		if err != nil {
			return PurgeResult{}, fmt.Errorf("read %s: %w", k, err)
		}
		if int64(len(body)) > maxSize || match(body) {
			keys = append(keys, k)
		}
	}
	res := PurgeResult{Keys: keys}
	if len(keys) == 0 {
		return res, nil
	}
	if before != nil {
		if err := before(keys); err != nil {
			return res, err
		}
	}
	// A delete makes each current version noncurrent (a delete marker on
	// a versioned bucket); PurgeNoncurrent then deletes every version and
	// marker of those keys.
	for _, k := range keys {
		if err := s.s3.Delete(ctx, k); err != nil {
			return res, err
		}
	}
	r, err := store.PurgeNoncurrent(ctx, s.s3, keys)
	res.Versions, res.DeleteMarkers = r.Versions, r.DeleteMarkers
	if err != nil {
		return res, err
	}
	left, err := s.s3.List(ctx, prefix)
	if err != nil {
		return res, err
	}
	for _, k := range keys {
		if _, ok := left[k]; ok {
			return res, fmt.Errorf("delete %s: still there after the purge", k)
		}
	}
	return res, nil
}

func (s *s3Store) Endpoint() string { return s.s3.Endpoint }

func (s *s3Store) AcquireLease(ctx context.Context, o store.LeaseOptions) (*store.Lease, error) {
	return store.AcquireLease(ctx, s.s3, o)
}

package store

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
)

// ErrNotGone is wrapped by PurgePrefix when the listing after the purge
// still shows versions, delete markers or incomplete uploads. Withdrawal
// must then fail loudly: NotGoneError carries the counts and keys.
var ErrNotGone = errors.New("objects remain after purge")

// NotGoneError reports what a purge left behind.
type NotGoneError struct {
	Prefix string
	// Versions counts object versions and delete markers left; Uploads
	// incomplete multipart uploads left.
	Versions, Uploads int
	// Keys are the keys still holding anything, sorted, at most 20.
	Keys []string
}

func (e *NotGoneError) Error() string {
	return fmt.Sprintf("purge %s: %d versions or delete markers and %d incomplete uploads remain (%s): %v",
		e.Prefix, e.Versions, e.Uploads, strings.Join(e.Keys, ", "), ErrNotGone)
}

func (e *NotGoneError) Unwrap() error { return ErrNotGone }

// PurgeReport is what a purge deleted.
type PurgeReport struct {
	// Versions deleted (object versions, including current ones) and
	// DeleteMarkers deleted; Uploads aborted.
	Versions, DeleteMarkers, Uploads int
	// Keys are the distinct keys that held anything, sorted: the objects
	// whose URLs a CDN must purge.
	Keys []string
	// Versioning is the bucket's versioning status when the purge ran.
	// With VersioningOff there were never earlier versions to delete: each
	// key had exactly one copy, and the purge deleted it.
	Versioning VersioningStatus
}

// PurgePrefix deletes everything stored under prefix: every version and
// every delete marker (ListVersions, DeleteVersion by version id), and every
// incomplete multipart upload (AbortUpload); then lists versions, current
// objects and uploads again and returns a *NotGoneError (errors.Is
// ErrNotGone) if anything is left. Idempotent: a second call finds nothing
// and returns a zero report.
//
// The prefix must name a story's media or a site path ("media/st-7q2k9m/",
// "site/en/stories/finding-my-voice/"): purging a whole top-level prefix or
// the bucket is refused, as no withdrawal needs it.
//
// On a bucket without versioning (VersioningOff) it does the same: the
// versions listing then shows each object once with version id "null", and
// deleting that version deletes the object. It never refuses: refusing
// would leave a withdrawn story public, which is the one outcome withdrawal
// exists to prevent. The report's Versioning field lets the caller say
// plainly that there were no earlier versions. With VersioningSuspended,
// versions made while it was enabled are listed and deleted like any other.
func PurgePrefix(ctx context.Context, st Store, prefix string) (PurgeReport, error) {
	var rep PurgeReport
	if err := ValidatePrefix(prefix); err != nil {
		return rep, err
	}
	if strings.Count(prefix, "/") < 2 {
		return rep, fmt.Errorf("purge prefix %q: refusing to purge a whole top-level prefix; name a story's media or a site path", prefix)
	}
	vs, err := st.Versioning(ctx)
	if err != nil {
		return rep, fmt.Errorf("purge %s: %w", prefix, err)
	}
	rep.Versioning = vs
	keys := map[string]bool{}

	ups, err := st.ListUploads(ctx, prefix)
	if err != nil {
		return rep, fmt.Errorf("purge %s: %w", prefix, err)
	}
	for _, u := range ups {
		if err := st.AbortUpload(ctx, u.Key, u.UploadID); err != nil {
			return rep, fmt.Errorf("purge %s: %w", prefix, err)
		}
		rep.Uploads++
		keys[u.Key] = true
	}

	versions, err := st.ListVersions(ctx, prefix)
	if err != nil {
		return rep, fmt.Errorf("purge %s: %w", prefix, err)
	}
	for _, v := range versions {
		if err := deleteVersion(ctx, st, v); err != nil {
			return rep, fmt.Errorf("purge %s: %w", prefix, err)
		}
		if v.IsDeleteMarker {
			rep.DeleteMarkers++
		} else {
			rep.Versions++
		}
		keys[v.Key] = true
	}
	rep.Keys = sortedKeys(keys)
	return rep, verifyGone(ctx, st, prefix)
}

// deleteVersion deletes one version; a version without id (a server that
// lists without versions) is deleted as the current object.
func deleteVersion(ctx context.Context, st Store, v Version) error {
	if v.VersionID == "" {
		return st.Delete(ctx, v.Key)
	}
	return st.DeleteVersion(ctx, v.Key, v.VersionID)
}

// verifyGone lists again, three ways, and fails if anything is left.
func verifyGone(ctx context.Context, st Store, prefix string) error {
	e := &NotGoneError{Prefix: prefix}
	left := map[string]bool{}
	versions, err := st.ListVersions(ctx, prefix)
	if err != nil {
		return fmt.Errorf("purge %s: verify: %w", prefix, err)
	}
	for _, v := range versions {
		e.Versions++
		left[v.Key] = true
	}
	cur, err := st.List(ctx, prefix)
	if err != nil {
		return fmt.Errorf("purge %s: verify: %w", prefix, err)
	}
	for k := range cur {
		if !left[k] {
			e.Versions++
			left[k] = true
		}
	}
	ups, err := st.ListUploads(ctx, prefix)
	if err != nil {
		return fmt.Errorf("purge %s: verify: %w", prefix, err)
	}
	for _, u := range ups {
		e.Uploads++
		left[u.Key] = true
	}
	if len(left) == 0 {
		return nil
	}
	e.Keys = sortedKeys(left)
	if len(e.Keys) > 20 {
		e.Keys = e.Keys[:20]
	}
	return e
}

// PurgeNoncurrentUnder is PurgeNoncurrent of every key under prefix that
// has a noncurrent version or a delete marker, so that the prefix holds
// exactly its current objects. Nothing to purge is no error and no call
// beyond the listing.
func PurgeNoncurrentUnder(ctx context.Context, st Store, prefix string) (PurgeReport, error) {
	versions, err := st.ListVersions(ctx, prefix)
	if err != nil {
		return PurgeReport{}, err
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
		return PurgeReport{}, nil
	}
	return PurgeNoncurrent(ctx, st, keys)
}

// PurgeNoncurrent deletes every noncurrent version and every delete marker
// of each of keys, keeping only their current versions, and verifies that
// nothing else is left. Withdrawal calls it on every site object the
// redeploy changed, so no older version of a page that named the withdrawn
// story survives. Keys need not exist; on a bucket without versioning it
// finds nothing to delete. Idempotent. It returns the counts deleted.
func PurgeNoncurrent(ctx context.Context, st Store, keys []string) (PurgeReport, error) {
	var rep PurgeReport
	want := map[string]bool{}
	byDir := map[string]bool{}
	for _, k := range keys {
		if err := ValidateKey(k); err != nil {
			return rep, err
		}
		want[k] = true
		byDir[k[:strings.LastIndex(k, "/")+1]] = true
	}
	touched := map[string]bool{}
	for dir := range byDir {
		versions, err := st.ListVersions(ctx, dir)
		if err != nil {
			return rep, fmt.Errorf("purge noncurrent versions: %w", err)
		}
		for _, v := range versions {
			if !want[v.Key] || (v.IsLatest && !v.IsDeleteMarker) {
				continue
			}
			if err := deleteVersion(ctx, st, v); err != nil {
				return rep, fmt.Errorf("purge noncurrent versions: %w", err)
			}
			if v.IsDeleteMarker {
				rep.DeleteMarkers++
			} else {
				rep.Versions++
			}
			touched[v.Key] = true
		}
		versions, err = st.ListVersions(ctx, dir)
		if err != nil {
			return rep, fmt.Errorf("purge noncurrent versions: verify: %w", err)
		}
		e := &NotGoneError{Prefix: dir}
		left := map[string]bool{}
		for _, v := range versions {
			if want[v.Key] && !(v.IsLatest && !v.IsDeleteMarker) {
				e.Versions++
				left[v.Key] = true
			}
		}
		if e.Versions > 0 {
			e.Keys = sortedKeys(left)
			return rep, e
		}
	}
	rep.Keys = sortedKeys(touched)
	return rep, nil
}

// deleteAllVersions deletes every version and delete marker of keys (all
// under prefix), and returns how many it deleted.
func deleteAllVersions(ctx context.Context, st Store, prefix string, keys []string, opts SyncOptions) (int, error) {
	gone := map[string]bool{}
	for _, k := range keys {
		gone[k] = true
	}
	versions, err := st.ListVersions(ctx, prefix)
	if err != nil {
		return 0, err
	}
	var doomed []Version
	for _, v := range versions {
		if gone[v.Key] {
			doomed = append(doomed, v)
		}
	}
	// Keys listed as current but absent from the versions listing (a server
	// without version listing) are still deleted.
	inList := map[string]bool{}
	for _, v := range doomed {
		inList[v.Key] = true
	}
	for _, k := range keys {
		if !inList[k] {
			doomed = append(doomed, Version{Key: k})
		}
	}
	var n int
	var mu = make(chan struct{}, 1)
	err = forEach(ctx, opts.Workers, doomed, func(ctx context.Context, v Version) error {
		if err := retry(ctx, opts, func() error { return deleteVersion(ctx, st, v) }); err != nil {
			return err
		}
		mu <- struct{}{}
		n++
		<-mu
		return nil
	})
	return n, err
}

func sortedKeys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

package publish

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"maps"
	"net/url"
	"slices"
	"strings"

	"storyguard/tools/store"
)

// MaxScanSize is the largest site object unlistStory reads to decide
// whether it names a story, in bytes. A larger one is deleted unread:
// fail closed.
const MaxScanSize = 32 << 20

// storyNeedles are the byte strings by which a built page names story s:
// its story id, and the site-relative path of each of its pages
// ("stories/<slug>/", "es/stories/<slug>/"), as written and
// percent-encoded, with "/" also JSON-escaped ("stories\/<slug>\/"). A
// link in any form Hugo writes (root-relative, absolute, or relative with
// relativeURLs) contains one of them.
func storyNeedles(s Story) [][]byte {
	forms := []string{s.ID}
	for _, p := range s.PagePrefixes {
		rel := strings.TrimPrefix(p, "site/")
		if rel == "" || rel == p {
			continue
		}
		segs := strings.Split(strings.TrimSuffix(rel, "/"), "/")
		for i, seg := range segs {
			segs[i] = url.PathEscape(seg)
		}
		for _, f := range []string{rel, strings.Join(segs, "/") + "/"} {
			forms = append(forms, f, strings.ReplaceAll(f, "/", `\/`))
		}
	}
	slices.Sort(forms)
	forms = slices.Compact(forms)
	out := make([][]byte, 0, len(forms))
	for _, f := range forms {
		if f != "" {
			out = append(out, []byte(f))
		}
	}
	return out
}

// namesAny reports whether body contains any of needles.
func namesAny(body []byte, needles [][]byte) bool {
	for _, n := range needles {
		if bytes.Contains(body, n) {
			return true
		}
	}
	return false
}

// UnlistResult is what unlistStory deleted.
type UnlistResult struct {
	// Keys are the site object keys deleted, every version, because their
	// current version named the story (or was too large to read), sorted.
	Keys []string
	// Versions and DeleteMarkers count what was deleted, the search index
	// and the noncurrent versions under site/ included.
	Versions, DeleteMarkers int
}

// purgeNaming reads the current version of every object under prefix and
// deletes every version of each whose body match reports true, or that is
// larger than maxSize bytes (unread: fail closed), then lists again and
// fails if any of them is still there. before, if not nil, is called with
// those keys before the first deletion; a failed read is an error before
// anything is deleted. The report's Keys are those keys, sorted.
func purgeNaming(ctx context.Context, st store.Store, prefix string, maxSize int64, match func(body []byte) bool, before func(keys []string) error) (store.PurgeReport, error) {
	var rep store.PurgeReport
	objs, err := st.List(ctx, prefix)
	if err != nil {
		return rep, err
	}
	var keys []string
	for _, k := range slices.Sorted(maps.Keys(objs)) {
		if objs[k].Size > maxSize {
			keys = append(keys, k)
			continue
		}
		rc, err := st.Get(ctx, k)
		if err != nil {
			return rep, err
		}
		body, err := io.ReadAll(io.LimitReader(rc, maxSize+1))
		rc.Close()
		if err != nil {
			return rep, fmt.Errorf("read %s: %w", k, err)
		}
		if int64(len(body)) > maxSize || match(body) {
			keys = append(keys, k)
		}
	}
	rep.Keys = keys
	if len(keys) == 0 {
		return rep, nil
	}
	if before != nil {
		if err := before(keys); err != nil {
			return rep, err
		}
	}
	// A delete makes each current version noncurrent (a delete marker on
	// a versioned bucket); PurgeNoncurrent then deletes every version and
	// marker of those keys.
	for _, k := range keys {
		if err := st.Delete(ctx, k); err != nil {
			return rep, err
		}
	}
	r, err := store.PurgeNoncurrent(ctx, st, keys)
	rep.Versions, rep.DeleteMarkers = r.Versions, r.DeleteMarkers
	if err != nil {
		return rep, err
	}
	left, err := st.List(ctx, prefix)
	if err != nil {
		return rep, err
	}
	for _, k := range keys {
		if _, ok := left[k]; ok {
			return rep, fmt.Errorf("delete %s: still there after the purge", k)
		}
	}
	return rep, nil
}

// unlistStory is a withdrawal's fallback when the rebuild failed after the
// story's own objects were deleted: the home page, lists, taxonomy pages,
// feeds and sitemap then still name the story. It deletes, every version,
// each current object under site/ that names story s (storyNeedles), or is
// larger than MaxScanSize; then the search index (SearchPrefix, which is
// compressed and cannot be read this way), the upload digest indexes
// under state/index/ (which list the story's keys), and every noncurrent version
// and delete marker under site/ (older copies of any page, never served,
// but stored bytes that may name the story). Their public URLs go into the
// purge journal before anything is deleted. The pages deleted stay
// offline until a publish rebuilds them.
func unlistStory(ctx context.Context, st store.Store, o WithdrawOptions, s Story) (UnlistResult, error) {
	var r UnlistResult
	needles := storyNeedles(s)
	pr, err := purgeNaming(ctx, st, "site/", MaxScanSize, func(body []byte) bool { return namesAny(body, needles) },
		func(keys []string) error { return journalPurge(o.Vault, PublicURLs(o.BaseURL, keys)) })
	r.Keys = pr.Keys
	r.Versions, r.DeleteMarkers = pr.Versions, pr.DeleteMarkers
	if err != nil {
		return r, fmt.Errorf("delete the pages that still name the story: %w", err)
	}
	keys := pr.Keys
	pr, err = store.PurgePrefix(ctx, st, SearchPrefix)
	if err != nil {
		return r, fmt.Errorf("delete %s: %w", SearchPrefix, err)
	}
	r.Versions += pr.Versions
	r.DeleteMarkers += pr.DeleteMarkers
	// Sync's digest indexes (store.IndexKey) list the keys of the last
	// uploads, the story's pages among them: private, but stored bytes
	// naming it. They are caches; the next publish checks by HEAD instead.
	pr, err = store.PurgePrefix(ctx, st, store.StatePrefix+"index/")
	if err != nil {
		return r, fmt.Errorf("delete the upload indexes: %w", err)
	}
	r.Versions += pr.Versions
	r.DeleteMarkers += pr.DeleteMarkers
	pr, err = store.PurgeNoncurrentUnder(ctx, st, "site/")
	if err != nil {
		return r, fmt.Errorf("delete the old versions under site/: %w", err)
	}
	r.Versions += pr.Versions
	r.DeleteMarkers += pr.DeleteMarkers
	o.logf("withdraw %s: %d site objects that still named the story deleted, every version, and the search index", s.ID, len(keys))
	return r, nil
}

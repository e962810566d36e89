package publish

import (
	"bytes"
	"context"
	"crypto/md5"
	"encoding/hex"
	"errors"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"storyguard/tools/store"
)

// recStore is an in-memory Store that records, in order, every call the
// pipeline makes, with the stand-in parts' own events (the output scan,
// marking a file withdrawn) in the same log. Objects are current versions
// only (key -> sha256); PurgePrefix counts each removed object as one
// version. Its lease is a real store.Lease over an in-memory store.Store.
type recStore struct {
	t     *testing.T
	ts    *testSite
	mu    sync.Mutex
	log   []string
	objs  map[string]string
	lease *memObjects
	// started records, for each PurgePrefix, whether the audit log held
	// the withdrawal's "started" entry and the files said withdrawn.
	startedBeforePurge, markedBeforePurge []bool
	// manifestAtSync records, for each Sync, whether data/media.json
	// existed when it began.
	manifestAtSync []bool
}

func newRecStore(t *testing.T, ts *testSite) *recStore {
	r := &recStore{t: t, ts: ts, objs: map[string]string{}, lease: &memObjects{objs: map[string]memObject{}}}
	ts.parts.Store = func(context.Context) (Store, io.Closer, error) { return r, io.NopCloser(nil), nil }
	leaks := ts.parts.Leaks
	ts.parts.Leaks = func(p string, data []byte) []Finding {
		// The output scan passes paths relative to Hugo's output; the
		// media text scan passes work files' absolute paths, and Withdraw
		// scans its "reason".
		if p != "reason" && !filepath.IsAbs(p) {
			r.record("scan")
		}
		return leaks(p, data)
	}
	mark := ts.parts.SetWithdrawn
	ts.parts.SetWithdrawn = func(file string, date time.Time) error {
		r.record("mark")
		return mark(file, date)
	}
	return r
}

func (r *recStore) record(s string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if s == "scan" && len(r.log) > 0 && r.log[len(r.log)-1] == "scan" {
		return // one entry per scan, not per file
	}
	r.log = append(r.log, s)
}

func (r *recStore) calls() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.log)
}

func (r *recStore) Sync(ctx context.Context, prefix string, want []Upload, prune bool, before func([]string) error) (SyncResult, error) {
	_, err := os.Stat(filepath.Join(r.ts.root, "data", "media.json"))
	r.mu.Lock()
	r.manifestAtSync = append(r.manifestAtSync, err == nil)
	r.mu.Unlock()
	name := "sync " + prefix
	if prune {
		name += " prune"
	}
	r.record(name)
	var res SyncResult
	wanted := map[string]bool{}
	for _, u := range want {
		wanted[u.Key] = true
		r.mu.Lock()
		cur, ok := r.objs[u.Key]
		r.mu.Unlock()
		if ok && cur == u.SHA256 {
			res.Unchanged++
			continue
		}
		res.Changed = append(res.Changed, u.Key)
	}
	r.mu.Lock()
	for k := range r.objs {
		if prune && strings.HasPrefix(k, prefix) && !wanted[k] {
			res.Deleted = append(res.Deleted, k)
		}
	}
	r.mu.Unlock()
	slices.Sort(res.Deleted)
	if before != nil && len(res.Changed)+len(res.Deleted) > 0 {
		if err := before(slices.Concat(res.Changed, res.Deleted)); err != nil {
			return SyncResult{}, err
		}
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, u := range want {
		r.objs[u.Key] = u.SHA256
	}
	for _, k := range res.Deleted {
		delete(r.objs, k)
	}
	res.Uploaded = len(res.Changed)
	return res, nil
}

func (r *recStore) PurgePrefix(ctx context.Context, prefix string) (PurgeResult, error) {
	started := slices.Contains(auditResultsOf(r.t, r.ts.vault, storyA), "started")
	data, _ := os.ReadFile(filepath.Join(r.ts.root, "content", "stories", "a", "index.md"))
	r.mu.Lock()
	r.startedBeforePurge = append(r.startedBeforePurge, started)
	r.markedBeforePurge = append(r.markedBeforePurge, bytes.Contains(data, []byte("status: withdrawn")))
	r.mu.Unlock()
	r.record("purge " + prefix)
	r.mu.Lock()
	defer r.mu.Unlock()
	var res PurgeResult
	for k := range r.objs {
		if strings.HasPrefix(k, prefix) {
			delete(r.objs, k)
			res.Versions++
			res.Keys = append(res.Keys, k)
		}
	}
	slices.Sort(res.Keys)
	return res, nil
}

func (r *recStore) PurgeNoncurrent(ctx context.Context, prefix string) (PurgeResult, error) {
	r.record("purge-noncurrent " + prefix)
	return PurgeResult{}, nil
}

func (r *recStore) EnsurePolicy(ctx context.Context) error {
	r.record("policy")
	return nil
}

func (r *recStore) Exists(ctx context.Context, prefix string) (bool, error) {
	r.record("exists " + prefix)
	r.mu.Lock()
	defer r.mu.Unlock()
	for k := range r.objs {
		if strings.HasPrefix(k, prefix) {
			return true, nil
		}
	}
	return false, nil
}

func (r *recStore) Endpoint() string { return "http://127.0.0.1:1/" }

func (r *recStore) AcquireLease(ctx context.Context, o store.LeaseOptions) (*store.Lease, error) {
	r.record("lease")
	return store.AcquireLease(ctx, r.lease, o)
}

// changing are the calls that change what the bucket holds or serves.
func changing(call string) bool {
	for _, p := range []string{"sync ", "purge ", "purge-noncurrent ", "policy"} {
		if strings.HasPrefix(call, p) {
			return true
		}
	}
	return false
}

func indexOf(calls []string, pred func(string) bool) int { return slices.IndexFunc(calls, pred) }

func lastIndexOf(calls []string, pred func(string) bool) int {
	for i := len(calls) - 1; i >= 0; i-- {
		if pred(calls[i]) {
			return i
		}
	}
	return -1
}

func is(s string) func(string) bool { return func(c string) bool { return c == s } }

// TestPublishOrder: Publish takes the lease before anything else, changes
// nothing in the bucket before the output scan has passed, uploads media
// before data/media.json exists and deploys the site only after it does,
// prunes media only after the site no longer points at them, and purges
// old versions last.
func TestPublishOrder(t *testing.T) {
	ts := newSiteFiles(t)
	r := newRecStore(t, ts)
	if _, err := Publish(context.Background(), ts.parts, ts.opts(nil)); err != nil {
		t.Fatal(err)
	}
	calls := r.calls()
	t.Logf("calls: %q", calls)
	if len(calls) == 0 || calls[0] != "lease" {
		t.Fatalf("first call %q, want the lease", calls)
	}
	scan := lastIndexOf(calls, is("scan"))
	first := indexOf(calls, changing)
	if scan < 0 || first < 0 || first < scan {
		t.Fatalf("a change (%d) before the output scan passed (%d): %q", first, scan, calls)
	}
	var order []string
	for _, c := range calls {
		if changing(c) {
			order = append(order, c)
		}
	}
	want := []string{"policy", "sync media/", "sync site/ prune", "sync media/ prune"}
	if len(order) < len(want) || !slices.Equal(order[:len(want)], want) {
		t.Fatalf("changes in order %q, want %q then the version purges", order, want)
	}
	for _, c := range order[len(want):] {
		if !strings.HasPrefix(c, "purge-noncurrent ") {
			t.Errorf("after the deploy: %q, want only version purges", c)
		}
	}
	if len(order) == len(want) {
		t.Error("no version purge after the deploy")
	}
	if !slices.Equal(r.manifestAtSync, []bool{false, true, true}) {
		t.Errorf("data/media.json existed at the three syncs: %v, want not at the media upload, then at the site deploy and the media prune", r.manifestAtSync)
	}
}

// TestPublishBlockedByOutputScanChangesNothing: a finding of the output
// scan stops Publish before any change to the bucket and before
// data/media.json is written.
func TestPublishBlockedByOutputScanChangesNothing(t *testing.T) {
	ts := newSiteFiles(t)
	ts.parts.Leaks = func(p string, data []byte) []Finding {
		if i := bytes.Index(data, []byte("text v1")); i >= 0 && strings.HasSuffix(p, ".html") {
			return []Finding{{Start: i, End: i + 7, PersonID: "p-0001", Kind: "name"}}
		}
		return nil
	}
	r := newRecStore(t, ts)
	_, err := Publish(context.Background(), ts.parts, ts.opts(nil))
	if !errors.Is(err, ErrBlocked) {
		t.Fatalf("Publish = %v, want ErrBlocked", err)
	}
	calls := r.calls()
	if !slices.Contains(calls, "scan") {
		t.Fatalf("the output scan never ran: %q", calls)
	}
	if i := indexOf(calls, changing); i >= 0 {
		t.Errorf("blocked run changed the bucket: %q", calls)
	}
	if _, err := os.Stat(filepath.Join(ts.root, "data", "media.json")); err == nil {
		t.Error("blocked run wrote data/media.json")
	}
}

// TestWithdrawOrder: Withdraw takes the lease, records "started" in the
// audit log and marks the files withdrawn before it deletes anything,
// deletes the story's own objects (media, then its pages) before it
// rebuilds anything, redeploys the rest after the output scan, proves the
// story's prefixes empty after the redeploy, and records "complete" last.
func TestWithdrawOrder(t *testing.T) {
	ts := newSiteFiles(t)
	r := newRecStore(t, ts)
	ctx := context.Background()
	if _, err := Publish(ctx, ts.parts, ts.opts(nil)); err != nil {
		t.Fatal(err)
	}
	r.mu.Lock()
	r.log, r.startedBeforePurge, r.markedBeforePurge = nil, nil, nil
	r.mu.Unlock()
	if _, err := Withdraw(ctx, ts.parts, ts.withdrawOpts(nil)); err != nil {
		t.Fatal(err)
	}
	calls := r.calls()
	t.Logf("calls: %q", calls)
	if calls[0] != "lease" {
		t.Fatalf("first call %q, want the lease", calls[0])
	}
	mark := indexOf(calls, is("mark"))
	own := []string{"purge media/" + storyA + "/", "purge site/stories/a/"}
	i0, i1 := indexOf(calls, is(own[0])), indexOf(calls, is(own[1]))
	firstChange := indexOf(calls, changing)
	if mark < 0 || i0 < 0 || i1 < 0 || !(mark < i0 && i0 < i1) || firstChange != i0 {
		t.Fatalf("want mark, then %q, then %q as the first changes; got %q", own[0], own[1], calls)
	}
	for i, ok := range r.startedBeforePurge {
		if !ok || !r.markedBeforePurge[i] {
			t.Fatalf("purge %d ran before the started entry (%v) or the withdrawn mark (%v)", i, ok, r.markedBeforePurge[i])
		}
	}
	scan := indexOf(calls[i1:], is("scan")) + i1
	deploy := indexOf(calls, is("sync site/ prune"))
	if deploy < i1 || deploy < scan {
		t.Fatalf("redeploy at %d, own purges end at %d, scan at %d: %q", deploy, i1, scan, calls)
	}
	// The proof: the own prefixes are purged again after the redeploy.
	if lastIndexOf(calls, is(own[0])) < deploy || lastIndexOf(calls, is(own[1])) < deploy {
		t.Fatalf("no proof after the redeploy that the story's prefixes are empty: %q", calls)
	}
	if got := auditResultsOf(t, ts.vault, storyA); !slices.Equal(got, []string{"started", "complete"}) {
		t.Fatalf("audit log: %q, want started then complete", got)
	}
	for k := range r.objs {
		if strings.HasPrefix(k, "media/"+storyA+"/") || strings.HasPrefix(k, "site/stories/a/") {
			t.Errorf("%s still stored", k)
		}
	}
	if _, ok := r.objs["site/stories/b/index.html"]; !ok {
		t.Error("story B's page is gone")
	}
}

// memObjects is an unversioned in-memory store.Store, enough for a real
// store.Lease: conditional puts, reads and deletes.
type memObjects struct {
	mu   sync.Mutex
	objs map[string]memObject
	n    int
}

type memObject struct {
	body []byte
	obj  store.Object
}

func (m *memObjects) List(ctx context.Context, prefix string) (map[string]store.Object, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	out := map[string]store.Object{}
	for k, o := range m.objs {
		if strings.HasPrefix(k, prefix) {
			out[k] = o.obj
		}
	}
	return out, nil
}

func (m *memObjects) Stat(ctx context.Context, key string) (store.Object, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	o, ok := m.objs[key]
	if !ok {
		return store.Object{}, store.ErrNotFound
	}
	return o.obj, nil
}

func (m *memObjects) Get(ctx context.Context, key string) (io.ReadCloser, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	o, ok := m.objs[key]
	if !ok {
		return nil, store.ErrNotFound
	}
	return io.NopCloser(bytes.NewReader(o.body)), nil
}

func (m *memObjects) Put(ctx context.Context, key string, body io.Reader, size int64, meta store.Meta) (store.Object, error) {
	data, err := io.ReadAll(body)
	if err != nil {
		return store.Object{}, err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	m.n++
	sum := md5.Sum(data)
	o := store.Object{Key: key, Size: int64(len(data)), ETag: hex.EncodeToString(sum[:]), SHA256: meta.SHA256, VersionID: "null", LastModified: time.Now()}
	m.objs[key] = memObject{body: data, obj: o}
	return o, nil
}

func (m *memObjects) PutIf(ctx context.Context, key string, body io.Reader, size int64, meta store.Meta, cond store.Precondition) (store.Object, error) {
	m.mu.Lock()
	cur, ok := m.objs[key]
	m.mu.Unlock()
	if (cond.IfAbsent && ok) || (cond.IfETag != "" && (!ok || cur.obj.ETag != cond.IfETag)) {
		return store.Object{}, store.ErrPrecondition
	}
	return m.Put(ctx, key, body, size, meta)
}

func (m *memObjects) Delete(ctx context.Context, key string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	delete(m.objs, key)
	return nil
}

func (m *memObjects) ListVersions(ctx context.Context, prefix string) ([]store.Version, error) {
	objs, _ := m.List(ctx, prefix)
	var out []store.Version
	for k, o := range objs {
		out = append(out, store.Version{Key: k, VersionID: o.VersionID, IsLatest: true, Size: o.Size})
	}
	return out, nil
}

func (m *memObjects) DeleteVersion(ctx context.Context, key, versionID string) error {
	return m.Delete(ctx, key)
}

func (m *memObjects) ListUploads(ctx context.Context, prefix string) ([]store.PendingUpload, error) {
	return nil, nil
}

func (m *memObjects) AbortUpload(ctx context.Context, key, uploadID string) error { return nil }

func (m *memObjects) Versioning(ctx context.Context) (store.VersioningStatus, error) {
	return store.VersioningOff, nil
}

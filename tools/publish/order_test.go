package publish

import (
	"bytes"
	"context"
	"crypto/md5"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"storyguard/tools/diag"
	"storyguard/tools/store"
)

// recStore is an in-memory, versioned store.Store with a bucket policy:
// enough S3 for store.Sync, the purges and a real store.Lease. It records,
// in order, every change to an object and every listing of versions, with
// the stand-in parts' own events (the output scan, marking a file
// withdrawn) in the same log: "lease", "policy", "put <key>",
// "delete <key>", "delete-version <key>", "list-versions <prefix>",
// "scan", "mark", "check" (the parts' Check). Changes under state/ (Sync's index, the lease's
// renewals) are not logged.
type recStore struct {
	t  *testing.T
	ts *testSite
	mu sync.Mutex
	// versions holds every key's versions, oldest first.
	versions map[string][]memVersion
	n        int
	log      []string
	// startedAtDelete and markedAtDelete record, for each deletion under
	// media/ or site/, whether the audit log already held story A's
	// "started" entry and its file said withdrawn.
	startedAtDelete, markedAtDelete []bool
	// manifestAtPut records, for each put under media/ or site/, whether
	// data/media.json existed.
	manifestAtPut map[string]bool
}

type memVersion struct {
	id     string
	marker bool
	body   []byte
	obj    store.Object
}

func newRecStore(t *testing.T, ts *testSite) *recStore {
	r := &recStore{t: t, ts: ts, versions: map[string][]memVersion{}, manifestAtPut: map[string]bool{}}
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
	if chk := ts.parts.Check; chk != nil {
		ts.parts.Check = func(ctx context.Context, now time.Time) (*Plan, []diag.Diagnostic, error) {
			r.record("check")
			return chk(ctx, now)
		}
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

func (r *recStore) reset() {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.log, r.startedAtDelete, r.markedAtDelete = nil, nil, nil
	r.manifestAtPut = map[string]bool{}
}

func public(key string) bool {
	return strings.HasPrefix(key, "media/") || strings.HasPrefix(key, "site/")
}

// noteChange logs op on key (public keys only), with what the checks above
// record at that moment.
func (r *recStore) noteChange(op, key string) {
	if !public(key) {
		return
	}
	switch op {
	case "put":
		_, err := os.Stat(filepath.Join(r.ts.root, "data", "media.json"))
		r.mu.Lock()
		if _, ok := r.manifestAtPut[key]; !ok {
			r.manifestAtPut[key] = err == nil
		}
		r.mu.Unlock()
	default:
		started := slices.Contains(auditResultsOf(r.t, r.ts.vault, storyA), "started")
		data, _ := os.ReadFile(filepath.Join(r.ts.root, "content", "stories", "a", "index.md"))
		r.mu.Lock()
		r.startedAtDelete = append(r.startedAtDelete, started)
		r.markedAtDelete = append(r.markedAtDelete, bytes.Contains(data, []byte("status: withdrawn")))
		r.mu.Unlock()
	}
	r.record(op + " " + key)
}

func (r *recStore) current(key string) (memVersion, bool) {
	vs := r.versions[key]
	if len(vs) == 0 || vs[len(vs)-1].marker {
		return memVersion{}, false
	}
	return vs[len(vs)-1], true
}

func (r *recStore) List(ctx context.Context, prefix string) (map[string]store.Object, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := map[string]store.Object{}
	for k := range r.versions {
		if v, ok := r.current(k); ok && strings.HasPrefix(k, prefix) {
			out[k] = v.obj
		}
	}
	return out, nil
}

func (r *recStore) Stat(ctx context.Context, key string) (store.Object, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	v, ok := r.current(key)
	if !ok {
		return store.Object{}, fmt.Errorf("stat %s: %w", key, store.ErrNotFound)
	}
	return v.obj, nil
}

func (r *recStore) Get(ctx context.Context, key string) (io.ReadCloser, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	v, ok := r.current(key)
	if !ok {
		return nil, fmt.Errorf("get %s: %w", key, store.ErrNotFound)
	}
	return io.NopCloser(bytes.NewReader(v.body)), nil
}

func (r *recStore) Put(ctx context.Context, key string, body io.Reader, size int64, meta store.Meta) (store.Object, error) {
	return r.PutIf(ctx, key, body, size, meta, store.Precondition{})
}

func (r *recStore) PutIf(ctx context.Context, key string, body io.Reader, size int64, meta store.Meta, cond store.Precondition) (store.Object, error) {
	data, err := io.ReadAll(body)
	if err != nil {
		return store.Object{}, err
	}
	r.mu.Lock()
	cur, ok := r.current(key)
	if (cond.IfAbsent && ok) || (cond.IfETag != "" && (!ok || cur.obj.ETag != cond.IfETag)) {
		r.mu.Unlock()
		return store.Object{}, fmt.Errorf("put %s: %w", key, store.ErrPrecondition)
	}
	r.n++
	sum := md5.Sum(data)
	ct, cc := meta.ContentType, meta.CacheControl
	if ct == "" {
		ct = store.ContentTypeFor(key)
	}
	if cc == "" {
		cc = store.CacheControlFor(key)
	}
	v := memVersion{id: fmt.Sprintf("v%d", r.n), body: data}
	v.obj = store.Object{Key: key, Size: int64(len(data)), ETag: hex.EncodeToString(sum[:]), SHA256: meta.SHA256,
		ContentType: ct, CacheControl: cc, VersionID: v.id, LastModified: time.Now()}
	r.versions[key] = append(r.versions[key], v)
	r.mu.Unlock()
	if key == store.LeaseKey && cond.IfAbsent {
		r.record("lease")
	}
	r.noteChange("put", key)
	return v.obj, nil
}

func (r *recStore) Delete(ctx context.Context, key string) error {
	r.mu.Lock()
	if _, ok := r.current(key); ok {
		r.n++
		r.versions[key] = append(r.versions[key], memVersion{id: fmt.Sprintf("v%d", r.n), marker: true})
	}
	r.mu.Unlock()
	r.noteChange("delete", key)
	return nil
}

func (r *recStore) ListVersions(ctx context.Context, prefix string) ([]store.Version, error) {
	if public(prefix) {
		r.record("list-versions " + prefix)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []store.Version
	for k, vs := range r.versions {
		if !strings.HasPrefix(k, prefix) {
			continue
		}
		for i, v := range vs {
			out = append(out, store.Version{Key: k, VersionID: v.id, IsDeleteMarker: v.marker, IsLatest: i == len(vs)-1, Size: v.obj.Size})
		}
	}
	slices.SortFunc(out, func(a, b store.Version) int { return strings.Compare(a.Key+a.VersionID, b.Key+b.VersionID) })
	return out, nil
}

func (r *recStore) DeleteVersion(ctx context.Context, key, versionID string) error {
	r.mu.Lock()
	vs := r.versions[key]
	vs = slices.DeleteFunc(slices.Clone(vs), func(v memVersion) bool { return v.id == versionID })
	if len(vs) == 0 {
		delete(r.versions, key)
	} else {
		r.versions[key] = vs
	}
	r.mu.Unlock()
	r.noteChange("delete-version", key)
	return nil
}

func (r *recStore) ListUploads(ctx context.Context, prefix string) ([]store.PendingUpload, error) {
	return nil, nil
}

func (r *recStore) AbortUpload(ctx context.Context, key, uploadID string) error { return nil }

func (r *recStore) Versioning(ctx context.Context) (store.VersioningStatus, error) {
	return store.VersioningEnabled, nil
}

func (r *recStore) EnsurePolicy(ctx context.Context) error {
	r.record("policy")
	return nil
}

// holds reports whether any version or delete marker is stored under
// prefix.
func (r *recStore) holds(prefix string) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	for k := range r.versions {
		if strings.HasPrefix(k, prefix) {
			return true
		}
	}
	return false
}

// changing are the calls that change what the bucket holds or serves.
func changing(call string) bool {
	for _, p := range []string{"put ", "delete ", "delete-version ", "policy"} {
		if strings.HasPrefix(call, p) {
			return true
		}
	}
	return false
}

func lastIndexOf(calls []string, pred func(string) bool) int {
	for i := len(calls) - 1; i >= 0; i-- {
		if pred(calls[i]) {
			return i
		}
	}
	return -1
}

func is(s string) func(string) bool { return func(c string) bool { return c == s } }

func under(op, prefix string) func(string) bool {
	return func(c string) bool { return strings.HasPrefix(c, op+" "+prefix) }
}

// TestPublishOrder: Publish takes the lease before anything else, changes
// nothing in the bucket before the output scan has passed, sets the policy
// first, uploads every medium before data/media.json exists and deploys
// the site only after it does, and purges old versions last.
func TestPublishOrder(t *testing.T) {
	ts := newSiteFiles(t)
	r := newRecStore(t, ts)
	ctx := context.Background()
	if _, err := Publish(ctx, ts.parts, ts.opts(nil)); err != nil {
		t.Fatal(err)
	}
	calls := r.calls()
	if len(calls) == 0 || calls[0] != "lease" {
		t.Fatalf("first call %q, want the lease", calls)
	}
	scan := lastIndexOf(calls, is("scan"))
	first := slices.IndexFunc(calls, changing)
	if scan < 0 || first < 0 || first < scan || calls[first] != "policy" {
		t.Fatalf("first change %d (want the policy), after the output scan at %d: %q", first, scan, calls)
	}
	lastMedia := lastIndexOf(calls, under("put", "media/"))
	firstSite := slices.IndexFunc(calls, under("put", "site/"))
	if lastMedia < 0 || firstSite < 0 || lastMedia > firstSite {
		t.Fatalf("media uploads end at %d, site uploads start at %d: %q", lastMedia, firstSite, calls)
	}
	for key, had := range r.manifestAtPut {
		if strings.HasPrefix(key, "media/") == had {
			t.Errorf("%s uploaded with data/media.json present = %v: media go first, the site after it", key, had)
		}
	}
	// A second run that changes story B's page: its old version is
	// purged, after every upload.
	write(t, ts.root, "content/stories/b/index.md", storyFile(storyB, "cr-bb-1", "m-b", "text v2"))
	r.reset()
	if _, err := Publish(ctx, ts.parts, ts.opts(nil)); err != nil {
		t.Fatal(err)
	}
	calls = r.calls()
	purge := slices.IndexFunc(calls, under("delete-version", "site/"))
	if purge < 0 || purge < lastIndexOf(calls, under("put", "")) {
		t.Fatalf("old versions purged at %d, last upload at %d: %q", purge, lastIndexOf(calls, under("put", "")), calls)
	}
	if r.holds("site/") && slices.ContainsFunc(mustVersions(t, r, "site/"), func(v store.Version) bool { return !v.IsLatest || v.IsDeleteMarker }) {
		t.Error("site/ keeps a noncurrent version after the run")
	}
}

func mustVersions(t *testing.T, r *recStore, prefix string) []store.Version {
	t.Helper()
	vs, err := r.ListVersions(context.Background(), prefix)
	if err != nil {
		t.Fatal(err)
	}
	return vs
}

// TestPublishBlockedByOutputScanChangesNothing: a finding of the output
// scan stops Publish before any change to the bucket (the policy
// included) and before data/media.json is written.
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
	if slices.ContainsFunc(calls, changing) {
		t.Errorf("blocked run changed the bucket: %q", calls)
	}
	if _, err := os.Stat(filepath.Join(ts.root, "data", "media.json")); err == nil {
		t.Error("blocked run wrote data/media.json")
	}
}

// TestWithdrawOrder: Withdraw takes the lease, records "started" in the
// audit log, and then, before any other store call and before the check
// runs, deletes every version of the story's own media and then its
// pages (the first phase, issue #17); only then does it run the check and
// mark the files withdrawn; it uploads nothing before the output scan,
// lists the story's prefixes again after the redeploy (the proof), and
// records "complete".
func TestWithdrawOrder(t *testing.T) {
	ts := newSiteFiles(t)
	r := newRecStore(t, ts)
	ctx := context.Background()
	calls, log := publishThenWithdraw(t, ts, r, nil)
	if calls[0] != "lease" {
		t.Fatalf("first call %q, want the lease", calls[0])
	}
	media, pages := "media/"+storyA+"/", "site/stories/a/"
	own := func(c string) bool {
		for _, op := range []string{"list-versions", "delete-version"} {
			if under(op, media)(c) || under(op, pages)(c) {
				return true
			}
		}
		return false
	}
	// The first phase: everything from the lease to the first other call
	// is the story's own prefixes, media first, and deletes both.
	firstOther := 1 + slices.IndexFunc(calls[1:], func(c string) bool { return !own(c) })
	if firstOther == 0 {
		t.Fatalf("nothing but the story's own prefixes was called: %q", calls)
	}
	phase := calls[1:firstOther]
	firstOwnPage := slices.IndexFunc(phase, under("delete-version", pages))
	if firstOwnPage < 0 || !slices.ContainsFunc(phase, under("delete-version", media)) ||
		lastIndexOf(phase, under("delete-version", media)) > firstOwnPage || !under("delete-version", media)(phase[slices.IndexFunc(phase, changing)]) {
		t.Fatalf("want the story's media, then its pages, deleted before any other call; got %q", calls)
	}
	check, mark := slices.Index(calls, "check"), slices.Index(calls, "mark")
	if check < firstOther || mark < check {
		t.Fatalf("want the first phase (calls 1..%d), then the check (%d), then the mark (%d); got %q", firstOther-1, check, mark, calls)
	}
	for i, ok := range r.startedAtDelete {
		if !ok {
			t.Fatalf("deletion %d before the started entry", i)
		}
	}
	if b := indexedBundle(ts.vault, storyA); b != bundleDigest("stories/a") {
		t.Errorf("the publish's story index gives %q for story A, want the digest of stories/a", b)
	}
	if !strings.Contains(log.String(), "own pages and media gone before the check") {
		t.Errorf("the log does not say the first phase ran:\n%s", log.String())
	}
	lastOwnPage := lastIndexOf(calls, under("delete-version", pages))
	scan := lastIndexOf(calls, is("scan"))
	firstPut := slices.IndexFunc(calls, under("put", ""))
	if firstPut >= 0 && (firstPut < lastOwnPage || firstPut < scan) {
		t.Fatalf("rebuild uploads from %d, before the own pages were gone (%d) or the scan passed (%d): %q", firstPut, lastOwnPage, scan, calls)
	}
	deploy := lastIndexOf(calls, func(c string) bool { return under("put", "site/")(c) || under("delete", "site/")(c) })
	if lastIndexOf(calls, is("list-versions "+media)) < deploy || lastIndexOf(calls, is("list-versions "+pages)) < deploy {
		t.Fatalf("no listing of the story's prefixes after the redeploy (at %d): %q", deploy, calls)
	}
	if got := auditResultsOf(t, ts.vault, storyA); !slices.Equal(got, []string{"started", "complete"}) {
		t.Fatalf("audit log: %q, want started then complete", got)
	}
	if r.holds(media) || r.holds(pages) {
		t.Error("a version of the story's media or pages is still stored")
	}
	if ok, _ := store.Exists(ctx, r, "site/stories/b/"); !ok {
		t.Error("story B's page is gone")
	}
}

// publishThenWithdraw publishes ts into r, runs edit (if any), and
// withdraws story A, failing t on an error; it returns r's calls during
// the withdrawal and its log.
func publishThenWithdraw(t *testing.T, ts *testSite, r *recStore, edit func()) ([]string, *bytes.Buffer) {
	t.Helper()
	ctx := context.Background()
	if _, err := Publish(ctx, ts.parts, ts.opts(nil)); err != nil {
		t.Fatal(err)
	}
	if edit != nil {
		edit()
	}
	r.reset()
	var log bytes.Buffer
	o := ts.withdrawOpts(nil)
	o.Log = &log
	if _, err := Withdraw(ctx, ts.parts, o); err != nil {
		t.Fatal(err)
	}
	return r.calls(), &log
}

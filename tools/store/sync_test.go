package store

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/minio/minio-go/v7"
)

// counting wraps a real Store and counts Puts and the most Puts in flight
// at once. It changes nothing: every call reaches the real server.
type counting struct {
	Store
	puts, inFlight, maxInFlight atomic.Int64
}

func (c *counting) Put(ctx context.Context, key string, body io.Reader, size int64, meta Meta) (Object, error) {
	c.puts.Add(1)
	n := c.inFlight.Add(1)
	for {
		m := c.maxInFlight.Load()
		if n <= m || c.maxInFlight.CompareAndSwap(m, n) {
			break
		}
	}
	defer c.inFlight.Add(-1)
	return c.Store.Put(ctx, key, body, size, meta)
}

func siteSet(n int, salt string) []Upload {
	var out []Upload
	for i := range n {
		out = append(out, upload(fmt.Sprintf("site/p/%04d/index.html", i), []byte(fmt.Sprintf("<p>page %d %s</p>", i, salt))))
	}
	return out
}

func keysOf(us []Upload) []string {
	var out []string
	for _, u := range us {
		out = append(out, u.Key)
	}
	slices.Sort(out)
	return out
}

// assertExactly checks, on the server, that the current objects under
// prefix are exactly want, each with the wanted sha256 in its metadata and
// the wanted bytes.
func assertExactly(t *testing.T, s Store, prefix string, want []Upload) {
	t.Helper()
	ctx := context.Background()
	listed, err := s.List(ctx, prefix)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for k := range listed {
		got = append(got, k)
	}
	slices.Sort(got)
	if !slices.Equal(got, keysOf(want)) {
		t.Fatalf("keys under %s: got %d %v\nwant %d", prefix, len(got), head(got), len(want))
	}
	for _, u := range want {
		o, err := s.Stat(ctx, u.Key)
		if err != nil {
			t.Fatal(err)
		}
		if o.SHA256 != u.SHA256 || o.Size != u.Size {
			t.Fatalf("%s: sha256 %s size %d; want %s %d", u.Key, o.SHA256, o.Size, u.SHA256, u.Size)
		}
		rc, err := s.Get(ctx, u.Key)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(rc)
		rc.Close()
		if sum(b) != u.SHA256 {
			t.Fatalf("%s: stored bytes hash to %s, want %s", u.Key, sum(b), u.SHA256)
		}
	}
}

func head(s []string) []string {
	if len(s) > 5 {
		return s[:5]
	}
	return s
}

func TestSyncIncrementalAndPrune(t *testing.T) {
	_, s := startGateway(t, "", GatewayOptions{})
	ctx := context.Background()
	c := &counting{Store: s}
	want := siteSet(50, "v1")

	rep, err := Sync(ctx, c, "site/", want, SyncOptions{Workers: 4})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Uploaded != 50 || rep.Unchanged != 0 || len(rep.Changed) != 50 {
		t.Fatalf("first sync: %+v", rep)
	}
	assertExactly(t, s, "site/", want)
	versionsBefore, _ := s.ListVersions(ctx, "site/")

	// Nothing changed: no PUT at all (not even the index), no new version.
	c.puts.Store(0)
	rep, err = Sync(ctx, c, "site/", want, SyncOptions{Workers: 4})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Uploaded != 0 || rep.Unchanged != 50 || c.puts.Load() != 0 {
		t.Fatalf("second sync: %+v, %d PUTs; want none", rep, c.puts.Load())
	}
	versionsAfter, _ := s.ListVersions(ctx, "site/")
	if len(versionsAfter) != len(versionsBefore) {
		t.Fatalf("second sync made versions: %d -> %d", len(versionsBefore), len(versionsAfter))
	}

	// An object put by hand under site/ with a name Storyguard never makes
	// is public too: prune removes it.
	odd := "site/Photo of someone.JPG"
	if _, err := s.client.PutObject(ctx, s.bucket, odd, strings.NewReader("x"), 1, minio.PutObjectOptions{}); err != nil {
		t.Fatal(err)
	}
	// Change two pages, drop three, add one: exactly those move.
	next := append([]Upload{}, want[3:]...)
	next[0] = upload(next[0].Key, []byte("<p>changed</p>"))
	next[1] = upload(next[1].Key, []byte("<p>changed too</p>"))
	next = append(next, upload("site/new/index.html", []byte("<p>new</p>")))
	c.puts.Store(0)
	rep, err = Sync(ctx, c, "site/", next, SyncOptions{Workers: 4, Prune: true})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Uploaded != 3 || rep.Deleted != 4 || rep.Unchanged != 45 {
		t.Fatalf("third sync: %+v", rep)
	}
	if want := []string{odd, "site/p/0000/index.html", "site/p/0001/index.html", "site/p/0002/index.html"}; !slices.Equal(rep.Pruned, want) {
		t.Fatalf("pruned %v, want %v", rep.Pruned, want)
	}
	assertExactly(t, s, "site/", next)
	// A pruned object leaves no version and no delete marker behind.
	vs, _ := s.ListVersions(ctx, "site/p/0000/")
	if len(vs) != 0 {
		t.Fatalf("pruned key still has %d versions or markers: %+v", len(vs), vs)
	}

	// Cache-Control changes are uploads too.
	next[5].CacheControl = "public, max-age=5"
	rep, err = Sync(ctx, c, "site/", next, SyncOptions{})
	if err != nil || rep.Uploaded != 1 {
		t.Fatalf("cache-control change: %+v, %v", rep, err)
	}
}

func TestSyncWithoutIndexUsesMetadata(t *testing.T) {
	// A lost or corrupt index costs HEADs, never a wrong answer.
	_, s := startGateway(t, "", GatewayOptions{})
	ctx := context.Background()
	want := siteSet(20, "v1")
	if _, err := Sync(ctx, s, "site/", want, SyncOptions{}); err != nil {
		t.Fatal(err)
	}
	garbage := []byte("not json")
	if _, err := s.Put(ctx, IndexKey("site/"), bytes.NewReader(garbage), int64(len(garbage)), Meta{SHA256: sum(garbage)}); err != nil {
		t.Fatal(err)
	}
	// One object changed behind Storyguard's back, same size.
	evil := []byte(strings.Replace("<p>page 7 v1</p>", "v1", "XX", 1))
	if _, err := s.Put(ctx, "site/p/0007/index.html", bytes.NewReader(evil), int64(len(evil)), Meta{SHA256: sum(evil)}); err != nil {
		t.Fatal(err)
	}
	c := &counting{Store: s}
	rep, err := Sync(ctx, c, "site/", want, SyncOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Uploaded != 1 || rep.Changed[0] != "site/p/0007/index.html" {
		t.Fatalf("sync with corrupt index: %+v", rep)
	}
	assertExactly(t, s, "site/", want)
	// The index was rewritten, and only its current version is kept.
	vs, _ := s.ListVersions(ctx, "state/")
	if len(vs) != 1 {
		t.Fatalf("state/ holds %d versions, want 1 (the current index)", len(vs))
	}
}

func TestSyncRejectsBadInput(t *testing.T) {
	_, s := startGateway(t, "", GatewayOptions{})
	ctx := context.Background()
	good := upload("site/a.html", []byte("a"))
	for name, tc := range map[string]struct {
		prefix string
		want   []Upload
		errIn  string
	}{
		"outside prefix":  {"site/", []Upload{upload("media/st-1/", []byte("x"))}, "not under prefix"},
		"duplicate":       {"site/", []Upload{good, good}, "listed twice"},
		"bad sha":         {"site/", []Upload{{Key: "site/b.html", SHA256: "abc", Open: good.Open}}, "sha256"},
		"space in key":    {"site/", []Upload{upload("site/a b.html", []byte("x"))}, "not allowed"},
		"media name":      {"media/", []Upload{{Key: "media/st-1/" + strings.Repeat("a", 64) + ".png", SHA256: sum([]byte("x")), Open: good.Open}}, "does not match"},
		"state prefix":    {"state/", nil, "want a prefix under media/ or site/"},
		"no open":         {"site/", []Upload{{Key: "site/c.html", SHA256: good.SHA256}}, "no Open"},
		"bucket-wide":     {"", nil, "want a prefix"},
		"prefix no slash": {"site", nil, `end in "/"`},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := Sync(ctx, s, tc.prefix, tc.want, SyncOptions{})
			if err == nil || !strings.Contains(err.Error(), tc.errIn) {
				t.Fatalf("err = %v; want it to contain %q", err, tc.errIn)
			}
		})
	}
	if l, _ := s.List(ctx, ""); len(l) != 0 {
		t.Fatalf("rejected syncs stored %d objects", len(l))
	}
}

func TestSyncServerKilledMidwayThenConverges(t *testing.T) {
	dir := t.TempDir()
	g, s := startGateway(t, dir, GatewayOptions{})
	ctx := context.Background()
	old := siteSet(30, "old")
	if _, err := Sync(ctx, s, "site/", old, SyncOptions{}); err != nil {
		t.Fatal(err)
	}
	// The new publish: 200 changed pages of 64 KiB, 10 dropped.
	var want []Upload
	for i := 10; i < 210; i++ {
		body := bytes.Repeat([]byte(fmt.Sprintf("<p>new %d</p>", i)), 64<<10/12)
		want = append(want, upload(fmt.Sprintf("site/p/%04d/index.html", i), body))
	}
	// Kill the server (SIGKILL, like a crash) after the 20th PUT began.
	var started atomic.Int64
	var once sync.Once
	killer := &hookStore{Store: s, beforePut: func() {
		if started.Add(1) == 20 {
			once.Do(g.Kill)
		}
	}}
	rep, err := Sync(ctx, killer, "site/", want, SyncOptions{Workers: 4, Prune: true, Retries: 2, RetryBase: 10 * time.Millisecond})
	if err == nil {
		t.Fatalf("sync survived a dead server: %+v", rep)
	}
	if rep.Uploaded >= len(want) {
		t.Fatalf("all uploads claimed done: %+v", rep)
	}

	// Restart over the same folder (new port, new credentials) and rerun.
	_, s2 := startGateway(t, dir, GatewayOptions{})
	c := &counting{Store: s2}
	rep, err = Sync(ctx, c, "site/", want, SyncOptions{Workers: 4, Prune: true})
	if err != nil {
		t.Fatal(err)
	}
	assertExactly(t, s2, "site/", want)
	// The 10 dropped pages, plus whatever the SIGKILL left half-written
	// under keys nobody wants (pruning that debris is the convergence;
	// assertExactly above proves the final state).
	if rep.Deleted < 10 {
		t.Errorf("rerun pruned %d, want at least the 10 dropped pages", rep.Deleted)
	}
	dropped := keysOf(old[:10])
	for _, k := range rep.Pruned {
		if !slices.Contains(dropped, k) {
			t.Logf("rerun also pruned debris of the crash: %s", k)
		}
	}
	for _, k := range dropped {
		if !slices.Contains(rep.Pruned, k) {
			t.Errorf("rerun did not prune dropped page %s", k)
		}
	}
	if rep.Unchanged == 0 {
		t.Errorf("rerun re-uploaded everything (%+v): what the killed run finished should count as done", rep)
	}
	// Nothing half-written remains anywhere.
	ups, err := s2.ListUploads(ctx, "site/")
	if err != nil || len(ups) != 0 {
		t.Errorf("incomplete uploads after convergence: %v, %v", ups, err)
	}
	// And a third run is a no-op.
	c.puts.Store(0)
	rep, err = Sync(ctx, c, "site/", want, SyncOptions{Prune: true})
	if err != nil || rep.Uploaded != 0 || c.puts.Load() != 0 {
		t.Fatalf("third run: %+v, %v, %d PUTs", rep, err, c.puts.Load())
	}
}

// hookStore runs a hook before each Put of the real store.
type hookStore struct {
	Store
	beforePut func()
}

func (h *hookStore) Put(ctx context.Context, key string, body io.Reader, size int64, meta Meta) (Object, error) {
	h.beforePut()
	return h.Store.Put(ctx, key, body, size, meta)
}

func TestWrongCredentials(t *testing.T) {
	g, _ := startGateway(t, "", GatewayOptions{})
	secret := "wrong-secret-c0ffee-do-not-print"
	s, err := NewS3(S3Config{Endpoint: g.Endpoint, Bucket: g.Bucket, AccessKey: g.AccessKey, SecretKey: secret})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	for name, f := range map[string]func() error{
		"check": func() error { return s.Check(ctx) },
		"list":  func() error { _, err := s.List(ctx, "site/"); return err },
		"sync": func() error {
			_, err := Sync(ctx, s, "site/", []Upload{upload("site/a.html", []byte("a"))}, SyncOptions{RetryBase: time.Millisecond})
			return err
		},
	} {
		err := f()
		if !errors.Is(err, ErrAccessDenied) {
			t.Errorf("%s: err = %v; want ErrAccessDenied", name, err)
			continue
		}
		if strings.Contains(err.Error(), secret) || strings.Contains(err.Error(), g.SecretKey) {
			t.Errorf("%s: error shows a secret: %v", name, err)
		}
		if !strings.Contains(err.Error(), "bucket storyguard") {
			t.Errorf("%s: error does not name the bucket: %v", name, err)
		}
	}
}

func TestMissingBucket(t *testing.T) {
	g, _ := startGateway(t, "", GatewayOptions{})
	s, err := NewS3(S3Config{Endpoint: g.Endpoint, Bucket: "no-such-bucket", AccessKey: g.AccessKey, SecretKey: g.SecretKey})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if err := s.Check(ctx); !errors.Is(err, ErrNoBucket) || !strings.Contains(err.Error(), "no-such-bucket") {
		t.Fatalf("check: %v; want ErrNoBucket naming the bucket", err)
	}
	_, err = Sync(ctx, s, "site/", []Upload{upload("site/a.html", []byte("a"))}, SyncOptions{})
	if !errors.Is(err, ErrNoBucket) {
		t.Fatalf("sync: %v; want ErrNoBucket", err)
	}
	if err := s.EnsureBucket(ctx, false); !errors.Is(err, ErrNoBucket) {
		t.Fatalf("ensure without create: %v", err)
	}
}

func TestPurgePrefix(t *testing.T) {
	_, s := startGateway(t, "", GatewayOptions{})
	ctx := context.Background()
	story := "media/st-7q2k9m/"
	other := "media/st-3h8d1x/"
	a1, a2 := upload(story, []byte("image one")), upload(story, []byte("image two"))
	b := upload(other, []byte("someone else's image"))
	if _, err := Sync(ctx, s, "media/", []Upload{a1, a2, b}, SyncOptions{}); err != nil {
		t.Fatal(err)
	}
	// Give a1 a second version and a2 a delete marker over its version.
	if _, err := s.Put(ctx, a1.Key, bytes.NewReader([]byte("image one")), 9, Meta{SHA256: a1.SHA256}); err != nil {
		t.Fatal(err)
	}
	if err := s.Delete(ctx, a2.Key); err != nil {
		t.Fatal(err)
	}
	// And an incomplete multipart upload under the story.
	core := minio.Core{Client: s.client}
	pend := story + sum([]byte("pending")) + ".jpg"
	uid, err := core.NewMultipartUpload(ctx, s.bucket, pend, minio.PutObjectOptions{})
	if err != nil {
		t.Fatal(err)
	}
	part := bytes.Repeat([]byte("p"), 5<<20)
	if _, err := core.PutObjectPart(ctx, s.bucket, pend, uid, 1, bytes.NewReader(part), int64(len(part)), minio.PutObjectPartOptions{}); err != nil {
		t.Fatal(err)
	}
	odd := story + "Photo of someone.JPG"
	if _, err := s.client.PutObject(ctx, s.bucket, odd, strings.NewReader("x"), 1, minio.PutObjectOptions{}); err != nil {
		t.Fatal(err)
	}
	if ups, _ := s.ListUploads(ctx, story); len(ups) != 1 {
		t.Fatalf("setup: %d incomplete uploads, want 1", len(ups))
	}

	rep, err := PurgePrefix(ctx, s, story)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Versions != 4 || rep.DeleteMarkers != 1 || rep.Uploads != 1 || rep.Versioning != VersioningEnabled {
		t.Fatalf("report %+v; want 4 versions, 1 delete marker, 1 upload", rep)
	}
	if want := []string{a1.Key, a2.Key, pend, odd}; !slices.Equal(rep.Keys, sortedKeys(map[string]bool{want[0]: true, want[1]: true, want[2]: true, want[3]: true})) {
		t.Fatalf("keys %v", rep.Keys)
	}
	// Proof from the server itself: nothing under the story, in any form.
	if vs, _ := s.ListVersions(ctx, story); len(vs) != 0 {
		t.Fatalf("versions left: %+v", vs)
	}
	if ups, _ := s.ListUploads(ctx, story); len(ups) != 0 {
		t.Fatalf("uploads left: %+v", ups)
	}
	if _, err := s.Stat(ctx, a1.Key); !errors.Is(err, ErrNotFound) {
		t.Fatalf("stat after purge: %v", err)
	}
	// The other story is untouched.
	assertExactly(t, s, other, []Upload{b})

	// Idempotent.
	rep, err = PurgePrefix(ctx, s, story)
	if err != nil || rep.Versions+rep.DeleteMarkers+rep.Uploads != 0 {
		t.Fatalf("second purge: %+v, %v", rep, err)
	}
	// Refuses to purge a whole top-level prefix.
	if _, err := PurgePrefix(ctx, s, "media/"); err == nil {
		t.Fatal("purge of media/ accepted")
	}
}

func TestPurgeNoncurrent(t *testing.T) {
	_, s := startGateway(t, "", GatewayOptions{})
	ctx := context.Background()
	home := "site/index.html"
	for _, v := range []string{"names the story", "still names it", "no longer names it"} {
		if _, err := Sync(ctx, s, "site/", []Upload{upload(home, []byte(v)), upload("site/about/index.html", []byte("about"))}, SyncOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	rep, err := PurgeNoncurrent(ctx, s, []string{home, "site/never/existed.html"})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Versions != 2 {
		t.Fatalf("report %+v; want 2 noncurrent versions deleted", rep)
	}
	vs, _ := s.ListVersions(ctx, "site/")
	for _, v := range vs {
		if v.Key == home && !v.IsLatest {
			t.Fatalf("noncurrent version left: %+v", v)
		}
	}
	o, err := s.Stat(ctx, home)
	if err != nil || o.SHA256 != sum([]byte("no longer names it")) {
		t.Fatalf("current version: %+v, %v", o, err)
	}
	if rep, err := PurgeNoncurrent(ctx, s, []string{home}); err != nil || rep.Versions != 0 {
		t.Fatalf("second purge: %+v, %v", rep, err)
	}
}

func TestPurgeWithoutVersioning(t *testing.T) {
	// A bucket that never had versioning: withdrawal still deletes every
	// object, proves it, and reports that no earlier versions existed.
	g, admin := startGateway(t, "", GatewayOptions{})
	ctx := context.Background()
	if err := admin.client.MakeBucket(ctx, "plain", minio.MakeBucketOptions{}); err != nil {
		t.Fatal(err)
	}
	s, _ := NewS3(S3Config{Endpoint: g.Endpoint, Bucket: "plain", AccessKey: g.AccessKey, SecretKey: g.SecretKey})
	if vs, err := s.Versioning(ctx); err != nil || vs != VersioningOff {
		t.Fatalf("versioning = %q, %v; want Off", vs, err)
	}
	story := "media/st-7q2k9m/"
	us := []Upload{upload(story, []byte("one")), upload(story, []byte("two"))}
	if _, err := Sync(ctx, s, "media/", us, SyncOptions{}); err != nil {
		t.Fatal(err)
	}
	rep, err := PurgePrefix(ctx, s, story)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Versioning != VersioningOff || rep.Versions != 2 || rep.DeleteMarkers != 0 {
		t.Fatalf("report %+v", rep)
	}
	if l, _ := s.List(ctx, story); len(l) != 0 {
		t.Fatalf("objects left: %v", l)
	}
}

func TestNotGoneIsLoud(t *testing.T) {
	// A store that refuses to forget: the purge must fail with ErrNotGone,
	// never report success.
	_, s := startGateway(t, "", GatewayOptions{})
	ctx := context.Background()
	u := upload("media/st-7q2k9m/", []byte("stubborn"))
	if _, err := Sync(ctx, s, "media/", []Upload{u}, SyncOptions{}); err != nil {
		t.Fatal(err)
	}
	_, err := PurgePrefix(ctx, &DryRun{Inner: s}, "media/st-7q2k9m/")
	var ng *NotGoneError
	if !errors.Is(err, ErrNotGone) || !errors.As(err, &ng) || ng.Versions != 1 || ng.Keys[0] != u.Key {
		t.Fatalf("err = %v; want ErrNotGone naming %s", err, u.Key)
	}
}

func TestDryRunChangesNothing(t *testing.T) {
	_, s := startGateway(t, "", GatewayOptions{})
	ctx := context.Background()
	old := siteSet(5, "old")
	if _, err := Sync(ctx, s, "site/", old, SyncOptions{}); err != nil {
		t.Fatal(err)
	}
	before, _ := s.ListVersions(ctx, "")
	d := &DryRun{Inner: s}
	next := append(siteSet(3, "old"), upload("site/new.html", []byte("new")))
	rep, err := Sync(ctx, d, "site/", next, SyncOptions{Prune: true})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Uploaded != 1 || rep.Deleted != 2 {
		t.Fatalf("dry-run report %+v", rep)
	}
	var plan []string
	for _, a := range d.Plan() {
		plan = append(plan, a.String())
	}
	want := []string{"put site/new.html (3 bytes)"}
	if len(plan) != 3 || plan[0] != want[0] || !strings.HasPrefix(plan[1], "delete version ") {
		t.Fatalf("plan %q", plan)
	}
	after, _ := s.ListVersions(ctx, "")
	if len(after) != len(before) {
		t.Fatalf("dry run changed the bucket: %d -> %d versions", len(before), len(after))
	}
}

func TestPolicyAnonymousAccess(t *testing.T) {
	g, s := startGateway(t, "", GatewayOptions{})
	ctx := context.Background()
	if err := s.VerifyPolicy(ctx); !errors.Is(err, ErrPolicy) {
		t.Fatalf("verify before setting: %v; want ErrPolicy", err)
	}
	if err := s.EnsurePolicy(ctx); err != nil {
		t.Fatal(err)
	}
	if err := s.EnsurePolicy(ctx); err != nil {
		t.Fatalf("second ensure: %v", err)
	}
	if err := s.VerifyPolicy(ctx); err != nil {
		t.Fatal(err)
	}
	page := upload("site/x.html", []byte("<p>public</p>"))
	media := upload("media/st-7q2k9m/", []byte("public image"))
	if _, err := Sync(ctx, s, "site/", []Upload{page}, SyncOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := Sync(ctx, s, "media/", []Upload{media}, SyncOptions{}); err != nil {
		t.Fatal(err)
	}
	base := g.Endpoint + "/" + g.Bucket + "/"
	for _, tc := range []struct {
		url  string
		want int
	}{
		{base + page.Key, http.StatusOK},
		{base + media.Key, http.StatusOK},
		{base + IndexKey("site/"), http.StatusForbidden},           // state/ is private
		{base + "?list-type=2", http.StatusForbidden},              // no listing
		{base, http.StatusForbidden},                               // no listing (v1)
		{base + "?list-type=2&prefix=site/", http.StatusForbidden}, // no listing of site/ either
		{base + "?versions", http.StatusForbidden},                 // no version listing
		{base + "site/missing.html", http.StatusNotFound},
	} {
		resp, err := http.Get(tc.url)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != tc.want {
			t.Errorf("anonymous GET %s: %d, want %d (%s)", strings.TrimPrefix(tc.url, g.Endpoint), resp.StatusCode, tc.want, body)
		}
		if tc.want == http.StatusOK && resp.Header.Get("Cache-Control") == "" {
			t.Errorf("anonymous GET %s: no Cache-Control", tc.url)
		}
	}
	// Anonymous writes are refused.
	req, _ := http.NewRequest(http.MethodPut, base+"site/evil.html", strings.NewReader("x"))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	// The guard refuses every anonymous method but GET and HEAD before it
	// reaches the gateway (405); the object must not exist either way.
	if resp.StatusCode != http.StatusMethodNotAllowed {
		t.Errorf("anonymous PUT: %d, want 405", resp.StatusCode)
	}
	if resp, err := http.Get(base + "site/evil.html"); err == nil {
		resp.Body.Close()
		if resp.StatusCode == http.StatusOK {
			t.Error("anonymous PUT stored an object")
		}
	}
}

func TestSyncProgress(t *testing.T) {
	_, s := startGateway(t, "", GatewayOptions{})
	ctx := context.Background()
	var buf bytes.Buffer
	want := siteSet(10, "p")
	if _, err := Sync(ctx, s, "site/", want, SyncOptions{Progress: &buf}); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(buf.String(), "uploading site/") {
		t.Fatalf("no progress bar drawn: %q", buf.String())
	}
	buf.Reset()
	if _, err := Sync(ctx, s, "site/", want, SyncOptions{Progress: &buf}); err != nil {
		t.Fatal(err)
	}
	if buf.Len() != 0 {
		t.Fatalf("progress drawn with nothing to upload: %q", buf.String())
	}
	if ProgressWriter(nil) != nil {
		t.Fatal("ProgressWriter(nil) != nil")
	}
	f, _ := os.CreateTemp(t.TempDir(), "notatty")
	if ProgressWriter(f) != nil {
		t.Fatal("a plain file is not a terminal")
	}
}

func TestSyncAbortsLeftoverUploads(t *testing.T) {
	_, s := startGateway(t, "", GatewayOptions{})
	ctx := context.Background()
	core := minio.Core{Client: s.client}
	big := upload("media/st-7q2k9m/", []byte("a big video, interrupted"))
	uid, err := core.NewMultipartUpload(ctx, s.bucket, big.Key, minio.PutObjectOptions{})
	if err != nil {
		t.Fatal(err)
	}
	part := bytes.Repeat([]byte("v"), 5<<20)
	if _, err := core.PutObjectPart(ctx, s.bucket, big.Key, uid, 1, bytes.NewReader(part), int64(len(part)), minio.PutObjectPartOptions{}); err != nil {
		t.Fatal(err)
	}
	rep, err := Sync(ctx, s, "media/", []Upload{big}, SyncOptions{Prune: true})
	if err != nil {
		t.Fatal(err)
	}
	if rep.AbortedUploads != 1 || rep.Uploaded != 1 {
		t.Fatalf("report %+v; want 1 aborted upload and 1 upload", rep)
	}
	if ups, _ := s.ListUploads(ctx, "media/"); len(ups) != 0 {
		t.Fatalf("uploads left: %+v", ups)
	}
	assertExactly(t, s, "media/", []Upload{big})
}

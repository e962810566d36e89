package publish

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"storyguard/tools/diag"
	"storyguard/tools/store"
	"storyguard/tools/vault"
)

const gatewayChildEnv = "STORYGUARD_PUBLISH_TEST_GATEWAY"

// TestMain lets the test binary act as `storyguard store serve`, so the
// tests below run the real versitygw gateway in a child process.
func TestMain(m *testing.M) {
	store.ServeIfChild(gatewayChildEnv)
	os.Exit(m.Run())
}

// testSite is a two-story site, a vault and a real gateway, with parts that
// stand in for the checker and Hugo (this package does not link Hugo) but
// use the real store, lease, journals and work folders.
type testSite struct {
	root, vault string
	s3          *store.S3
	parts       Parts
	base        string
}

var (
	storyA = "st-aaaa1111"
	storyB = "st-bbbb2222"
)

func newTestSite(t *testing.T) *testSite {
	t.Helper()
	ts := newSiteFiles(t)
	g, err := store.StartGateway(context.Background(), store.GatewayOptions{
		Command: store.Command{Path: os.Args[0], Env: []string{gatewayChildEnv + "=1"}}, Dir: t.TempDir()})
	if err != nil {
		t.Fatalf("start gateway: %v", err)
	}
	t.Cleanup(func() { g.Close() })
	if ts.s3, err = g.Store(); err != nil {
		t.Fatal(err)
	}
	st := ts.s3
	ts.parts.Store = func(context.Context) (Store, io.Closer, error) { return st, io.NopCloser(nil), nil }
	return ts
}

// newSiteFiles writes the two-story site and the vault and sets the
// stand-in parts, all but the store.
func newSiteFiles(t *testing.T) *testSite {
	t.Helper()
	ts := &testSite{root: t.TempDir(), vault: t.TempDir(), base: "https://stories.example.org/"}
	t.Setenv("TMPDIR", t.TempDir())
	write(t, ts.root, "config.toml", "title = 'x'\n")
	write(t, ts.root, "content/_index.md", "home\n")
	for _, s := range []struct{ id, slug, rec string }{{storyA, "a", "cr-aa-1"}, {storyB, "b", "cr-bb-1"}} {
		write(t, ts.root, "content/stories/"+s.slug+"/index.md", "story_id: "+s.id+"\nstatus: given\nrecord: "+s.rec+"\nmedia: m-"+s.slug+"\ntext v1\n")
		write(t, ts.vault, "media/m-"+s.slug+".jpg", "image of "+s.id)
	}
	write(t, ts.vault, "registry.age", "x")
	ts.parts = Parts{
		Check:        ts.check,
		ProcessMedia: copyMedia,
		Build:        buildSite,
		Leaks:        func(string, []byte) []Finding { return nil },
		VerifyImage:  func(string, []byte) error { return nil },
		SetWithdrawn: func(file string, _ time.Time) error {
			data, err := os.ReadFile(file)
			if err != nil {
				return err
			}
			return os.WriteFile(file, bytes.Replace(data, []byte("status: given"), []byte("status: withdrawn"), 1), 0o644)
		},
	}
	return ts
}

var fieldRe = regexp.MustCompile(`(?m)^(story_id|status|record|media): (\S+)$`)

// check is the stand-in checker: a story is publishable when its status is
// given and the audit log records no withdrawal of it (the rule of
// check.WithdrawnRule).
func (ts *testSite) check(ctx context.Context, now time.Time) (*Plan, []diag.Diagnostic, error) {
	withdrawn, records, err := vault.Withdrawals(vault.AuditLogPath(ts.vault))
	if err != nil {
		return nil, nil, err
	}
	plan := &Plan{Pages: []string{"content/_index.md"}}
	files, _ := filepath.Glob(filepath.Join(ts.root, "content", "stories", "*", "index.md"))
	slices.Sort(files)
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			return nil, nil, err
		}
		fm := map[string]string{}
		for _, m := range fieldRe.FindAllStringSubmatch(string(data), -1) {
			fm[m[1]] = m[2]
		}
		slug := filepath.Base(filepath.Dir(f))
		page := "content/stories/" + slug + "/index.md"
		s := Story{ID: fm["story_id"], Bundle: "stories/" + slug, Files: []string{page}, Langs: []string{"en"}, Status: fm["status"],
			PagePrefixes: []string{"site/stories/" + slug + "/"}, ConsentRecords: []string{fm["record"]}}
		s.Publishable = s.Status == "given" && !withdrawn[s.ID] && !records[fm["record"]]
		if s.Publishable {
			s.Media = []string{fm["media"]}
			plan.Pages = append(plan.Pages, page)
		}
		plan.Stories = append(plan.Stories, s)
	}
	return plan, nil, nil
}

func copyMedia(ctx context.Context, storyID, src, work string) (Media, []Media, error) {
	data, err := os.ReadFile(src)
	if err != nil {
		return Media{}, nil, err
	}
	h := sha256.Sum256(data)
	sum := hex.EncodeToString(h[:])
	if err := os.MkdirAll(work, 0o700); err != nil {
		return Media{}, nil, err
	}
	f := filepath.Join(work, sum+".jpg")
	if err := os.WriteFile(f, data, 0o600); err != nil {
		return Media{}, nil, err
	}
	m := Media{File: f}
	m.Key, m.SHA256, m.Bytes, m.ContentType = "media/"+storyID+"/"+sum+".jpg", sum, int64(len(data)), "image/jpeg"
	return m, nil, nil
}

// buildSite is the stand-in Hugo: a home page naming every staged story and
// one page per story, holding its text.
func buildSite(ctx context.Context, src, dst, baseURL string) error {
	files, _ := filepath.Glob(filepath.Join(src, "content", "stories", "*", "index.md"))
	slices.Sort(files)
	var home strings.Builder
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			return err
		}
		slug := filepath.Base(filepath.Dir(f))
		fmt.Fprintf(&home, "<a href=/stories/%s/>%s</a>\n", slug, fieldRe.FindStringSubmatch(string(data))[2])
		if err := os.MkdirAll(filepath.Join(dst, "stories", slug), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(filepath.Join(dst, "stories", slug, "index.html"), data, 0o644); err != nil {
			return err
		}
	}
	return os.WriteFile(filepath.Join(dst, "index.html"), []byte("<html>"+home.String()+"</html>"), 0o644)
}

func (ts *testSite) opts(hook func(context.Context, string) error) Options {
	return Options{Root: ts.root, Vault: ts.vault, Now: time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC),
		BaseURL: ts.base, MediaBaseURL: "/", Hook: hook, LeaseTTL: 4 * time.Second}
}

func (ts *testSite) withdrawOpts(hook func(context.Context, string) error) WithdrawOptions {
	return WithdrawOptions{Options: ts.opts(hook), Story: storyA, Reason: "storyteller request", Role: "storyteller"}
}

// assertGone checks what a user would: no version or delete marker of
// story A's media or pages is in the bucket, no current site object names
// it, site/ holds no noncurrent version, and story B is still live.
func (ts *testSite) assertGone(t *testing.T) {
	t.Helper()
	ctx := context.Background()
	for _, prefix := range []string{"media/" + storyA + "/", "site/stories/a/"} {
		vs, err := ts.s3.ListVersions(ctx, prefix)
		if err != nil {
			t.Fatal(err)
		}
		if len(vs) > 0 {
			t.Fatalf("%s still holds %d versions: %+v", prefix, len(vs), vs)
		}
	}
	vs, err := ts.s3.ListVersions(ctx, "site/")
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range vs {
		if !v.IsLatest || v.IsDeleteMarker {
			t.Fatalf("site/ keeps a noncurrent version or delete marker: %+v", v)
		}
		rc, err := ts.s3.Get(ctx, v.Key)
		if err != nil {
			t.Fatal(err)
		}
		data, _ := io.ReadAll(rc)
		rc.Close()
		if bytes.Contains(data, []byte(storyA)) {
			t.Fatalf("%s still names the withdrawn story:\n%s", v.Key, data)
		}
	}
	if ok, err := store.Exists(ctx, ts.s3, "site/stories/b/"); err != nil || !ok {
		t.Fatalf("story B must stay live: %v %v", ok, err)
	}
	if ok, _ := store.Exists(ctx, ts.s3, "media/"+storyB+"/"); !ok {
		t.Fatal("story B's media must stay live")
	}
}

// assertWithdrawn checks the end state of a withdrawal of story A: gone
// from the bucket, the audit log says started then complete, and a later
// publish does not bring it back.
func (ts *testSite) assertWithdrawn(t *testing.T) {
	t.Helper()
	ts.assertGone(t)
	if got := ts.auditResults(t); !slices.Equal(got, []string{"started", "complete"}) {
		t.Fatalf("audit log for the story: %q, want started then complete", got)
	}
	if _, err := Publish(context.Background(), ts.parts, ts.opts(nil)); err != nil {
		t.Fatal(err)
	}
	ts.assertGone(t)
}

// auditResults returns the results of story A's withdraw entries, in order.
func (ts *testSite) auditResults(t *testing.T) []string {
	t.Helper()
	return auditResultsOf(t, ts.vault, storyA)
}

// auditResultsOf returns the results of story's withdraw entries in the
// audit log of the vault dir, in order ("started", "complete", ...); none
// when there is no audit log yet.
func auditResultsOf(t *testing.T, dir, story string) []string {
	t.Helper()
	f, err := os.Open(vault.AuditLogPath(dir))
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		var e vault.AuditEntry
		if err := json.Unmarshal(sc.Bytes(), &e); err != nil {
			t.Fatal(err)
		}
		if e.StoryID == story && e.Action == "withdraw" {
			r, _, _ := strings.Cut(e.Result, ":")
			out = append(out, r)
		}
	}
	return out
}

// pauser pauses a run at one step: reached is closed when the run gets
// there, and the run goes on when resume is closed.
type pauser struct {
	at              string
	reached, resume chan struct{}
	mu              sync.Mutex
	seen            []string
}

func newPauser(at string) *pauser {
	return &pauser{at: at, reached: make(chan struct{}), resume: make(chan struct{})}
}

func (p *pauser) hook(ctx context.Context, step string) error {
	p.mu.Lock()
	p.seen = append(p.seen, step)
	p.mu.Unlock()
	if step == p.at {
		close(p.reached)
		select {
		case <-p.resume:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	return nil
}

func (p *pauser) saw(step string) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return slices.Contains(p.seen, step)
}

func waitFor(t *testing.T, ch <-chan struct{}, what string) {
	t.Helper()
	select {
	case <-ch:
	case <-time.After(30 * time.Second):
		t.Fatalf("timed out waiting for %s", what)
	}
}

// TestPublishRacingWithdrawal runs a publish (with a changed story A, so it
// would upload A's page again) and a withdrawal of A against each other on
// the real gateway, the publish paused at each of its steps while the
// withdrawal starts: the withdrawal waits for the lease and runs after it,
// and when both are done nothing of A is in the bucket and the audit log
// says complete.
func TestPublishRacingWithdrawal(t *testing.T) {
	for _, step := range Steps {
		t.Run("publish paused before "+step, func(t *testing.T) {
			ts := newTestSite(t)
			ctx := context.Background()
			if _, err := Publish(ctx, ts.parts, ts.opts(nil)); err != nil {
				t.Fatal(err)
			}
			write(t, ts.root, "content/stories/a/index.md", "story_id: "+storyA+"\nstatus: given\nrecord: cr-aa-1\nmedia: m-a\ntext v2\n")
			pp := newPauser(step)
			pubErr := make(chan error, 1)
			go func() {
				_, err := Publish(ctx, ts.parts, ts.opts(pp.hook))
				pubErr <- err
			}()
			waitFor(t, pp.reached, "publish at "+step)
			wp := newPauser("")
			wdErr := make(chan error, 1)
			wdStarted := make(chan struct{})
			go func() {
				o := ts.withdrawOpts(func(ctx context.Context, s string) error {
					if s == "lease" {
						close(wdStarted)
					}
					return wp.hook(ctx, s)
				})
				_, err := Withdraw(ctx, ts.parts, o)
				wdErr <- err
			}()
			waitFor(t, wdStarted, "withdraw start")
			time.Sleep(700 * time.Millisecond)
			if step != "lease" && wp.saw("find") {
				t.Fatal("the withdrawal went past the lease while a publish held it")
			}
			close(pp.resume)
			if err := <-pubErr; step != "lease" && err != nil {
				t.Fatalf("publish: %v", err)
			} else if step == "lease" && err != nil && !errors.Is(err, store.ErrLeaseHeld) {
				t.Fatalf("publish that lost the race for the lease: want ErrLeaseHeld, got %v", err)
			}
			if err := <-wdErr; err != nil {
				t.Fatalf("withdraw: %v", err)
			}
			ts.assertWithdrawn(t)
		})
	}
}

// TestWithdrawalRacingPublish is the other order: the withdrawal paused at
// each of its steps (its rebuild's included) while a publish starts. The
// publish refuses at once (the lease is held) and uploads nothing.
func TestWithdrawalRacingPublish(t *testing.T) {
	steps := []string{"find", "started", "mark", "purge-story", "rebuild", "rebuild check", "rebuild recheck", "rebuild deploy-site", "rebuild purge-versions", "verify", "audit"}
	for _, step := range steps {
		t.Run("withdraw paused before "+step, func(t *testing.T) {
			ts := newTestSite(t)
			ctx := context.Background()
			if _, err := Publish(ctx, ts.parts, ts.opts(nil)); err != nil {
				t.Fatal(err)
			}
			write(t, ts.root, "content/stories/a/index.md", "story_id: "+storyA+"\nstatus: given\nrecord: cr-aa-1\nmedia: m-a\ntext v2\n")
			wp := newPauser(step)
			wdErr := make(chan error, 1)
			go func() {
				_, err := Withdraw(ctx, ts.parts, ts.withdrawOpts(wp.hook))
				wdErr <- err
			}()
			waitFor(t, wp.reached, "withdraw at "+step)
			_, err := Publish(ctx, ts.parts, ts.opts(nil))
			var held *store.LeaseHeldError
			if !errors.As(err, &held) || held.Holder.Operation != "withdraw" || held.Holder.PID != os.Getpid() {
				t.Fatalf("publish during a withdrawal: want a refusal naming the withdrawal, got %v", err)
			}
			close(wp.resume)
			if err := <-wdErr; err != nil {
				t.Fatalf("withdraw: %v", err)
			}
			ts.assertWithdrawn(t)
		})
	}
}

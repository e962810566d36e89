package publish

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"storyguard/tools/consent"
	"storyguard/tools/content"
	"storyguard/tools/vault"
)

var errKilled = errors.New("killed (test)")

// killAt returns a hook that fails the run at step, after saving the audit
// log as it is on disk at that moment, and a function that puts that copy
// back: the run then looks as if it had been killed at step, never writing
// its "failed" entry.
func killAt(t *testing.T, vaultDir, step string) (func(context.Context, string) error, func()) {
	var saved []byte
	var killed bool
	hook := func(_ context.Context, s string) error {
		if s != step {
			return nil
		}
		killed = true
		saved, _ = os.ReadFile(vault.AuditLogPath(vaultDir))
		return errKilled
	}
	restore := func() {
		t.Helper()
		if !killed {
			t.Fatalf("the run never reached step %q", step)
		}
		if err := os.WriteFile(vault.AuditLogPath(vaultDir), saved, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	return hook, restore
}

// TestPublishRefusesStoryWithdrawnSinceCheck: a withdrawal recorded after
// the check (by a run that did not hold the lease) stops the publish before
// anything is uploaded.
func TestPublishRefusesStoryWithdrawnSinceCheck(t *testing.T) {
	ts := newTestSite(t)
	hook := func(_ context.Context, step string) error {
		if step != "recheck" {
			return nil
		}
		return vault.AppendAudit(vault.AuditLogPath(ts.vault), vault.AuditEntry{Time: time.Now(), Action: "withdraw", StoryID: storyA,
			Role: "storyteller", ConsentRecords: []string{"cr-aa-1"}, Result: "started"})
	}
	_, err := Publish(context.Background(), ts.parts, ts.opts(hook))
	if !errors.Is(err, ErrWithdrawnMeanwhile) || !strings.Contains(err.Error(), storyA) {
		t.Fatalf("want ErrWithdrawnMeanwhile naming %s, got %v", storyA, err)
	}
	for _, prefix := range []string{"media/", "site/"} {
		if vs, err := ts.s3.ListVersions(context.Background(), prefix); err != nil || len(vs) > 0 {
			t.Fatalf("nothing may be uploaded, %s holds %d versions (%v)", prefix, len(vs), err)
		}
	}
}

// TestKilledWithdrawalIsFinal: a withdrawal killed at any step after its
// start is still recorded; reverting the content file does not bring the
// story back, and a rerun completes it and prints every purge URL.
func TestKilledWithdrawalIsFinal(t *testing.T) {
	for _, step := range []string{"mark", "purge-story", "rebuild", "rebuild deploy-site", "verify", "audit"} {
		t.Run(step, func(t *testing.T) {
			ts := newTestSite(t)
			ctx := context.Background()
			if _, err := Publish(ctx, ts.parts, ts.opts(nil)); err != nil {
				t.Fatal(err)
			}
			hook, restore := killAt(t, ts.vault, step)
			if _, err := Withdraw(ctx, ts.parts, ts.withdrawOpts(hook)); !errors.Is(err, errKilled) {
				t.Fatalf("want the injected kill, got %v", err)
			}
			restore()
			if got := ts.auditResults(t); !slices.Equal(got, []string{"started"}) {
				t.Fatalf("audit log after the kill: %q, want started", got)
			}
			stories, records, err := vault.Withdrawals(vault.AuditLogPath(ts.vault))
			if err != nil || !stories[storyA] || !records["cr-aa-1"] {
				t.Fatalf("a started withdrawal must count as a withdrawal for check: %v %v %v", stories, records, err)
			}
			pending, err := PendingPurge(ts.vault)
			if err != nil || !slices.Contains(pending, ts.base+"stories/a/") || !slices.Contains(pending, ts.base+"media/"+storyA+"/") {
				t.Fatalf("purge journal after the kill: %q, %v", pending, err)
			}
			// Someone reverts the content file: the story stays down.
			write(t, ts.root, "content/stories/a/index.md", "story_id: "+storyA+"\nstatus: given\nrecord: cr-aa-1\nmedia: m-a\ntext v1\n")
			pub, err := Publish(ctx, ts.parts, ts.opts(nil))
			if err != nil {
				t.Fatal(err)
			}
			ts.assertGone(t)
			res, err := Withdraw(ctx, ts.parts, ts.withdrawOpts(nil))
			if err != nil {
				t.Fatal(err)
			}
			ts.assertGone(t)
			// The runs after the kill (the publish, which completed, and
			// the withdrawal) print every URL of the interrupted one.
			printed := slices.Concat(pub.ChangedURLs, res.PurgeURLs)
			for _, u := range pending {
				if !slices.Contains(printed, u) {
					t.Fatalf("the runs after the kill must print every URL of the interrupted run: %s missing from %q", u, printed)
				}
			}
			if p, _ := PendingPurge(ts.vault); len(p) > 0 {
				t.Fatalf("a completed run must clear the purge journal, %d URLs left", len(p))
			}
			if got := ts.auditResults(t); !slices.Equal(got, []string{"started", "started", "complete"}) {
				t.Fatalf("audit log: %q", got)
			}
		})
	}
}

// TestInterruptedPublishPurgeListIsKept: a publish killed after deploying a
// changed page keeps that page's URL in the journal; the rerun, which
// changes nothing more, still prints it, then clears the journal.
func TestInterruptedPublishPurgeListIsKept(t *testing.T) {
	ts := newTestSite(t)
	ctx := context.Background()
	if _, err := Publish(ctx, ts.parts, ts.opts(nil)); err != nil {
		t.Fatal(err)
	}
	write(t, ts.root, "content/stories/b/index.md", "story_id: "+storyB+"\nstatus: given\nrecord: cr-bb-1\nmedia: m-b\ntext v2\n")
	hook, _ := killAt(t, ts.vault, "prune-media")
	if _, err := Publish(ctx, ts.parts, ts.opts(hook)); !errors.Is(err, errKilled) || !errors.Is(err, ErrPartial) {
		t.Fatalf("want the injected kill after deployment, got %v", err)
	}
	want := ts.base + "stories/b/"
	if p, _ := PendingPurge(ts.vault); !slices.Contains(p, want) {
		t.Fatalf("journal after the kill: %q, want %s", p, want)
	}
	res, err := Publish(ctx, ts.parts, ts.opts(nil))
	if err != nil {
		t.Fatal(err)
	}
	if res.Site.Uploaded != 0 || !slices.Contains(res.ChangedURLs, want) {
		t.Fatalf("rerun: %d uploaded, URLs %q; want nothing uploaded and %s printed", res.Site.Uploaded, res.ChangedURLs, want)
	}
	if p, _ := PendingPurge(ts.vault); len(p) > 0 {
		t.Fatalf("journal after a completed run: %q", p)
	}
}

// TestWorkFolders: runs work under <vault>/state/work, never in $TMPDIR;
// a killed run's folder is removed by the next run; a withdrawal removes a
// live run's folder that holds its story, and leaves other live folders.
func TestWorkFolders(t *testing.T) {
	ts := newTestSite(t)
	ctx := context.Background()
	var during []string
	hook := func(_ context.Context, step string) error {
		if step == "deploy-site" {
			during, _ = filepath.Glob(filepath.Join(ts.vault, "state", "work", "run-*", "stage", "content", "stories", "a", "index.md"))
		}
		return nil
	}
	if _, err := Publish(ctx, ts.parts, ts.opts(hook)); err != nil {
		t.Fatal(err)
	}
	if len(during) != 1 {
		t.Fatalf("the stage must be under <vault>/state/work, found %q", during)
	}
	// The running gateway's private socket folder (sggw-*, a socket and
	// nothing else) is the one thing allowed there.
	left, _ := filepath.Glob(filepath.Join(os.Getenv("TMPDIR"), "*"))
	left = slices.DeleteFunc(left, func(p string) bool { return strings.HasPrefix(filepath.Base(p), "sggw-") })
	if len(left) > 0 {
		t.Fatalf("nothing may be left in $TMPDIR: %q", left)
	}
	if left, _ := filepath.Glob(filepath.Join(ts.vault, "state", "work", "*")); len(left) > 0 {
		t.Fatalf("a finished run must remove its work folder: %q", left)
	}

	// A killed run: its folder, holding story A, unlocked.
	killed, err := NewWorkDir(ts.vault)
	if err != nil {
		t.Fatal(err)
	}
	killed.Hold([]string{storyA})
	write(t, killed.Path, "stage/content/stories/a/index.md", "story text")
	killed.owner.Close()
	// Two live runs (locks held in this process), one holding A.
	liveA, _ := NewWorkDir(ts.vault)
	liveA.Hold([]string{storyB, storyA})
	liveB, _ := NewWorkDir(ts.vault)
	liveB.Hold([]string{storyB})
	defer liveA.Close(false)
	defer liveB.Close(false)

	if _, err := Publish(ctx, ts.parts, ts.opts(nil)); err != nil {
		t.Fatal(err)
	}
	if exists(killed.Path) || !exists(liveA.Path) || !exists(liveB.Path) {
		t.Fatalf("publish must remove the killed run's folder only: killed %v, live %v %v", exists(killed.Path), exists(liveA.Path), exists(liveB.Path))
	}
	// Older versions' folders in $TMPDIR: one holding A's text, one B's,
	// and the registry editor's, which is never touched.
	tmp := os.Getenv("TMPDIR")
	write(t, tmp, "storyguard-111/stage/content/stories/a/index.md", "story_id: "+storyA+"\n")
	write(t, tmp, "storyguard-222/stage/content/stories/b/index.md", "story_id: "+storyB+"\n")
	write(t, tmp, "storyguard-registry-333/stage/content/x.md", storyA)
	if _, err := Withdraw(ctx, ts.parts, ts.withdrawOpts(nil)); err != nil {
		t.Fatal(err)
	}
	if exists(filepath.Join(tmp, "storyguard-111")) || !exists(filepath.Join(tmp, "storyguard-222")) || !exists(filepath.Join(tmp, "storyguard-registry-333")) {
		t.Fatal("withdrawal must remove the old-style work folder holding the story, and only that one")
	}
	if exists(liveA.Path) || !exists(liveB.Path) {
		t.Fatalf("withdrawal must remove the folder holding the story and keep the other: %v %v", exists(liveA.Path), exists(liveB.Path))
	}
}

func exists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}

// TestPublishRefusesCopyOfStoryWithdrawnSinceCheck: a withdrawal recorded
// after the check whose approval digest is that of a page about to be
// published under another story id (a copy of the withdrawn story) stops
// the publish before anything is uploaded, as one of that id would.
func TestPublishRefusesCopyOfStoryWithdrawnSinceCheck(t *testing.T) {
	ts := newTestSite(t)
	raw, err := os.ReadFile(filepath.Join(ts.root, "content", "stories", "b", "index.md"))
	if err != nil {
		t.Fatal(err)
	}
	p, _ := content.LoadPage("content/stories/b/index.md", "", raw)
	hook := func(_ context.Context, step string) error {
		if step != "recheck" {
			return nil
		}
		return vault.AppendAudit(vault.AuditLogPath(ts.vault), vault.AuditEntry{Time: time.Now(), Action: "withdraw", StoryID: "st-0ther1", Role: "storyteller",
			Withdrawn: "2026-11-29", ApprovalDigests: []string{consent.ApprovalDigest(p)}, Result: "started"})
	}
	_, err = Publish(context.Background(), ts.parts, ts.opts(hook))
	// (The stand-in site has no front matter, so the page is named by its
	// path rather than its story id.)
	if !errors.Is(err, ErrWithdrawnMeanwhile) || !strings.Contains(err.Error(), "content/stories/b/index.md") || strings.Contains(err.Error(), "stories/a/") {
		t.Fatalf("want ErrWithdrawnMeanwhile naming story b's page only, got %v", err)
	}
	for _, prefix := range []string{"media/", "site/"} {
		if vs, err := ts.s3.ListVersions(context.Background(), prefix); err != nil || len(vs) > 0 {
			t.Fatalf("nothing may be uploaded, %s holds %d versions (%v)", prefix, len(vs), err)
		}
	}
	// The same withdrawal already recorded before the check is check's to
	// report (here the stand-in checker ignores it): the recheck does not
	// refuse for it again, so publish is not blocked forever.
	if _, err := Publish(context.Background(), ts.parts, ts.opts(nil)); err != nil {
		t.Fatalf("a withdrawal known before the check is not a new one: %v", err)
	}
}

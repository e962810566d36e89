package stories

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"filippo.io/age"
)

// planted is a sentence that must never appear in any file of the store.
const planted = "Marisol walked the nine kilometres to the clinic at Tres Piedras every Tuesday"

// fixture opens a store with a vault key, an editor and a story.
type fixture struct {
	s      *Store
	vault  *age.X25519Identity
	rc     []age.Recipient
	editor string
	story  string
}

func newFixture(t *testing.T, e engine) fixture {
	t.Helper()
	ctx := context.Background()
	id, rc := testKeys(t)
	s := e.open(t, Options{Recipients: rc, Identities: []age.Identity{id}})
	ed, err := s.CreateAccount(ctx, RoleEditor, "", "")
	if err != nil {
		t.Fatal(err)
	}
	st, err := s.Create(ctx, "walking-to-the-clinic", ed.ID)
	if err != nil {
		t.Fatal(err)
	}
	return fixture{s: s, vault: id, rc: rc, editor: ed.ID, story: st}
}

func (f fixture) rev(body string) Revision {
	return Revision{Author: f.editor, FrontMatter: []byte("title: On foot\nstory_id: " + f.story + "\n"), Body: []byte(body)}
}

func TestCreateSaveGet(t *testing.T) {
	forEach(t, func(t *testing.T, e engine) {
		ctx := context.Background()
		f := newFixture(t, e)
		if !storyIDRe.MatchString(f.story) {
			t.Fatalf("story id %q", f.story)
		}
		r1, err := f.s.SaveRevision(ctx, f.story, "en", 0, f.rev("first\n"))
		if err != nil || r1 != 1 {
			t.Fatalf("SaveRevision = %d, %v", r1, err)
		}
		typed := f.rev("second\n")
		typed.TypedByStaff = true
		if r2, err := f.s.SaveRevision(ctx, f.story, "en", 1, typed); err != nil || r2 != 2 {
			t.Fatalf("SaveRevision = %d, %v", r2, err)
		}
		if _, err := f.s.SaveRevision(ctx, f.story, "es", 0, f.rev("primero\n")); err != nil {
			t.Fatal(err)
		}
		st, err := f.s.Get(ctx, f.story)
		if err != nil {
			t.Fatal(err)
		}
		if st.Slug != "walking-to-the-clinic" || string(st.Current["en"].Body) != "second\n" || !st.Current["en"].TypedByStaff ||
			string(st.Current["es"].Body) != "primero\n" || st.Current["en"].Author != f.editor {
			t.Fatalf("Get = %+v", st)
		}
		old, err := f.s.Revision(ctx, f.story, "en", 1)
		if err != nil || string(old.Body) != "first\n" || old.TypedByStaff {
			t.Fatalf("Revision 1 = %+v, %v", old, err)
		}
		want := "---\ntitle: On foot\nstory_id: " + f.story + "\n---\nsecond\n"
		if got := string(st.Current["en"].Source()); got != want {
			t.Errorf("Source = %q, want %q", got, want)
		}
		list, err := f.s.List(ctx)
		if err != nil || len(list) != 1 || list[0].Languages["en"] != 2 || list[0].Languages["es"] != 1 || list[0].State != StateDrafting {
			t.Fatalf("List = %+v, %v", list, err)
		}
		if _, err := f.s.SaveRevision(ctx, f.story, "EN", 0, f.rev("x")); !errors.Is(err, ErrInvalid) {
			t.Errorf("bad language: %v", err)
		}
		if _, err := f.s.SaveRevision(ctx, "st-nosuch", "en", 0, f.rev("x")); !errors.Is(err, ErrNotFound) {
			t.Errorf("unknown story: %v", err)
		}
		if _, err := f.s.Create(ctx, "Maria Lopez", f.editor); !errors.Is(err, ErrInvalid) || bytes.Contains([]byte(err.Error()), []byte("Maria")) {
			t.Errorf("bad slug: %v", err)
		}
		// Without the vault identities: lists, but cannot read.
		locked := e.open(t, Options{Recipients: f.rc})
		if l, err := locked.List(ctx); err != nil || len(l) != 1 {
			t.Errorf("locked List = %+v, %v", l, err)
		}
		if _, err := locked.Get(ctx, f.story); !errors.Is(err, ErrLocked) {
			t.Errorf("locked Get: %v", err)
		}
		other, _ := testKeys(t)
		wrong := e.open(t, Options{Recipients: f.rc, Identities: []age.Identity{other}})
		if _, err := wrong.Get(ctx, f.story); !errors.Is(err, ErrLocked) {
			t.Errorf("Get with another key: %v", err)
		}
	})
}

func TestStaleSaveRefused(t *testing.T) {
	forEach(t, func(t *testing.T, e engine) {
		ctx := context.Background()
		f := newFixture(t, e)
		s2 := e.open(t, Options{Recipients: f.rc, Identities: []age.Identity{f.vault}})
		for _, base := range []int64{0, 1} {
			// Two desk instances save on the same base at once, many
			// times over: exactly one wins each round.
			const writers = 8
			var wg sync.WaitGroup
			var mu sync.Mutex
			var won []string
			var stale []*StaleError
			for i := range writers {
				wg.Add(1)
				go func() {
					defer wg.Done()
					st := f.s
					if i%2 == 1 {
						st = s2
					}
					body := "writer " + string(rune('a'+i)) + "\n"
					_, err := st.SaveRevision(ctx, f.story, "en", base, f.rev(body))
					mu.Lock()
					defer mu.Unlock()
					var se *StaleError
					switch {
					case err == nil:
						won = append(won, body)
					case errors.As(err, &se) && errors.Is(err, ErrStale):
						stale = append(stale, se)
					default:
						t.Errorf("writer %d: %v", i, err)
					}
				}()
			}
			wg.Wait()
			if len(won) != 1 || len(stale) != writers-1 {
				t.Fatalf("base %d: %d saves won, %d refused as stale; want 1 and %d", base, len(won), len(stale), writers-1)
			}
			for _, se := range stale {
				if se.Current != base+1 || se.Base != base {
					t.Errorf("StaleError = %+v, want current %d", se, base+1)
				}
			}
			cur, err := f.s.Revision(ctx, f.story, "en", 0)
			if err != nil || string(cur.Body) != won[0] || cur.Rev != base+1 {
				t.Fatalf("current = %+v %v, want the winner %q", cur, err, won[0])
			}
		}
		// A plain stale save, after the fact.
		_, err := f.s.SaveRevision(ctx, f.story, "en", 1, f.rev("late\n"))
		var se *StaleError
		if !errors.As(err, &se) || se.Current != 2 {
			t.Fatalf("stale save: %v", err)
		}
		if revs, _ := f.s.Revisions(ctx, f.story); len(revs) != 2 {
			t.Errorf("%d revisions stored, want 2", len(revs))
		}
	})
}

func TestRecordsEventsAndTamper(t *testing.T) {
	forEach(t, func(t *testing.T, e engine) {
		ctx := context.Background()
		f := newFixture(t, e)
		if _, err := f.s.AddConsentAnswers(ctx, f.story, []byte(`{"where":["website"]}`), f.editor); err != nil {
			t.Fatal(err)
		}
		if _, err := f.s.AddComment(ctx, f.story, "en", "Shorter second paragraph?", f.editor); err != nil {
			t.Fatal(err)
		}
		ca, err := f.s.ConsentAnswers(ctx, f.story)
		if err != nil || len(ca) != 1 || string(ca[0].Answers) != `{"where":["website"]}` {
			t.Fatalf("ConsentAnswers = %+v, %v", ca, err)
		}
		cm, err := f.s.Comments(ctx, f.story)
		if err != nil || len(cm) != 1 || cm[0].Text != "Shorter second paragraph?" || cm[0].Lang != "en" {
			t.Fatalf("Comments = %+v, %v", cm, err)
		}
		if err := f.s.RecordWithdrawal(ctx, f.story, StopNewUses, f.editor); err != nil {
			t.Fatal(err)
		}
		ev, err := f.s.Events(ctx, f.story)
		if err != nil {
			t.Fatal(err)
		}
		var kinds []string
		for _, x := range ev {
			kinds = append(kinds, x.Kind)
		}
		if len(kinds) != 4 || kinds[0] != "created" || kinds[3] != "withdraw.stop_new_uses" {
			t.Errorf("events %v", kinds)
		}
		if l, _ := f.s.List(ctx); l[0].State != StateStopped {
			t.Errorf("state after stop new uses: %s", l[0].State)
		}
		if err := f.s.RecordWithdrawal(ctx, f.story, "everything", f.editor); !errors.Is(err, ErrInvalid) {
			t.Errorf("unknown level: %v", err)
		}
		// A comment's ciphertext moved onto another story's row is refused.
		other, _ := f.s.Create(ctx, "another", f.editor)
		f.s.AddComment(ctx, other, "en", "other", f.editor)
		if _, err := f.s.exec(ctx, nil, "UPDATE comments SET text_ct = (SELECT text_ct FROM comments WHERE story_id = ?) WHERE story_id = ?", f.story, other); err != nil {
			t.Fatal(err)
		}
		if _, err := f.s.Comments(ctx, other); err == nil {
			t.Error("a ciphertext of another story decrypted in this one")
		}
	})
}

// rawFiles returns the bytes of every file of the SQLite store in dir.
func rawFiles(t *testing.T, dir string) map[string][]byte {
	t.Helper()
	out := map[string][]byte{}
	entries, _ := os.ReadDir(dir)
	for _, en := range entries {
		b, err := os.ReadFile(filepath.Join(dir, en.Name()))
		if err == nil {
			out[en.Name()] = b
		}
	}
	return out
}

func grepFiles(t *testing.T, when string, files map[string][]byte, needles map[string][]byte) {
	t.Helper()
	for name, b := range files {
		for what, n := range needles {
			if bytes.Contains(b, n) {
				t.Errorf("%s: %s found in %s", when, what, name)
			}
		}
	}
}

// copyDir copies the store's files as a backup would, mid-flight.
func copyDir(t *testing.T, src string) string {
	t.Helper()
	dst := t.TempDir()
	for name, b := range rawFiles(t, src) {
		if err := os.WriteFile(filepath.Join(dst, name), b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	return dst
}

func TestNothingReadableInTheSQLiteFiles(t *testing.T) {
	ctx := context.Background()
	e := engines(t)[0]
	dir := filepath.Dir(e.where.Path)
	f := newFixture(t, e)
	fm := "title: On foot\nstory_id: " + f.story + "\n"
	for i, lang := range []string{"en", "es"} {
		r := f.rev(planted + "\n")
		if _, err := f.s.SaveRevision(ctx, f.story, lang, 0, r); err != nil {
			t.Fatal(err)
		}
		r.Body = []byte(planted + " (second draft)\n")
		if _, err := f.s.SaveRevision(ctx, f.story, lang, 1, r); err != nil {
			t.Fatal(err)
		}
		_ = i
	}
	f.s.AddComment(ctx, f.story, "en", "Comment: "+planted, f.editor)
	f.s.AddConsentAnswers(ctx, f.story, []byte("answers: "+planted), f.editor)
	acct, _ := f.s.CreateAccount(ctx, RoleStoryteller, "p-0101", "Marisol Tres Piedras")
	_ = acct
	needles := map[string][]byte{
		"the planted sentence": []byte(planted),
		"a part of it":         []byte("Tres Piedras"),
		"the slug":             []byte("walking-to-the-clinic"),
		"the front matter":     []byte(fm),
	}
	// Before any checkpoint: the WAL holds the writes.
	before := rawFiles(t, dir)
	if len(before[FileName+"-wal"]) == 0 {
		t.Fatalf("no WAL written (files %v): the test would not look where the writes are", keys(before))
	}
	grepFiles(t, "live store", before, needles)
	backup := copyDir(t, dir)

	// The wrapped key and the ciphertexts of the story, to look for after.
	var wrapped, ct []byte
	f.s.db.QueryRowContext(ctx, f.s.q("SELECT wrapped FROM story_keys WHERE story_id = ?"), f.story).Scan(&wrapped)
	f.s.db.QueryRowContext(ctx, f.s.q("SELECT text_ct FROM revisions WHERE story_id = ? AND lang = 'es' AND rev = 2"), f.story).Scan(&ct)
	if len(wrapped) < 64 || len(ct) < 64 {
		t.Fatal("no wrapped key or ciphertext stored")
	}
	found := false
	for _, b := range before {
		found = found || bytes.Contains(b, wrapped[len(wrapped)-48:])
	}
	if !found {
		t.Fatal("the wrapped key is in none of the files before erasure: the after-check would prove nothing")
	}

	if err := f.s.Erase(ctx, f.story, f.editor); err != nil {
		t.Fatal(err)
	}
	after := rawFiles(t, dir)
	needles["the wrapped story key"] = wrapped[len(wrapped)-48:]
	needles["a revision's ciphertext"] = ct[len(ct)-48:]
	needles["the story recipient"] = []byte("age1")
	grepFiles(t, "after erasure", after, needles)
	if n := len(after[FileName+"-wal"]); n != 0 {
		t.Errorf("WAL is %d bytes after erasure, want truncated", n)
	}
	if _, err := f.s.Get(ctx, f.story); !errors.Is(err, ErrErased) {
		t.Errorf("Get after Erase: %v", err)
	}
	if _, err := f.s.Create(ctx, "x", f.editor); err != nil {
		t.Fatal(err)
	}
	if err := f.s.CreateWithID(ctx, f.story, "again", f.editor); !errors.Is(err, ErrExists) {
		t.Errorf("an erased id reused: %v", err)
	}

	// The copy taken before erasure: the planted text is not in it, and
	// with the key gone from the live store nothing in it can be read by
	// anyone who restores only the live store's keys. The copy itself still
	// holds its own wrapped key: that is why keys must not live in
	// long-lived backups (README).
	grepFiles(t, "backup copy", rawFiles(t, backup), map[string][]byte{"the planted sentence": []byte(planted)})
}

func keys(m map[string][]byte) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}

func TestErasedStoryUnreadableFromEarlierCopy(t *testing.T) {
	// A copy of every data row taken before erasure (a backup of the data
	// without the key table, or a database dump), read after erasure with
	// the vault key: the story key is gone, so nothing decrypts.
	forEach(t, func(t *testing.T, e engine) {
		ctx := context.Background()
		f := newFixture(t, e)
		if _, err := f.s.SaveRevision(ctx, f.story, "en", 0, f.rev(planted)); err != nil {
			t.Fatal(err)
		}
		var ct, meta []byte
		var rc string
		f.s.db.QueryRowContext(ctx, f.s.q("SELECT text_ct FROM revisions WHERE story_id = ?"), f.story).Scan(&ct)
		f.s.db.QueryRowContext(ctx, f.s.q("SELECT recipient, meta_ct FROM stories WHERE id = ?"), f.story).Scan(&rc, &meta)
		f.s.AddComment(ctx, f.story, "en", planted, f.editor)
		f.s.AddConsentAnswers(ctx, f.story, []byte(planted), f.editor)
		if err := f.s.RecordApproval(ctx, f.story, Approval{Lang: "en", Rev: 1, Digest: "ab12", By: f.editor}); err != nil {
			t.Fatal(err)
		}
		if err := f.s.Erase(ctx, f.story, f.editor); err != nil {
			t.Fatal(err)
		}
		for table, col := range map[string]string{"stories": "id", "story_keys": "story_id", "story_languages": "story_id", "revisions": "story_id",
			"consent_answers": "story_id", "comments": "story_id", "approvals": "story_id", "story_events": "story_id"} {
			var n int
			if err := f.s.db.QueryRowContext(ctx, f.s.q("SELECT COUNT(*) FROM "+table+" WHERE "+col+" = ?"), f.story).Scan(&n); err != nil || n != 0 {
				t.Errorf("%s: %d rows of the erased story left (%v)", table, n, err)
			}
		}
		// Put the old rows back, as a restore of the data would.
		if _, err := f.s.exec(ctx, nil, "INSERT INTO stories (id, state, recipient, meta_ct, created_at, updated_at) VALUES (?, 'drafting', ?, ?, 1, 1)", f.story, rc, meta); err != nil {
			t.Fatal(err)
		}
		if _, err := f.s.exec(ctx, nil, "INSERT INTO story_languages (story_id, lang, current_rev, updated_at) VALUES (?, 'en', 1, 1)", f.story); err != nil {
			t.Fatal(err)
		}
		if _, err := f.s.exec(ctx, nil, "INSERT INTO revisions (story_id, lang, rev, author, typed_by_staff, created_at, text_ct) VALUES (?, 'en', 1, ?, 0, 1, ?)", f.story, f.editor, ct); err != nil {
			t.Fatal(err)
		}
		if _, err := f.s.Revision(ctx, f.story, "en", 1); err == nil {
			t.Fatal("an erased story's revision decrypted from a copy taken before")
		}
		// Nor does the vault key open the ciphertext directly.
		if _, err := open([]age.Identity{f.vault}, ct); err == nil {
			t.Fatal("the vault key decrypts story text without the story key")
		}
		if er, _ := f.s.ErasedStories(ctx); len(er) != 1 || er[0].StoryID != f.story || er[0].AccountID != f.editor {
			t.Errorf("ErasedStories = %+v", er)
		}
	})
}

func TestNothingReadableInThePostgreSQLFiles(t *testing.T) {
	es := engines(t)
	if len(es) < 2 {
		t.Skip("no PostgreSQL (see engines)")
	}
	if pgData == "" {
		t.Skip("the PostgreSQL data folder is unknown (set STORYGUARD_TEST_PGDATA)")
	}
	ctx := context.Background()
	f := newFixture(t, es[1])
	if _, err := f.s.SaveRevision(ctx, f.story, "en", 0, f.rev(planted)); err != nil {
		t.Fatal(err)
	}
	f.s.AddComment(ctx, f.story, "en", planted, f.editor)
	f.s.AddConsentAnswers(ctx, f.story, []byte(planted), f.editor)
	// Write every dirty page to the heap files; the WAL has them already.
	if _, err := f.s.db.ExecContext(ctx, "CHECKPOINT"); err != nil {
		t.Fatal(err)
	}
	var wrapped []byte
	f.s.db.QueryRowContext(ctx, f.s.q("SELECT wrapped FROM story_keys WHERE story_id = ?"), f.story).Scan(&wrapped)
	sawKey, files := false, 0
	filepath.WalkDir(pgData, func(p string, d os.DirEntry, err error) error {
		if err != nil || !d.Type().IsRegular() {
			return nil
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return nil
		}
		files++
		if bytes.Contains(b, []byte(planted)) || bytes.Contains(b, []byte("Tres Piedras")) {
			t.Errorf("the planted sentence is readable in %s", strings.TrimPrefix(p, pgData))
		}
		sawKey = sawKey || bytes.Contains(b, wrapped[len(wrapped)-48:])
		return nil
	})
	if !sawKey {
		t.Fatalf("the wrapped key is in none of the %d files of %s: the grep looked in the wrong place", files, pgData)
	}
}

func TestApprovalOfExactlyTheRevisionRead(t *testing.T) {
	forEach(t, func(t *testing.T, e engine) {
		ctx := context.Background()
		f := newFixture(t, e)
		f.s.SaveRevision(ctx, f.story, "en", 0, f.rev("one\n"))
		f.s.SaveRevision(ctx, f.story, "en", 1, f.rev("two\n"))
		err := f.s.RecordApproval(ctx, f.story, Approval{Lang: "en", Rev: 1, Digest: "d1", By: f.editor})
		var se *StaleError
		if !errors.As(err, &se) || se.Current != 2 {
			t.Fatalf("approval of a revision that is no longer current: %v", err)
		}
		if err := f.s.RecordApproval(ctx, f.story, Approval{Lang: "en", Rev: 2, Digest: "d2", By: f.editor, ReadAloud: true}); err != nil {
			t.Fatal(err)
		}
		ap, err := f.s.Approvals(ctx, f.story)
		if err != nil || len(ap) != 1 || ap[0].Digest != "d2" || !ap[0].ReadAloud || ap[0].Rev != 2 {
			t.Fatalf("Approvals = %+v, %v", ap, err)
		}
	})
}

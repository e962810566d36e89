package publish

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"filippo.io/age"

	"storyguard/tools/diag"
	"storyguard/tools/stories"
	"storyguard/tools/vault"
)

// openTestStories opens a fresh SQLite story store holding one story,
// st-abcd1234 ("a-walk"), in en (revision 1) and es (revision 1).
func openTestStories(t *testing.T) *stories.Store {
	t.Helper()
	key, err := age.GenerateX25519Identity()
	if err != nil {
		t.Fatal(err)
	}
	ss, err := stories.Open(t.Context(), stories.Options{Path: filepath.Join(t.TempDir(), stories.FileName),
		Recipients: []age.Recipient{key.Recipient()}, Identities: []age.Identity{key}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ss.Close() })
	root := t.TempDir()
	write(t, root, "content/stories/a-walk/index.md", "---\ntitle: A walk\nstory_id: st-abcd1234\n---\nThe road was long.\n")
	write(t, root, "content/stories/a-walk/index.es.md", "---\ntitle: Un paseo\nstory_id: st-abcd1234\n---\nEl camino era largo.\n")
	if _, err := ss.Import(t.Context(), root, "en", stories.SystemAccount); err != nil {
		t.Fatal(err)
	}
	return ss
}

// What a deploy put live is what "stop new uses" keeps: after MarkPublished
// of a plan holding only the English page, a stopped story is materialised
// with that revision only, not a newer one and not the unpublished Spanish.
func TestStoredMarkPublishedThenStop(t *testing.T) {
	ss := openTestStories(t)
	vdir := t.TempDir()
	s, err := OpenStored(t.Context(), ss, vdir, "en")
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(s.Files(), " "); got != "content/stories/a-walk/index.es.md content/stories/a-walk/index.md" {
		t.Fatalf("files %q", got)
	}
	if !strings.HasPrefix(s.Dir, filepath.Join(vdir, "state", "work")) {
		t.Errorf("materialised into %s, want the vault's work folder", s.Dir)
	}
	if err := s.MarkPublished(t.Context(), &Plan{Pages: []string{"content/_index.md", "content/stories/a-walk/index.md"}}); err != nil {
		t.Fatal(err)
	}
	s.Close()
	if _, err := os.Stat(s.Dir); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("Close left the work folder: %v", err)
	}

	// Stop new uses, then a newer English revision is saved in the desk.
	o := WithdrawOptions{Options: Options{Vault: vdir}, Story: "st-abcd1234", Role: "storyteller"}
	sw, err := WithdrawStored(t.Context(), Parts{}, o, mustStored(t, ss, vdir), LevelStopNewUses, stories.SystemAccount)
	if err != nil || sw.Takedown != nil {
		t.Fatalf("stop new uses: %+v, %v", sw, err)
	}
	cur, err := ss.Revision(t.Context(), "st-abcd1234", "en", 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ss.SaveRevision(t.Context(), "st-abcd1234", "en", 1, stories.Revision{Author: stories.SystemAccount, FrontMatter: cur.FrontMatter, Body: []byte("A newer text.\n")}); err != nil {
		t.Fatal(err)
	}
	s2 := mustStored(t, ss, vdir)
	if got := strings.Join(s2.Files(), " "); got != "content/stories/a-walk/index.md" {
		t.Fatalf("stopped story materialised as %q, want the published English page only", got)
	}
	raw, err := os.ReadFile(s2.Path("", "content/stories/a-walk/index.md"))
	if err != nil || !strings.Contains(string(raw), "The road was long.") {
		t.Errorf("stopped story's page is %q (%v), want the published revision", raw, err)
	}
	audit, _ := os.ReadFile(vault.AuditLogPath(vdir))
	if !strings.Contains(string(audit), `"action":"stop-new-uses","story_id":"st-abcd1234","role":"storyteller"`) {
		t.Errorf("audit log %s", audit)
	}
	if strings.Contains(string(audit), "walk") || strings.Contains(string(audit), "road") {
		t.Errorf("the audit log holds more than ids: %s", audit)
	}
}

// A level other than the takedown is refused for a page bundle that is
// not in the store, and nothing is recorded.
func TestWithdrawStoredLevelsNeedTheStore(t *testing.T) {
	ss := openTestStories(t)
	vdir := t.TempDir()
	for _, lvl := range []stories.WithdrawLevel{LevelStopNewUses, LevelErase} {
		o := WithdrawOptions{Options: Options{Vault: vdir}, Story: "st-zzzz9999", Role: "comms"}
		if _, err := WithdrawStored(t.Context(), Parts{}, o, mustStored(t, ss, vdir), lvl, stories.SystemAccount); !errors.Is(err, ErrNotStored) {
			t.Errorf("%s of a story not in the store: %v, want ErrNotStored", lvl, err)
		}
	}
	if _, err := WithdrawStored(t.Context(), Parts{}, WithdrawOptions{Options: Options{Vault: vdir}, Story: "st-abcd1234", Role: "comms"},
		mustStored(t, ss, vdir), "everything", stories.SystemAccount); err == nil || strings.Contains(err.Error(), "everything") {
		t.Errorf("unknown level: %v", err)
	}
	if _, err := os.Stat(vault.AuditLogPath(vdir)); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("a refused withdrawal wrote the audit log")
	}
}

// Findings on a materialised page carry its desk name, never the stage.
func TestStoredName(t *testing.T) {
	ss := openTestStories(t)
	s := mustStored(t, ss, t.TempDir())
	ds := []diag.Diagnostic{{File: "content/stories/a-walk/index.es.md", Line: 3, Col: 1, Message: "see content/stories/a-walk/index.es.md"}, {File: "content/_index.md"}}
	s.Name(ds)
	if ds[0].File != "desk:st-abcd1234/index.es.md" || strings.Contains(ds[0].Message, "a-walk") || ds[1].File != "content/_index.md" {
		t.Errorf("named %+v", ds)
	}
}

func mustStored(t *testing.T, ss *stories.Store, vdir string) *Stored {
	t.Helper()
	s, err := OpenStored(t.Context(), ss, vdir, "en")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

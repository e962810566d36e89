package stories

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"

	"filippo.io/age"
)

// benchStore opens a SQLite store with n stories of one English revision
// each (about 6 KB of text, a long story) and returns it and an editor.
func benchStore(b *testing.B, n int) (*Store, string, []string) {
	b.Helper()
	id, rc := testKeys(b)
	s, err := Open(context.Background(), Options{Path: filepath.Join(b.TempDir(), FileName), Recipients: rc, Identities: []age.Identity{id}})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { s.Close() })
	ctx := context.Background()
	ed, _ := s.CreateAccount(ctx, RoleEditor, "", "")
	body := make([]byte, 6000)
	for i := range body {
		body[i] = 'a' + byte(i%26)
	}
	var ids []string
	for i := range n {
		st, err := s.Create(ctx, fmt.Sprintf("story-%d", i), ed.ID)
		if err != nil {
			b.Fatal(err)
		}
		fm := []byte("title: t\nstory_id: " + st + "\n")
		if _, err := s.SaveRevision(ctx, st, "en", 0, Revision{Author: ed.ID, FrontMatter: fm, Body: body}); err != nil {
			b.Fatal(err)
		}
		ids = append(ids, st)
	}
	return s, ed.ID, ids
}

// BenchmarkSaveRevision: one autosave of a 6 KB story (encrypt, one
// transaction with the stale check), what the desk does every few seconds.
func BenchmarkSaveRevision(b *testing.B) {
	s, ed, ids := benchStore(b, 1)
	ctx := context.Background()
	r := Revision{Author: ed, FrontMatter: []byte("title: t\nstory_id: " + ids[0] + "\n"), Body: make([]byte, 6000)}
	base := int64(1)
	for b.Loop() {
		var err error
		if base, err = s.SaveRevision(ctx, ids[0], "en", base, r); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkList1000: the staff queue of 1,000 stories (nothing decrypted).
func BenchmarkList1000(b *testing.B) {
	s, _, _ := benchStore(b, 1000)
	for b.Loop() {
		if _, err := s.List(context.Background()); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkMaterialise200: every story unwrapped, decrypted and written to
// a stage, as each publish does.
func BenchmarkMaterialise200(b *testing.B) {
	s, _, _ := benchStore(b, 200)
	for b.Loop() {
		if _, err := s.Materialise(context.Background(), b.TempDir(), "en"); err != nil {
			b.Fatal(err)
		}
	}
}

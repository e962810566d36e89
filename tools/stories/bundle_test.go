package stories

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"storyguard/tools/diag"
)

// siteRoot is the repository's root: its content/stories/ holds the
// demo's page bundles.
const siteRoot = "../.."

func TestImportThenMaterialiseGivesTheSameBytes(t *testing.T) {
	forEach(t, func(t *testing.T, e engine) {
		ctx := context.Background()
		f := newFixture(t, e)
		res, err := f.s.Import(ctx, siteRoot, "en", SystemAccount)
		if err != nil {
			t.Fatal(err)
		}
		bundles, _ := filepath.Glob(filepath.Join(siteRoot, "content", "stories", "*", "index.md"))
		if len(res) == 0 || len(res) != len(bundles) {
			t.Fatalf("imported %d bundles, content/stories has %d", len(res), len(bundles))
		}
		again, err := f.s.Import(ctx, siteRoot, "en", SystemAccount)
		if err != nil || len(again) != len(res) || !again[0].Skipped {
			t.Fatalf("second import: %+v, %v", again, err)
		}
		stage := t.TempDir()
		out, err := f.s.Materialise(ctx, stage, "en")
		if err != nil {
			t.Fatal(err)
		}
		// The fixture's own story has no revision: not written.
		if len(out) != len(res) {
			t.Fatalf("materialised %d stories, imported %d", len(out), len(res))
		}
		files := 0
		for _, r := range res {
			for _, file := range r.Files {
				want, err := os.ReadFile(filepath.Join(siteRoot, filepath.FromSlash(file)))
				if err != nil {
					t.Fatal(err)
				}
				got, err := os.ReadFile(filepath.Join(stage, filepath.FromSlash(strings.TrimPrefix(file, "content/"))))
				if err != nil {
					t.Fatalf("story %s: %v", r.StoryID, err)
				}
				if !bytes.Equal(got, want) {
					t.Errorf("%s: materialised bytes differ from the imported file", file)
				}
				files++
			}
		}
		if files < 2*len(res) {
			t.Errorf("compared %d files for %d bundles: the Spanish pages are missing", files, len(res))
		}
		// A withdrawn story is not written again.
		if err := f.s.RecordWithdrawal(ctx, res[0].StoryID, TakeDown, f.editor); err != nil {
			t.Fatal(err)
		}
		stage2 := t.TempDir()
		out, err = f.s.Materialise(ctx, stage2, "en")
		if err != nil || len(out) != len(res)-1 {
			t.Fatalf("after a withdrawal: %d bundles, %v", len(out), err)
		}
		for _, b := range out {
			if b.StoryID == res[0].StoryID {
				t.Error("withdrawn story materialised")
			}
		}
		// Materialising over an existing bundle of the same slug is refused
		// and leaves nothing half-written.
		stage3 := t.TempDir()
		os.MkdirAll(filepath.Join(stage3, filepath.FromSlash(out[len(out)-1].Dir)), 0o700)
		if _, err := f.s.Materialise(ctx, stage3, "en"); err == nil || !strings.Contains(err.Error(), out[len(out)-1].StoryID) {
			t.Fatalf("slug collision: %v", err)
		}
		left, _ := filepath.Glob(filepath.Join(stage3, "stories", "*", "index.md"))
		if len(left) != 0 {
			t.Errorf("a refused Materialise left %d pages in the stage", len(left))
		}
	})
}

func TestMaterialiseRefusesAnotherStoryID(t *testing.T) {
	forEach(t, func(t *testing.T, e engine) {
		ctx := context.Background()
		f := newFixture(t, e)
		r := f.rev("text\n")
		r.FrontMatter = []byte("title: x\nstory_id: st-someoneelse\n")
		if _, err := f.s.SaveRevision(ctx, f.story, "en", 0, r); err != nil {
			t.Fatal(err)
		}
		_, err := f.s.Materialise(ctx, t.TempDir(), "en")
		want := DeskName(f.story, "en") + ":3:1: field story_id" // line 1 is ---
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Fatalf("Materialise = %v, want an error naming %s", err, want)
		}
	})
}

func TestImportRefusals(t *testing.T) {
	good := "---\ntitle: x\nstory_id: st-abcd1234\n---\nBody.\n"
	cases := []struct {
		name  string
		files map[string]string
		want  string
	}{
		{"crlf", map[string]string{"index.md": strings.ReplaceAll(good, "\n", "\r\n")}, "index.md:1:1"},
		{"toml", map[string]string{"index.md": "+++\ntitle = 'x'\nstory_id = 'st-abcd1234'\n+++\nBody.\n"}, "index.md:1:1"},
		{"bom", map[string]string{"index.md": "\ufeff" + good}, "index.md:1:1"},
		{"name as id", map[string]string{"index.md": "---\ntitle: x\nstory_id: Maria Lopez\n---\n"}, "index.md:3:1: field story_id"},
		{"languages disagree", map[string]string{"index.md": good, "index.es.md": strings.Replace(good, "st-abcd1234", "st-other99", 1)}, "field story_id"},
		{"other file", map[string]string{"index.md": good, "photo.jpg": "x"}, "photo.jpg"},
		{"trailing space on the close", map[string]string{"index.md": "---\ntitle: x\nstory_id: st-abcd1234\n--- \nBody.\n"}, "index.md:1:1"},
	}
	_, rc := testKeys(t)
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s := engines(t)[0].open(t, Options{Recipients: rc})
			root := t.TempDir()
			dir := filepath.Join(root, "content", "stories", "a-story")
			os.MkdirAll(dir, 0o755)
			for name, text := range c.files {
				os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644)
			}
			_, err := s.Import(context.Background(), root, "en", SystemAccount)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("Import = %v, want an error containing %q", err, c.want)
			}
			if strings.Contains(err.Error(), "Maria") {
				t.Errorf("error echoes the refused value: %v", err)
			}
			if l, _ := s.List(context.Background()); len(l) != 0 {
				t.Errorf("a refused bundle was half-imported: %d stories", len(l))
			}
		})
	}
}

func FuzzSplitBundleFile(f *testing.F) {
	f.Add([]byte("---\ntitle: x\nstory_id: st-abcd1234\n---\nBody.\n"))
	f.Add([]byte("---\n---\n"))
	f.Add([]byte("---\nstory_id: st-abcd1234\n--- \n---\n"))
	f.Add([]byte("+++\nstory_id = 'st-abcd1234'\n+++\n"))
	f.Add([]byte("---\nstory_id: [\n---\n"))
	f.Fuzz(func(t *testing.T, raw []byte) {
		fm, body, id, err := SplitBundleFile("content/stories/x/index.md", "en", raw)
		if err != nil {
			if !errors.Is(err, ErrInvalid) {
				t.Fatalf("error not wrapping ErrInvalid: %v", err)
			}
			return
		}
		if !storyIDRe.MatchString(id) {
			t.Fatalf("accepted story id %q", id)
		}
		if got := (Revision{FrontMatter: fm, Body: body}).Source(); !bytes.Equal(got, raw) {
			t.Fatalf("Source() = %q, want the file %q", got, raw)
		}
		if err := checkStoryID(id, "en", raw); err != nil {
			t.Fatalf("an imported page fails Materialise's check: %v", err)
		}
	})
}

func TestDiagnosticsNameStoredStories(t *testing.T) {
	ctx := context.Background()
	e := engines(t)[0]
	f := newFixture(t, e)
	for _, lang := range []string{"en", "es"} {
		if _, err := f.s.SaveRevision(ctx, f.story, lang, 0, f.rev("text\n")); err != nil {
			t.Fatal(err)
		}
	}
	stage := t.TempDir()
	bundles, err := f.s.Materialise(ctx, filepath.Join(stage, "content"), "en")
	if err != nil {
		t.Fatal(err)
	}
	// What the check rules would report on the materialised pages, by
	// their path in the stage.
	ds := []diag.Diagnostic{
		{File: "content/stories/walking-to-the-clinic/index.md", Line: 3, Col: 1, Rule: "consent-missing", Message: "no consent"},
		{File: "content/stories/walking-to-the-clinic/index.es.md", Line: 2, Col: 8, Rule: "r",
			Message: "differs from content/stories/walking-to-the-clinic/index.md"},
		{File: "content/advocacy/index.md", Line: 1, Col: 1, Rule: "r", Message: "m"},
	}
	NameDiagnostics(bundles, ds)
	var got []string
	for _, d := range ds {
		got = append(got, d.File+":"+strconv.Itoa(d.Line)+":"+strconv.Itoa(d.Col)+": "+d.Message)
	}
	want := []string{
		"desk:" + f.story + "/index.en.md:3:1: no consent",
		"desk:" + f.story + "/index.es.md:2:8: differs from desk:" + f.story + "/index.en.md",
		"content/advocacy/index.md:1:1: m",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("diagnostics:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	for _, d := range ds {
		if strings.Contains(d.File+d.Message, "walking-to-the-clinic") {
			t.Errorf("the slug is still named: %+v", d)
		}
	}
}

func TestMaterialiseRefusesAForgedSlug(t *testing.T) {
	// Whoever can write to the database can encrypt to the story's public
	// recipient: a forged slug must not name a folder outside the stage.
	ctx := context.Background()
	f := newFixture(t, engines(t)[0])
	if _, err := f.s.SaveRevision(ctx, f.story, "en", 0, f.rev("x\n")); err != nil {
		t.Fatal(err)
	}
	var rc string
	f.s.db.QueryRowContext(ctx, "SELECT recipient FROM stories WHERE id = ?", f.story).Scan(&rc)
	forged, err := sealFor(rc, "stories/"+f.story+"/slug", []byte("../../escaped"))
	if err != nil {
		t.Fatal(err)
	}
	f.s.exec(ctx, nil, "UPDATE stories SET meta_ct = ? WHERE id = ?", forged, f.story)
	stage := filepath.Join(t.TempDir(), "a", "b", "content")
	if _, err := f.s.Materialise(ctx, stage, "en"); !errors.Is(err, ErrTampered) {
		t.Fatalf("Materialise with a forged slug: %v", err)
	}
	if _, err := os.Stat(filepath.Join(stage, "..", "escaped")); err == nil {
		t.Fatal("a forged slug wrote outside the stage")
	}
}

func TestStopNewUsesKeepsOnlyWhatIsLive(t *testing.T) {
	forEach(t, func(t *testing.T, e engine) {
		ctx := context.Background()
		f := newFixture(t, e)
		f.s.SaveRevision(ctx, f.story, "en", 0, f.rev("live text\n"))
		if err := f.s.MarkPublished(ctx, f.story, map[string]int64{"en": 1}); err != nil {
			t.Fatal(err)
		}
		if err := f.s.MarkPublished(ctx, f.story, map[string]int64{"en": 7}); !errors.Is(err, ErrNotFound) {
			t.Errorf("a revision that does not exist marked published: %v", err)
		}
		f.s.SaveRevision(ctx, f.story, "en", 1, f.rev("newer text\n"))
		f.s.SaveRevision(ctx, f.story, "es", 0, f.rev("texto nuevo\n"))
		if err := f.s.RecordWithdrawal(ctx, f.story, StopNewUses, f.editor); err != nil {
			t.Fatal(err)
		}
		stage := t.TempDir()
		out, err := f.s.Materialise(ctx, stage, "en")
		if err != nil || len(out) != 1 || len(out[0].Files) != 1 || out[0].State != StateStopped {
			t.Fatalf("Materialise a stopped story = %+v, %v; want only its live English page", out, err)
		}
		got, _ := os.ReadFile(filepath.Join(stage, filepath.FromSlash(out[0].Files["en"])))
		if !bytes.HasSuffix(got, []byte("live text\n")) {
			t.Errorf("a stopped story's newer revision went out: %q", got)
		}
		// Taken down is final.
		if err := f.s.RecordWithdrawal(ctx, f.story, TakeDown, f.editor); err != nil {
			t.Fatal(err)
		}
		if err := f.s.RecordWithdrawal(ctx, f.story, StopNewUses, f.editor); !errors.Is(err, ErrWithdrawn) {
			t.Errorf("stop new uses after a takedown: %v", err)
		}
		if err := f.s.SetState(ctx, f.story, StateDrafting, f.editor); !errors.Is(err, ErrWithdrawn) {
			t.Errorf("a withdrawn story moved back to drafting: %v", err)
		}
		if _, err := f.s.SaveRevision(ctx, f.story, "en", 2, f.rev("after\n")); !errors.Is(err, ErrWithdrawn) {
			t.Errorf("a revision saved on a withdrawn story: %v", err)
		}
		if err := f.s.RecordWithdrawal(ctx, f.story, TakeDown, f.editor); err != nil {
			t.Errorf("a rerun of the takedown: %v", err)
		}
	})
}

func TestOwnership(t *testing.T) {
	forEach(t, func(t *testing.T, e engine) {
		ctx := context.Background()
		f := newFixture(t, e)
		ana, _ := f.s.CreateAccount(ctx, RoleStoryteller, "p-0101", "")
		rosa, _ := f.s.CreateAccount(ctx, RoleStoryteller, "p-0201", "")
		if err := f.s.SetOwner(ctx, f.story, f.editor, f.editor); !errors.Is(err, ErrInvalid) {
			t.Errorf("staff as owner: %v", err)
		}
		if err := f.s.SetOwner(ctx, f.story, ana.ID, f.editor); err != nil {
			t.Fatal(err)
		}
		other, _ := f.s.Create(ctx, "other", f.editor)
		f.s.SetOwner(ctx, other, rosa.ID, f.editor)
		mine, err := f.s.ListOwnedBy(ctx, ana.ID)
		if err != nil || len(mine) != 1 || mine[0].ID != f.story || mine[0].Owner != ana.ID {
			t.Fatalf("ListOwnedBy = %+v, %v", mine, err)
		}
		if all, _ := f.s.List(ctx); len(all) != 2 {
			t.Errorf("List = %d stories", len(all))
		}
	})
}

func TestImportFromAnotherFolder(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t, engines(t)[0])
	root := t.TempDir()
	dir := filepath.Join(root, "examples", "vault", "stories", "a-story")
	os.MkdirAll(dir, 0o755)
	os.WriteFile(filepath.Join(dir, "index.md"), []byte("---\ntitle: x\nstory_id: st-demo0001\n---\nDemo.\n"), 0o644)
	res, err := f.s.ImportFrom(ctx, root, "examples/vault/stories", "en", SystemAccount)
	if err != nil || len(res) != 1 || res[0].StoryID != "st-demo0001" || res[0].Files[0] != "examples/vault/stories/a-story/index.md" {
		t.Fatalf("ImportFrom = %+v, %v", res, err)
	}
	if r, err := f.s.Revision(ctx, "st-demo0001", "en", 0); err != nil || string(r.Body) != "Demo.\n" {
		t.Fatalf("imported revision = %+v, %v", r, err)
	}
}

// FuzzDecodeRevision: a revision record read back from the database
// (which anyone who can write to it can forge, see sealFor) never panics
// the decoder, and what encodeRevision writes decodes to itself.
func FuzzDecodeRevision(f *testing.F) {
	f.Add([]byte("5\nhelloworld"), []byte("fm"), []byte("body"))
	f.Add([]byte("99999999999999999999\n"), []byte(""), []byte(""))
	f.Add([]byte("-1\nx"), []byte("a\nb"), []byte("\n"))
	f.Fuzz(func(t *testing.T, rec, fm, body []byte) {
		decodeRevision(rec)
		gotFM, gotBody, err := decodeRevision(encodeRevision(fm, body))
		if err != nil || !bytes.Equal(gotFM, fm) || !bytes.Equal(gotBody, body) {
			t.Fatalf("round trip of %q, %q: %q, %q, %v", fm, body, gotFM, gotBody, err)
		}
	})
}

func TestSaveBackWhatACommandChanged(t *testing.T) {
	forEach(t, func(t *testing.T, e engine) {
		ctx := context.Background()
		f := newFixture(t, e)
		for _, lang := range []string{"en", "es"} {
			f.s.SaveRevision(ctx, f.story, lang, 0, f.rev("text "+lang+"\n"))
		}
		stage := t.TempDir()
		bundles, err := f.s.Materialise(ctx, stage, "en")
		if err != nil {
			t.Fatal(err)
		}
		// What storyguard approve does: a line added to the front matter.
		en := filepath.Join(stage, filepath.FromSlash(bundles[0].Files["en"]))
		raw, _ := os.ReadFile(en)
		approved := bytes.Replace(raw, []byte("title: On foot\n"), []byte("title: On foot\nreview:\n  approved: 2026-05-01\n"), 1)
		os.WriteFile(en, approved, 0o600)
		saved, err := f.s.SaveBack(ctx, stage, bundles, SystemAccount)
		if err != nil || len(saved) != 1 || saved[0] != DeskName(f.story, "en") {
			t.Fatalf("SaveBack = %q, %v; want the English page only", saved, err)
		}
		cur, _ := f.s.Revision(ctx, f.story, "en", 0)
		if cur.Rev != 2 || !bytes.Equal(cur.Source(), approved) {
			t.Fatalf("current English revision %d = %q", cur.Rev, cur.Source())
		}
		if es, _ := f.s.Revision(ctx, f.story, "es", 0); es.Rev != 1 {
			t.Errorf("an unchanged page got revision %d", es.Rev)
		}
		// An edit saved in the desk meanwhile wins; the command's save is refused.
		stage2 := t.TempDir()
		bundles, _ = f.s.Materialise(ctx, stage2, "en")
		f.s.SaveRevision(ctx, f.story, "es", 1, f.rev("desk edit\n"))
		es := filepath.Join(stage2, filepath.FromSlash(bundles[0].Files["es"]))
		os.WriteFile(es, []byte("---\ntitle: x\nstory_id: "+f.story+"\n---\ncommand edit\n"), 0o600)
		if _, err := f.s.SaveBack(ctx, stage2, bundles, SystemAccount); !errors.Is(err, ErrStale) {
			t.Fatalf("SaveBack over a newer desk edit: %v", err)
		}
		if cur, _ := f.s.Revision(ctx, f.story, "es", 0); string(cur.Body) != "desk edit\n" {
			t.Errorf("the desk edit was overwritten: %q", cur.Body)
		}
		// A page rewritten to another story's id is refused.
		stage3 := t.TempDir()
		bundles, _ = f.s.Materialise(ctx, stage3, "en")
		os.WriteFile(filepath.Join(stage3, filepath.FromSlash(bundles[0].Files["en"])), []byte("---\nstory_id: st-someoneelse\n---\n"), 0o600)
		if _, err := f.s.SaveBack(ctx, stage3, bundles, SystemAccount); !errors.Is(err, ErrInvalid) {
			t.Errorf("SaveBack of another story id: %v", err)
		}
	})
}

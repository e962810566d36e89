package publish

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"storyguard/tools/check"
	"storyguard/tools/content"
	"storyguard/tools/diag"
	"storyguard/tools/store"
	"storyguard/tools/testgen/corpus"
)

// TestWithdrawFallsBackWhenOwnFilesUnsure: when the story's own file does
// not load (so its prefixes cannot be told for sure from it), Withdraw
// says so and runs in the full order: the check before any deletion, and
// the story still comes down completely.
func TestWithdrawFallsBackWhenOwnFilesUnsure(t *testing.T) {
	ts := newSiteFiles(t)
	r := newRecStore(t, ts)
	calls, log := publishThenWithdraw(t, ts, r, func() {
		// Front matter that does not parse as YAML; the stand-in checker
		// reads its fields line by line all the same.
		write(t, ts.root, "content/stories/a/index.md", strings.Replace(storyFile(storyA, "cr-aa-1", "m-a", "text v1"), "---\ntext", "title: [unclosed\n---\ntext", 1))
	})
	check, first := slices.Index(calls, "check"), slices.IndexFunc(calls, changing)
	if check < 0 || first < check {
		t.Fatalf("want the check (%d) before the first deletion (%d) in the full order; got %q", check, first, calls)
	}
	if !strings.Contains(log.String(), "withdrawing in the full order") || strings.Contains(log.String(), "gone before the check") {
		t.Errorf("the log does not say it fell back to the full order:\n%s", log.String())
	}
	if r.holds("media/"+storyA+"/") || r.holds("site/stories/a/") {
		t.Error("a version of the story's media or pages is still stored")
	}
}

var storyIDLine = regexp.MustCompile(`(?m)^story_id: (\S+)$`)

// TestWithdrawFirstPhaseAtSiteSize: on a site of 2,000 generated stories
// (4,000 language files), the withdrawal's first phase parses the
// withdrawn story's two files and nothing else, finds the page prefixes
// PlanSite gives it from the whole site, and deletes the story's media and
// pages in both languages before the check is ever called; the next
// story's objects stay.
func TestWithdrawFirstPhaseAtSiteSize(t *testing.T) {
	root := t.TempDir()
	if err := corpus.Generate(root, 2000, 7); err != nil {
		t.Fatal(err)
	}
	raw, err := os.ReadFile(filepath.Join(root, "content/stories/story-01234/index.md"))
	if err != nil {
		t.Fatal(err)
	}
	id := storyIDLine.FindSubmatch(raw)
	if id == nil {
		t.Fatal("no story_id in the generated story")
	}
	story := string(id[1])

	// Every file parsed, for the plan's own answer.
	s, err := content.LoadSite(root)
	if err != nil {
		t.Fatal(err)
	}
	plan, _ := PlanSite(s, check.Report{})
	want, err := findStory(plan, story)
	if err != nil {
		t.Fatal(err)
	}
	slices.Sort(want.PagePrefixes)
	if !slices.Equal(want.PagePrefixes, []string{"site/es/stories/story-01234/", "site/stories/story-01234/"}) {
		t.Fatalf("the plan's prefixes: %q", want.PagePrefixes)
	}

	// The story index as a publish writes it, and one gone stale (the id
	// under another story's bundle): neither changes what is found.
	indexed, stale := t.TempDir(), t.TempDir()
	if err := writeStoryIndex(indexed, plan); err != nil {
		t.Fatal(err)
	}
	staleIdx := &Plan{Stories: []Story{{ID: story, Bundle: "stories/story-01235"}}}
	if err := writeStoryIndex(stale, staleIdx); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct{ name, vault string }{{story, t.TempDir()}, {story, indexed}, {story, stale}, {"story-01234", t.TempDir()}, {"stories/story-01234", indexed}} {
		name := c.name
		own, err := findOwn(root, c.vault, name)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		wantParsed := 2
		if c.vault == stale {
			wantParsed = 4 // the stale bundle's two files, then the story's
		}
		if own.Parsed != wantParsed {
			t.Errorf("%s: %d files parsed to find the story, want %d", name, own.Parsed, wantParsed)
		}
		got := slices.Clone(own.PagePrefixes)
		slices.Sort(got)
		if own.ID != story || !slices.Equal(got, want.PagePrefixes) || !slices.Equal(own.Files, want.Files) || !slices.Equal(own.ConsentRecords, want.ConsentRecords) {
			t.Errorf("%s: found %+v, the plan has %+v", name, own.Story, want)
		}
	}

	ts := &testSite{root: root, vault: t.TempDir(), base: "https://stories.example.org/"}
	t.Setenv("TMPDIR", t.TempDir())
	write(t, ts.vault, "registry.age", "x")
	var checked atomic.Bool
	ts.parts = Parts{
		Check: func(context.Context, time.Time) (*Plan, []diag.Diagnostic, error) {
			checked.Store(true)
			return plan, nil, nil
		},
		Leaks:        func(string, []byte) []Finding { return nil },
		SetWithdrawn: func(string, time.Time) error { return nil },
	}
	r := newRecStore(t, ts)
	ctx := context.Background()
	var ownKeys []string
	for _, k := range []string{"media/" + story + "/aa.jpg", "site/stories/story-01234/index.html", "site/es/stories/story-01234/index.html",
		"media/" + plan.Stories[0].ID + "/bb.jpg", "site/stories/story-01235/index.html"} {
		if _, err := r.Put(ctx, k, strings.NewReader("x"), 1, store.Meta{}); err != nil {
			t.Fatal(err)
		}
		if strings.Contains(k, story) || strings.Contains(k, "story-01234") {
			ownKeys = append(ownKeys, k)
		}
	}
	r.reset()
	stop := errors.New("stopped at the check")
	var log bytes.Buffer
	o := WithdrawOptions{Options: Options{Root: root, Vault: ts.vault, Now: corpus.Today, BaseURL: ts.base, Log: &log, LeaseTTL: 4 * time.Second,
		Hook: func(_ context.Context, step string) error {
			if step == "check" {
				return stop
			}
			return nil
		}}, Story: story, Reason: "storyteller request", Role: "storyteller"}
	if _, err := Withdraw(ctx, ts.parts, o); !errors.Is(err, stop) {
		t.Fatalf("want the run stopped at the check, got %v", err)
	}
	if checked.Load() {
		t.Error("the check ran before the first phase was done")
	}
	for _, k := range ownKeys {
		if r.holds(k) {
			t.Errorf("%s still stored after the first phase", k)
		}
	}
	for _, k := range []string{"media/" + plan.Stories[0].ID + "/bb.jpg", "site/stories/story-01235/index.html"} {
		if !r.holds(k) {
			t.Errorf("%s, another story's, was deleted", k)
		}
	}
	if !strings.Contains(log.String(), "found from its own files (2 content files parsed)") || !strings.Contains(log.String(), "own pages and media gone before the check: 3 object versions") {
		t.Errorf("log:\n%s", log.String())
	}
}

// TestFindOwnNotSure: each case where the story's own files cannot tell
// its pages for sure is refused with errNotSure (Withdraw then runs in the
// full order), and a bundle whose every file names the story is found
// with a prefix per language.
func TestFindOwnNotSure(t *testing.T) {
	page := func(id string) string {
		return "---\nstory_id: " + id + "\nconsent:\n  status: given\n  record: cr-2026-0001\n---\ntext\n"
	}
	cases := []struct {
		name  string
		files map[string]string
		sure  bool
	}{
		{"both languages name it", map[string]string{"ana/index.md": page("st-0a0a0a"), "ana/index.es.md": page("st-0a0a0a")}, true},
		{"a translation without story_id", map[string]string{"ana/index.md": page("st-0a0a0a"), "ana/index.es.md": "---\ntitle: x\n---\ntext\n"}, false},
		{"translations with other ids", map[string]string{"ana/index.md": page("st-0a0a0a"), "ana/index.es.md": page("st-0b0b0b")}, false},
		{"two bundles with the id", map[string]string{"ana/index.md": page("st-0a0a0a"), "copy/index.md": page("st-0a0a0a")}, false},
		{"a translation that does not load", map[string]string{"ana/index.md": page("st-0a0a0a"), "ana/index.es.md": "---\nstory_id: st-0a0a0a\ntitle: [\n---\n"}, false},
		{"not under content/", map[string]string{"other/index.md": page("st-0c0c0c")}, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			root := t.TempDir()
			write(t, root, "config.toml", "defaultContentLanguage = 'en'\n[languages.en]\n[languages.es]\n")
			for f, body := range c.files {
				write(t, root, "content/stories/"+f, body)
			}
			own, err := findOwn(root, t.TempDir(), "st-0a0a0a")
			if !c.sure {
				if !errors.Is(err, errNotSure) {
					t.Fatalf("want errNotSure, got %v (found %+v)", err, own.Story)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if want := []string{"site/es/stories/ana/", "site/stories/ana/"}; !slices.Equal(own.PagePrefixes, want) {
				t.Errorf("prefixes %q, want %q", own.PagePrefixes, want)
			}
		})
	}
}

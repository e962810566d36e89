package site_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"storyguard/tools/publish"
	"storyguard/tools/site"
)

// pagefindBin returns the Pagefind binary that scripts/install-test-deps.sh
// installs; a missing one fails the test (search is a shipped feature).
func pagefindBin(t *testing.T) string {
	t.Helper()
	bin, err := site.FindPagefind(filepath.Join("..", ".."), "")
	if err != nil {
		t.Fatalf("%v (scripts/install-test-deps.sh installs it)", err)
	}
	return bin
}

// search runs testdata/pagefind-search.mjs: the published index searched
// with Pagefind's own JavaScript, as a reader's browser does.
func search(t *testing.T, bundle, lang, word string) []string {
	t.Helper()
	out, err := exec.Command("node", "testdata/pagefind-search.mjs", bundle, lang, word).Output()
	if err != nil {
		t.Fatalf("search %s %q: %v", lang, word, err)
	}
	return strings.Fields(string(out))
}

// TestSearchIndex builds the demo site with Hugo and Pagefind and searches
// it over HTTP: a story whose consent allows search engines is found in its
// language, and only there; the story whose consent says no search
// engines is found in neither language, and nor is any list page, the home
// page or the search page; publish's output scan finds the index clean.
// With a theme that marks every page searchable (the mistake the scan
// exists for), the scan refuses the index, by rule and story id only.
func TestSearchIndex(t *testing.T) {
	bin := pagefindBin(t)
	build := func(t *testing.T, everything bool) string {
		src := site.StageForTest(t, nil, nil)
		if everything {
			p := filepath.Join(src, "layouts", "_partials", "searchable.html")
			os.MkdirAll(filepath.Dir(p), 0o755)
			if err := os.WriteFile(p, []byte(`{{ return true }}`), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		out := filepath.Join(t.TempDir(), "public")
		if err := site.Build(context.Background(), site.BuildOptions{Source: src, Destination: out, BaseURL: "http://127.0.0.1/", Pagefind: bin}); err != nil {
			t.Fatal(err)
		}
		return out
	}
	scan := func(t *testing.T, out string) []string {
		ds, err := publish.ScanOutput(publish.OutputScan{Dir: out, BaseURL: "http://127.0.0.1/", Unindexed: noIndexTexts(t),
			Leaks: func(string, []byte) []publish.Finding { return nil }, VerifyImage: func(string, []byte) error { return nil },
			MediaPrefix: "/media/", MediaKeys: site.FixtureMediaKeysForTest(t),
			Social: map[string][]string{"st-3h8d1x": {"en", "es"}}})
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, d := range ds {
			got = append(got, d.Rule+" "+d.Message)
		}
		return got
	}

	out := build(t, false)
	srv := httptest.NewServer(http.FileServer(http.Dir(out)))
	defer srv.Close()
	bundle := srv.URL + "/pagefind/"
	for _, c := range []struct {
		lang, word string
		want       []string // the page that must be found, or nil for none
	}{
		{"en", "practise", []string{"/stories/finding-my-voice/"}},
		{"es", "escuchada", []string{"/es/stories/finding-my-voice/"}},
		{"es", "practise", nil},
		{"en", "teacher", nil},    // a-safer-walk-to-school: search_engines: false
		{"en", "classmates", nil}, // its description too
		{"es", "maestra", nil},
		{"en", "stories", nil}, // list pages and the home page are not indexed...
	} {
		got := search(t, bundle, c.lang, c.word)
		if c.word == "stories" {
			for _, u := range got {
				if u == "/" || u == "/stories/" || strings.HasPrefix(u, "/search/") || strings.HasPrefix(u, "/themes/") || strings.HasPrefix(u, "/countries/") {
					t.Errorf("search %q found the list page %s", c.word, u)
				}
			}
			continue
		}
		// Pagefind matches stems: other pages may match too, but the
		// wanted one must be among them, and nothing else in another
		// language or of a page search may not list.
		if c.want == nil && len(got) > 0 || c.want != nil && !slices.Contains(got, c.want[0]) {
			t.Errorf("search %s %q = %q, want %q", c.lang, c.word, got, c.want)
		}
		for _, u := range got {
			if strings.Contains(u, "a-safer-walk-to-school") || strings.Contains(u, "waiting-for-the-verdict") || strings.HasPrefix(u, "/es/") != (c.lang == "es") {
				t.Errorf("search %s %q found %s", c.lang, c.word, u)
			}
		}
	}
	if got := scan(t, out); len(got) > 0 {
		t.Errorf("scan of the shipped theme's index: %q", got)
	}
	for _, f := range []string{"pagefind-ui.js", "pagefind-highlight.js", "pagefind-modular-ui.js"} {
		if _, err := os.Stat(filepath.Join(out, "pagefind", f)); err == nil {
			t.Errorf("pagefind/%s is published; the theme does not load it", f)
		}
	}

	got := scan(t, build(t, true))
	if !slices.ContainsFunc(got, func(s string) bool {
		return strings.HasPrefix(s, "output-search ") && strings.Contains(s, "search may not list")
	}) || !slices.ContainsFunc(got, func(s string) bool {
		return strings.HasPrefix(s, "output-noindex search index carries the title of story st-9v4n6b")
	}) {
		t.Errorf("scan of an index holding every page: %q, want output-search and output-noindex findings", got)
	}
}

// TestIndexWithoutMarkedPagesWritesNothing: Pagefind indexes every page
// when no page carries data-pagefind-body, so Index then writes no index.
func TestIndexWithoutMarkedPagesWritesNothing(t *testing.T) {
	bin := pagefindBin(t)
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "index.html"), []byte(`<html lang="en"><main>not searchable, though its text says data-pagefind-body</main></html>`), 0o644)
	os.MkdirAll(filepath.Join(dir, site.SearchDir), 0o755)
	os.WriteFile(filepath.Join(dir, site.SearchDir, "pagefind-entry.json"), []byte(`{}`), 0o644)
	if err := site.Index(context.Background(), bin, dir); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, site.SearchDir)); !os.IsNotExist(err) {
		t.Fatalf("an index (or the stale one) is there: %v", err)
	}
}

// TestFindPagefind: a configured path that is missing is an error, not
// "no search"; with nothing configured and nothing installed, the error
// is ErrNoPagefind.
func TestFindPagefind(t *testing.T) {
	root := t.TempDir()
	if _, err := site.FindPagefind(root, "bin/pagefind"); err == nil || strings.Contains(err.Error(), site.ErrNoPagefind.Error()) {
		t.Errorf("configured but missing: %v", err)
	}
	if _, err := site.FindPagefind(root, ""); err == nil || !strings.Contains(err.Error(), site.ErrNoPagefind.Error()) {
		t.Errorf("nothing installed: %v, want ErrNoPagefind", err)
	}
	os.MkdirAll(filepath.Join(root, "bin"), 0o755)
	os.WriteFile(filepath.Join(root, "bin", "pagefind"), []byte("#!/bin/sh\n"), 0o644)
	if _, err := site.FindPagefind(root, "bin/pagefind"); err == nil {
		t.Error("a file that is not executable is accepted")
	}
	os.Chmod(filepath.Join(root, "bin", "pagefind"), 0o755)
	if p, err := site.FindPagefind(root, "bin/pagefind"); err != nil || p != filepath.Join(root, "bin", "pagefind") {
		t.Errorf("FindPagefind = %q, %v", p, err)
	}
}

package site

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/rogpeppe/go-internal/txtar"

	"storyguard/tools/check"
	"storyguard/tools/content"
)

// TestShortcodeCheckAgreesWithHugo builds the shortcode-unknown cases of
// tools/check with the real Hugo: every page check refuses there fails
// Hugo's build on its own (except the inline shortcode, which Hugo drops
// silently and check refuses by policy), and the site check passes
// builds. So check's list of shortcodes and its pairing of closing tags
// are Hugo's, not a guess.
func TestShortcodeCheckAgreesWithHugo(t *testing.T) {
	now := time.Date(2026, 11, 29, 0, 0, 0, 0, time.UTC)
	load := func(t *testing.T, name string) (*txtar.Archive, []txtar.File, []txtar.File) {
		ar, err := txtar.ParseFile(filepath.Join("..", "check", "testdata", "rules", name))
		if err != nil {
			t.Fatal(err)
		}
		var site, pages []txtar.File
		for _, f := range ar.Files {
			switch {
			case f.Name == "want":
			case strings.HasPrefix(f.Name, "content/"):
				pages = append(pages, f)
			default:
				site = append(site, f)
			}
		}
		// Layouts that render each page's content, so that Hugo runs its
		// shortcodes.
		for _, l := range []string{"single.html", "list.html", "home.html"} {
			site = append(site, txtar.File{Name: "layouts/" + l, Data: []byte("{{ .Content }}\n")})
		}
		return ar, site, pages
	}
	write := func(t *testing.T, files ...[]txtar.File) string {
		dir := t.TempDir()
		for _, fs := range files {
			for _, f := range fs {
				p := filepath.Join(dir, filepath.FromSlash(f.Name))
				if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(p, f.Data, 0o644); err != nil {
					t.Fatal(err)
				}
			}
		}
		return dir
	}
	refused := func(t *testing.T, dir string) bool {
		s, err := content.LoadSite(dir)
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range check.Run(s, check.Options{Now: now}).Diagnostics {
			if d.Rule == check.RuleShortcodeUnknown {
				return true
			}
		}
		return false
	}
	build := func(dir string) error {
		return Build(context.Background(), BuildOptions{Source: dir, Destination: filepath.Join(dir, "..", filepath.Base(dir)+"-public")})
	}

	t.Run("passes", func(t *testing.T) {
		_, site, pages := load(t, "shortcode-unknown.passes.txtar")
		dir := write(t, site, pages)
		if refused(t, dir) {
			t.Fatal("check refuses the passing case")
		}
		if err := build(dir); err != nil {
			t.Fatalf("check passes it, but Hugo fails: %v", err)
		}
	})
	t.Run("fires", func(t *testing.T) {
		_, site, pages := load(t, "shortcode-unknown.fires.txtar")
		for _, p := range pages {
			dir := write(t, site, []txtar.File{p})
			if !refused(t, dir) {
				t.Errorf("%s: check does not refuse it", p.Name)
				continue
			}
			err := build(dir)
			inline := strings.Contains(string(p.Data), ".inline >}}")
			switch {
			case inline && err != nil:
				t.Errorf("%s: Hugo refuses an inline shortcode now; check's reason changed: %v", p.Name, err)
			case !inline && !errors.Is(err, ErrBuild):
				t.Errorf("%s: check refuses it, but Hugo builds it (err %v)", p.Name, err)
			case !inline && !strings.Contains(err.Error(), "shortcode"):
				t.Errorf("%s: Hugo fails for another reason than the shortcode: %v", p.Name, err)
			}
		}
	})
}

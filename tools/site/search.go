package site

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"regexp"
	"strings"
)

// SearchDir is the folder, relative to the built site, that Pagefind writes
// its index and scripts into: the search page loads /pagefind/pagefind-ui.js,
// and a withdrawal purges the object prefix "site/" + SearchDir + "/".
const SearchDir = "pagefind"

// DefaultPagefind is where scripts/install-test-deps.sh installs Pagefind
// 1.6.0 (npm ci of tools/site/search/package-lock.json), relative to the
// site root: the extended binary of the npm package @pagefind/linux-x64.
const DefaultPagefind = "tools/site/search/node_modules/@pagefind/linux-x64/bin/pagefind_extended"

// ErrNoPagefind is returned, wrapped, by FindPagefind when no Pagefind
// binary was configured and none is installed at DefaultPagefind: the site
// is then built without a search index.
var ErrNoPagefind = errors.New("no Pagefind binary")

// ErrSearch is wrapped by every error of the Pagefind run itself.
var ErrSearch = errors.New("search index build failed")

// FindPagefind returns the Pagefind binary to run for the site at root.
// configured is the pagefind setting (params.storyguard.pagefind or
// STORYGUARD_PAGEFIND), a path relative to root or absolute:
//
//   - configured and an executable regular file: that path;
//   - configured but missing or not executable: an error (the operator
//     asked for search; publish refuses rather than silently dropping it);
//   - empty: root/DefaultPagefind when it is an executable file, or an error
//     wrapping ErrNoPagefind, after which the caller builds the site without
//     a search index (the deploy's prune then removes the old index objects
//     and the version purge their old versions: no stale index stays).
func FindPagefind(root, configured string) (string, error) {
	p, explicit := configured, configured != ""
	if !explicit {
		p = DefaultPagefind
	}
	if !filepath.IsAbs(p) {
		p = filepath.Join(root, p)
	}
	fi, err := os.Stat(p)
	switch {
	case err == nil && fi.Mode().IsRegular() && fi.Mode()&0o111 != 0:
		return p, nil
	case explicit && err != nil:
		return "", fmt.Errorf("pagefind %s: %w", configured, err)
	case explicit:
		return "", fmt.Errorf("pagefind %s: not an executable file", configured)
	case err != nil && !errors.Is(err, fs.ErrNotExist):
		return "", fmt.Errorf("pagefind %s: %w", DefaultPagefind, err)
	}
	return "", fmt.Errorf("%w at %s: run `npm ci --prefix tools/site/search` (scripts/install-test-deps.sh does) or set STORYGUARD_PAGEFIND", ErrNoPagefind, DefaultPagefind)
}

// bodyMarker finds the attribute the theme puts on <main> of every page
// that may be found by search (baseof.html, searchable.html): a page that
// is indexable and a single page (a story whose consent says
// search_engines: true, an advocacy, partner or about page). It matches
// the attribute inside a tag only, never the words in a page's text.
var bodyMarker = regexp.MustCompile(`<[a-zA-Z][^<>]*\sdata-pagefind-body[\s=/>]`)

// Index runs Pagefind 1.6.0 (the binary at bin) over the built site in dir:
//
//	pagefind --site DIR --output-subdir pagefind --silent
//
// Pagefind indexes only pages carrying data-pagefind-body once any page has
// it, but indexes every page when none does; so Index first checks that at
// least one HTML file carries it and, if none does, writes no index at all
// (and returns nil). A stale dir/pagefind folder is removed first. The
// index it writes is scanned like every other output file
// (publish.ScanOutput reads its compressed files decompressed and proves
// that every page in it is an indexable page of the build). Errors wrap
// ErrSearch and carry Pagefind's own error output. Files of the bundle
// that the theme does not load are removed (pruneBundle).
func Index(ctx context.Context, bin, dir string) error {
	out := filepath.Join(dir, SearchDir)
	if err := os.RemoveAll(out); err != nil {
		return fmt.Errorf("%w: remove the old %s: %w", ErrSearch, SearchDir, err)
	}
	any := false
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || any || d.IsDir() || !strings.HasSuffix(p, ".html") {
			return err
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		any = bodyMarker.Match(data)
		return nil
	})
	if err != nil {
		return fmt.Errorf("%w: %w", ErrSearch, err)
	}
	if !any {
		return nil
	}
	var stderr bytes.Buffer
	cmd := exec.CommandContext(ctx, bin, "--site", dir, "--output-subdir", SearchDir, "--silent")
	cmd.Stdout, cmd.Stderr = &stderr, &stderr
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("%w: %s: %w: %s", ErrSearch, filepath.Base(bin), err, strings.TrimSpace(stderr.String()))
	}
	if _, err := os.Stat(filepath.Join(out, "pagefind-entry.json")); err != nil {
		return fmt.Errorf("%w: pagefind wrote no %s/pagefind-entry.json", ErrSearch, SearchDir)
	}
	return pruneBundle(out)
}

// pruneBundle removes from Pagefind's output folder every file that the
// theme's search page (search.js, over Pagefind's JavaScript API) does not
// load: the prebuilt UIs (pagefind-ui, pagefind-modular-ui,
// pagefind-component-ui), pagefind-highlight.js and anything else. What
// is not published need not be scanned or trusted.
func pruneBundle(out string) error {
	return filepath.WalkDir(out, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, err := filepath.Rel(out, p)
		if err != nil {
			return err
		}
		if !keepInBundle(filepath.ToSlash(rel)) {
			if err := os.Remove(p); err != nil {
				return fmt.Errorf("%w: %w", ErrSearch, err)
			}
		}
		return nil
	})
}

// keepInBundle reports whether rel, a slash path in Pagefind 1.6's output
// folder, is part of the search itself: pagefind.js and its worker, the
// entry file, the per-language meta and WebAssembly files, and the index,
// fragment and filter chunks.
func keepInBundle(rel string) bool {
	dir, name := path.Split(rel)
	switch dir {
	case "":
		return name == "pagefind.js" || name == "pagefind-worker.js" || name == "pagefind-entry.json" ||
			strings.HasSuffix(name, ".pf_meta") || strings.HasPrefix(name, "wasm.") && strings.HasSuffix(name, ".pagefind")
	case "fragment/":
		return strings.HasSuffix(name, ".pf_fragment")
	case "index/":
		return strings.HasSuffix(name, ".pf_index")
	case "filter/":
		return strings.HasSuffix(name, ".pf_filter")
	}
	return false
}

package identity

import (
	"context"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"runtime"
	"strings"
	"sync"

	"golang.org/x/sync/errgroup"

	"storyguard/tools/diag"
)

// TextExts are the file extensions ScanTree reads: the text formats Hugo
// writes (HTML, XML feeds and sitemaps, JSON search indexes, manifests,
// scripts, styles, SVG) and content sources. Other files (images, fonts)
// are media, checked by the media scrubber, not by name matching, where
// random bytes would give false matches.
var TextExts = []string{".html", ".htm", ".xml", ".rss", ".atom", ".json", ".webmanifest", ".txt", ".md", ".markdown", ".svg", ".css", ".js", ".mjs", ".csv", ".yaml", ".yml", ".toml", ".vtt", ".srt"}

// ScanTree scans every file with one of TextExts under root, its content
// and its path relative to root, in parallel on GOMAXPROCS workers, and
// returns the leak diagnostics (see Diagnostics) sorted, with File set to
// prefix joined with the slash-separated relative path ("public" +
// "/stories/x/index.html"). With recognise, Recognise(data, allow) runs
// too and adds warnings. It stops at the first read error or when ctx is
// done.
func (s *Scanner) ScanTree(ctx context.Context, root, prefix string, opts ScanOptions, recognise bool, allow []string) ([]diag.Diagnostic, error) {
	g, ctx := errgroup.WithContext(ctx)
	paths := make(chan string)
	var mu sync.Mutex
	var out []diag.Diagnostic
	g.Go(func() error {
		defer close(paths)
		return filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if !d.Type().IsRegular() || !isTextExt(p) {
				return nil
			}
			select {
			case paths <- p:
				return nil
			case <-ctx.Done():
				return ctx.Err()
			}
		})
	})
	for w := 0; w < runtime.GOMAXPROCS(0); w++ {
		g.Go(func() error {
			for p := range paths {
				data, err := os.ReadFile(p)
				if err != nil {
					return fmt.Errorf("scan %s: %w", p, err)
				}
				rel, err := filepath.Rel(root, p)
				if err != nil {
					return fmt.Errorf("scan %s: %w", p, err)
				}
				rel = filepath.ToSlash(rel)
				ms := s.ScanPage(rel, data, opts)
				if recognise {
					ms = append(ms, Recognise(data, allow)...)
				}
				if len(ms) == 0 {
					continue
				}
				ds := Diagnostics(path.Join(prefix, rel), data, ms)
				mu.Lock()
				out = append(out, ds...)
				mu.Unlock()
			}
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return nil, err
	}
	diag.Sort(out)
	return out, nil
}

func isTextExt(p string) bool {
	ext := strings.ToLower(filepath.Ext(p))
	for _, e := range TextExts {
		if ext == e {
			return true
		}
	}
	return false
}

package publish

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"

	"storyguard/tools/manifest"
)

// siteDirs are the site-level folders Hugo reads besides content/, copied
// whole into the stage when present (Hugo's project layout).
var siteDirs = []string{"themes", "layouts", "static", "assets", "i18n", "data"}

// Stage writes a build folder at dir holding only what may be built:
// config.toml, the site-level folders (themes, layouts, static, assets, i18n,
// data), and from content/ exactly the files listed in pages (slash paths
// relative to root, for example "content/stories/x/index.es.md"). Nothing else
// under content/ is copied: a withdrawn, pending or failing page, and any
// bundle resource, never reaches Hugo. The manifest m is written as
// data/media.json in the stage, replacing any copied one.
//
// dir must not exist or must be empty. Errors name the file concerned.
func Stage(root, dir string, pages []string, m *manifest.Manifest) error {
	return stage(root, "", dir, pages, m)
}

// sourceFile returns where the content file rel (slash path relative to
// the site root) is read from: under overlay when it holds the file (a
// stored story materialised there, Options.Overlay), else under root.
func sourceFile(root, overlay, rel string) string {
	if overlay != "" {
		p := filepath.Join(overlay, filepath.FromSlash(rel))
		if fi, err := os.Lstat(p); err == nil && fi.Mode().IsRegular() {
			return p
		}
	}
	return filepath.Join(root, filepath.FromSlash(rel))
}

// stage is Stage reading the pages through sourceFile(root, overlay, ...).
func stage(root, overlay, dir string, pages []string, m *manifest.Manifest) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	if entries, err := os.ReadDir(dir); err != nil {
		return err
	} else if len(entries) > 0 {
		return fmt.Errorf("stage %s: folder is not empty", dir)
	}
	if err := copyFile(filepath.Join(root, "config.toml"), filepath.Join(dir, "config.toml")); err != nil {
		return err
	}
	for _, d := range siteDirs {
		src := filepath.Join(root, d)
		fi, err := os.Stat(src)
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return err
		}
		if !fi.IsDir() {
			return fmt.Errorf("%s: want a folder", src)
		}
		if err := copyTree(src, filepath.Join(dir, d)); err != nil {
			return err
		}
	}
	for _, p := range pages {
		clean := path.Clean(p)
		if !strings.HasPrefix(clean, "content/") || strings.Contains(clean, "..") {
			return fmt.Errorf("stage: page %q is not under content/", p)
		}
		if err := copyFile(sourceFile(root, overlay, clean), filepath.Join(dir, filepath.FromSlash(clean))); err != nil {
			return err
		}
	}
	if m == nil {
		m = &manifest.Manifest{Media: map[string]manifest.Entry{}}
	}
	return manifest.Write(filepath.Join(dir, "data", "media.json"), m)
}

// copyTree copies the regular files and folders under src to dst. A symbolic
// link is an error: the stage holds only files that are really in the site.
func copyTree(src, dst string) error {
	return filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(src, p)
		if err != nil {
			return err
		}
		target := filepath.Join(dst, rel)
		switch {
		case d.IsDir():
			if d.Name() == "node_modules" {
				return filepath.SkipDir
			}
			return os.MkdirAll(target, 0o755)
		case d.Type()&fs.ModeSymlink != 0:
			return fmt.Errorf("%s: symbolic links are not staged", p)
		case d.Type().IsRegular():
			return copyFile(p, target)
		default:
			return fmt.Errorf("%s: not a regular file", p)
		}
	})
}

func copyFile(src, dst string) error {
	data, err := os.ReadFile(src)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		return err
	}
	return os.WriteFile(dst, data, 0o644)
}

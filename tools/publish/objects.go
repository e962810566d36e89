package publish

import (
	"fmt"
	"io/fs"
	"path"
	"path/filepath"
	"slices"
	"strings"
)

// SiteObject is one file of the built site as an object to deploy: Key is
// "site/<path>" (slash-separated, relative to the output folder), File is the
// file on disk, SHA256 the lowercase hex digest of its bytes, Size in bytes.
type SiteObject struct {
	Key    string
	File   string
	Size   int64
	SHA256 string
}

// SiteObjects walks Hugo's output folder and returns one SiteObject per
// regular file, sorted by key, hashing each file once. A key that would not
// be a valid object key (a space, a backslash, a control character, ".."),
// which Hugo does not produce from Storyguard's content, is an error naming
// the file.
func SiteObjects(outDir string) ([]SiteObject, error) {
	var objs []SiteObject
	err := filepath.WalkDir(outDir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		if !d.Type().IsRegular() {
			return fmt.Errorf("%s: not a regular file", p)
		}
		rel, err := filepath.Rel(outDir, p)
		if err != nil {
			return err
		}
		rel = filepath.ToSlash(rel)
		if strings.ContainsAny(rel, " \\\x00\r\n\t") || strings.Contains(rel, "..") {
			return fmt.Errorf("%s: not usable as an object key", rel)
		}
		sum, n, err := HashFile(p)
		if err != nil {
			return err
		}
		objs = append(objs, SiteObject{Key: "site/" + rel, File: p, Size: n, SHA256: sum})
		return nil
	})
	slices.SortFunc(objs, func(a, b SiteObject) int { return strings.Compare(a.Key, b.Key) })
	return objs, err
}

// PublicURLs turns site object keys into the public URLs a CDN must purge:
// "site/stories/x/index.html" under base "https://example.org/" gives both
// "https://example.org/stories/x/index.html" and "https://example.org/stories/x/",
// since a CDN caches a folder URL and its index separately. Sorted, unique.
func PublicURLs(base string, keys []string) []string {
	base = strings.TrimSuffix(base, "/")
	var urls []string
	for _, k := range keys {
		p, ok := strings.CutPrefix(k, "site/")
		if !ok {
			if strings.HasPrefix(k, "media/") {
				urls = append(urls, base+"/"+k)
			}
			continue
		}
		urls = append(urls, base+"/"+p)
		if path.Base(p) == "index.html" {
			dir := path.Dir(p)
			if dir == "." {
				urls = append(urls, base+"/")
			} else {
				urls = append(urls, base+"/"+dir+"/")
			}
		}
	}
	slices.Sort(urls)
	return slices.Compact(urls)
}

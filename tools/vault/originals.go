package vault

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
)

// ErrNoOriginal is wrapped by Originals.Find, Originals.Sum and
// FindOriginal when a media id does not name exactly one regular file in
// the vault's media/ folder, or is not a valid id.
var ErrNoOriginal = errors.New("no single original in the vault")

// Originals finds the media originals of a vault by the one rule that
// check, approve and publish share: the original of media id <id> is the
// one regular file dir/media/<id>.<ext>, where <id> is the file name up to
// its last dot and <ext> is any extension, in any case. No such file, a
// symbolic link only, or two files (m-0101.jpg and m-0101.png, or
// m-0101.jpg and m-0101.JPG) is no original: the id is refused, never
// resolved to one of them. Formats are not judged here: an unsupported one
// is found and then refused by the scrubber, whose message names the
// format.
//
// The folder is listed once, when Originals is made (NewOriginals). It is
// safe for concurrent use (check runs rules on many pages at once).
type Originals struct {
	dir   string
	files map[string][]string // id -> file names; read-only after NewOriginals
	links map[string]bool     // ids with a symbolic link; read-only too
	mu    sync.Mutex
	sums  map[string]string // id -> hex SHA-256, computed on first use
}

// NewOriginals lists dir/media of the vault dir. An unreadable or missing
// folder yields an Originals in which every id is missing (fail closed).
func NewOriginals(dir string) *Originals {
	v := &Originals{dir: MediaDir(dir), files: map[string][]string{}, links: map[string]bool{}, sums: map[string]string{}}
	entries, _ := os.ReadDir(v.dir)
	for _, e := range entries {
		name := e.Name()
		i := strings.LastIndexByte(name, '.')
		if i <= 0 {
			continue
		}
		switch {
		case e.Type().IsRegular():
			v.files[name[:i]] = append(v.files[name[:i]], name)
		case e.Type()&os.ModeSymlink != 0:
			v.links[name[:i]] = true
		}
	}
	return v
}

// Files returns the names of the regular files media/<id>.* (none, one,
// or several: only one is a valid original).
func (v *Originals) Files(id string) []string { return v.files[id] }

// IsLink reports whether media/<id>.* exists only as a symbolic link
// (or also as one).
func (v *Originals) IsLink(id string) bool { return v.links[id] }

// Dir returns the vault's media folder.
func (v *Originals) Dir() string { return v.dir }

// Find returns the path of id's original (dir/media/<id>.<ext>). Errors
// wrap ErrNoOriginal: an invalid id (empty, holding a slash, or starting
// with a dot; not echoed), no file, a symbolic link only, or several
// files; they name the id and the count, never a file's content.
func (v *Originals) Find(id string) (string, error) {
	if id == "" || strings.ContainsAny(id, `/\`) || strings.HasPrefix(id, ".") {
		return "", fmt.Errorf("media id: not a valid id: %w", ErrNoOriginal)
	}
	p, err := v.find(id)
	if err != nil {
		return "", fmt.Errorf("media %s: %w", id, err)
	}
	return p, nil
}

// find is Find without the id check and without the id in its errors.
func (v *Originals) find(id string) (string, error) {
	files := v.files[id]
	switch {
	case len(files) == 0 && v.links[id]:
		return "", fmt.Errorf("%w: a symbolic link, not the file", ErrNoOriginal)
	case len(files) == 0:
		return "", fmt.Errorf("%w: no file media/%s.*", ErrNoOriginal, id)
	case len(files) > 1:
		return "", fmt.Errorf("%w: %d files media/%s.*", ErrNoOriginal, len(files), id)
	}
	return filepath.Join(v.dir, files[0]), nil
}

// FindOriginal is NewOriginals(dir).Find(id), for a caller that needs one
// original (publish reads the folder afresh for each, so a file replaced
// since the check is the one published, and the one approved: see
// check's review-media rule).
func FindOriginal(dir, id string) (string, error) { return NewOriginals(dir).Find(id) }

// Remember records sum as the SHA-256 of id's original, for a caller that
// has just read the file (Dir()/Files(id)[0]) in full for its own checks,
// so Sum need not read it again.
func (v *Originals) Remember(id, sum string) {
	v.mu.Lock()
	v.sums[id] = sum
	v.mu.Unlock()
}

// Sum returns the lowercase hex SHA-256 of the bytes of id's original
// (found as Find finds it). Errors wrap ErrNoOriginal, naming the count
// but not the id (the caller adds it), or are the read error.
func (v *Originals) Sum(id string) (string, error) {
	v.mu.Lock()
	s, ok := v.sums[id]
	v.mu.Unlock()
	if ok {
		return s, nil
	}
	p, err := v.find(id)
	if err != nil {
		return "", err
	}
	f, err := os.Open(p)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", fmt.Errorf("reading media/%s: %w", filepath.Base(p), err)
	}
	s = hex.EncodeToString(h.Sum(nil))
	v.mu.Lock()
	v.sums[id] = s
	v.mu.Unlock()
	return s, nil
}

// MediaIDOf is the media id of an original's path, by Originals' rule: its
// file name up to the last dot (<vault>/media/<id>.<ext> gives <id>).
func MediaIDOf(path string) string {
	base := filepath.Base(path)
	return strings.TrimSuffix(base, filepath.Ext(base))
}

// Package manifest reads and writes data/media.json, the one file through
// which the built site learns where published media live. It holds media ids,
// story ids, object keys, sizes, dimensions and digests: never a name, a
// caption or an original file name.
package manifest

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
)

// Version is the manifest format version written by this package.
const Version = 1

// Manifest is the decoded form of data/media.json:
//
//	{"version": 1, "media": {"m-0001": {...Entry...}}}
//
// Hugo reads it as site.Data.media; the theme looks media up by id only.
type Manifest struct {
	Version int              `json:"version"`
	Media   map[string]Entry `json:"media"`
}

// Entry is one published medium: the scrubbed, verified original plus its
// resized variants, each a content-addressed object.
type Entry struct {
	// StoryID is the story whose consent covers this medium.
	StoryID string `json:"story_id"`
	Object
	// Variants are smaller renditions for srcset, narrowest first.
	Variants []Object `json:"variants,omitempty"`
}

// Object is one stored object: Key is "media/<story id>/<sha256>.<ext>";
// SHA256 is the lowercase hex digest of the object's bytes; Width and Height
// are in pixels; Bytes is the object size.
type Object struct {
	Key         string `json:"key"`
	ContentType string `json:"content_type"`
	Width       int    `json:"width"`
	Height      int    `json:"height"`
	Bytes       int64  `json:"bytes"`
	SHA256      string `json:"sha256"`
}

// Keys returns every object key the manifest points at, sorted.
func (m *Manifest) Keys() []string {
	var keys []string
	for _, e := range m.Media {
		keys = append(keys, e.Key)
		for _, v := range e.Variants {
			keys = append(keys, v.Key)
		}
	}
	slices.Sort(keys)
	return keys
}

// Read loads a manifest from path. A missing file yields an empty manifest;
// a file that does not decode, or has another version, is an error.
func Read(path string) (*Manifest, error) {
	m := &Manifest{Version: Version, Media: map[string]Entry{}}
	data, err := os.ReadFile(path)
	if os.IsNotExist(err) {
		return m, nil
	}
	if err != nil {
		return nil, err
	}
	if err := json.Unmarshal(data, m); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if m.Version != Version {
		return nil, fmt.Errorf("%s: field version: want %d, got %d", path, Version, m.Version)
	}
	if m.Media == nil {
		m.Media = map[string]Entry{}
	}
	return m, nil
}

// Write stores m at path atomically: it writes a temporary file in the same
// folder, syncs it, then renames it over path, so a reader sees either the
// old manifest or the new one, never a partial file.
func Write(path string, m *Manifest) error {
	m.Version = Version
	data, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return err
	}
	data = append(data, '\n')
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	f, err := os.CreateTemp(filepath.Dir(path), ".media-*.json")
	if err != nil {
		return err
	}
	tmp := f.Name()
	defer os.Remove(tmp)
	if _, err := f.Write(data); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}

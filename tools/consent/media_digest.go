package consent

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

// MediaDigestVersion is the first line hashed by MediaApprovalDigest;
// changing what is hashed means a new version.
const MediaDigestVersion = "storyguard-media-approval-v1"

// MediaApprovalDigest returns what review.approved_media_sha256 holds: the
// lowercase hex SHA-256 of MediaDigestVersion "\n" followed, for each id of
// the page's media list in order, by the id "\n" and the lowercase hex
// SHA-256 of that medium's original file, as fileSum reports it, "\n".
//
// ApprovalDigest covers a medium's id, alt text and caption only; this
// digest pins the photo itself, so a file replaced in the vault behind an
// unchanged id (a new crop, another photo, one that shows a face) blocks
// publication until the storyteller has seen it and approves again. Errors
// are fileSum's, wrapped with the media id.
func MediaApprovalDigest(ids []string, fileSum func(id string) (string, error)) (string, error) {
	h := sha256.New()
	io.WriteString(h, MediaDigestVersion+"\n")
	for _, id := range ids {
		sum, err := fileSum(id)
		if err != nil {
			return "", fmt.Errorf("media %s: %w", id, err)
		}
		fmt.Fprintf(h, "%s\n%s\n", id, sum)
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// ErrNoOriginal is wrapped by VaultMedia.Sum when a media id does not name
// exactly one regular file in the vault's media/ folder.
var ErrNoOriginal = errors.New("no single original in the vault")

// VaultMedia finds media originals in a vault: the regular files
// <vault>/media/<id>.<ext>, listed once when it is made (NewVaultMedia).
// It is safe for concurrent use (check runs rules on many pages at once).
type VaultMedia struct {
	dir   string
	files map[string][]string // id -> file names; read-only after NewVaultMedia
	links map[string]bool     // ids with a symbolic link; read-only too
	mu    sync.Mutex
	sums  map[string]string // id -> hex SHA-256, computed on first use
}

// NewVaultMedia lists <vault>/media. An unreadable or missing folder
// yields a VaultMedia in which every id is missing (fail closed).
func NewVaultMedia(vault string) *VaultMedia {
	v := &VaultMedia{dir: filepath.Join(vault, "media"), files: map[string][]string{}, links: map[string]bool{}, sums: map[string]string{}}
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
func (v *VaultMedia) Files(id string) []string { return v.files[id] }

// IsLink reports whether media/<id>.* exists only as a symbolic link
// (or also as one).
func (v *VaultMedia) IsLink(id string) bool { return v.links[id] }

// Dir returns the vault's media folder.
func (v *VaultMedia) Dir() string { return v.dir }

// Remember records sum as the SHA-256 of id's original, for a caller that
// has just read the file (Dir()/Files(id)[0]) in full for its own checks,
// so Sum need not read it again.
func (v *VaultMedia) Remember(id, sum string) {
	v.mu.Lock()
	v.sums[id] = sum
	v.mu.Unlock()
}

// Sum returns the lowercase hex SHA-256 of the bytes of id's original.
// Errors wrap ErrNoOriginal (none, a symbolic link only, or several
// files) or are the read error; they name the id and the count, never a
// file's content.
func (v *VaultMedia) Sum(id string) (string, error) {
	v.mu.Lock()
	s, ok := v.sums[id]
	v.mu.Unlock()
	if ok {
		return s, nil
	}
	files := v.files[id]
	switch {
	case len(files) == 0 && v.links[id]:
		return "", fmt.Errorf("%w: a symbolic link, not the file", ErrNoOriginal)
	case len(files) == 0:
		return "", fmt.Errorf("%w: no file media/%s.*", ErrNoOriginal, id)
	case len(files) > 1:
		return "", fmt.Errorf("%w: %d files media/%s.*", ErrNoOriginal, len(files), id)
	}
	f, err := os.Open(filepath.Join(v.dir, files[0]))
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", fmt.Errorf("reading media/%s: %w", files[0], err)
	}
	s = hex.EncodeToString(h.Sum(nil))
	v.mu.Lock()
	v.sums[id] = s
	v.mu.Unlock()
	return s, nil
}

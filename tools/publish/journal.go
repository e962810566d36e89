package publish

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"storyguard/tools/content"
	"storyguard/tools/vault"
)

// pendingPurgeFile is the CDN purge list of runs that have not completed.
func pendingPurgeFile(dir string) string {
	return filepath.Join(vault.StateDir(dir), "purge-pending.json")
}

// pendingPurge is the purge journal's content: public URLs only (object
// keys mapped by PublicURLs), never a name.
type pendingPurge struct {
	URLs []string `json:"urls"`
}

// PendingPurge returns the URLs in the vault's purge journal
// (<vault>/state/purge-pending.json), sorted: what a publish or withdrawal
// that did not complete changed or was about to change, and a CDN must
// still purge. A missing journal is empty; one that does not decode is an
// error naming the file.
func PendingPurge(vault string) ([]string, error) {
	p := pendingPurgeFile(vault)
	data, err := os.ReadFile(p)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("purge journal %s: %w", p, err)
	}
	var j pendingPurge
	if err := json.Unmarshal(data, &j); err != nil {
		return nil, fmt.Errorf("purge journal %s: %w", p, err)
	}
	return j.URLs, nil
}

// journalPurge adds urls to the purge journal and syncs it to disk before
// returning (written to a temporary file, synced, renamed, folder synced),
// so that it is on disk before the change it announces is made.
func journalPurge(vault string, urls []string) error {
	if len(urls) == 0 {
		return nil
	}
	have, err := PendingPurge(vault)
	if err != nil {
		return err
	}
	all := slices.Concat(have, urls)
	slices.Sort(all)
	all = slices.Compact(all)
	if slices.Equal(all, have) {
		return nil
	}
	data, err := json.MarshalIndent(pendingPurge{URLs: all}, "", "  ")
	if err != nil {
		return err
	}
	return writeSynced(pendingPurgeFile(vault), append(data, '\n'))
}

// clearPurge removes the purge journal: only when a run completed and its
// caller prints every URL it held.
func clearPurge(vault string) error {
	err := os.Remove(pendingPurgeFile(vault))
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("purge journal: %w", err)
	}
	return nil
}

// withPending returns urls joined with the purge journal's, sorted and
// without repeats.
func withPending(vault string, urls []string) ([]string, error) {
	have, err := PendingPurge(vault)
	all := slices.Concat(have, urls)
	slices.Sort(all)
	return slices.Compact(all), err
}

// writeSynced writes data to p atomically and durably
// (content.WriteFileAtomic into a folder created 0700 if missing, then an
// fsync of the folder, so the rename survives a crash).
func writeSynced(p string, data []byte) error {
	dir := filepath.Dir(p)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	if err := content.WriteFileAtomic(p, data); err != nil {
		return err
	}
	return syncDir(dir)
}

// syncDir fsyncs a folder, so a file created or renamed in it survives a
// crash.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	if err := d.Sync(); err != nil && !strings.Contains(err.Error(), "invalid argument") {
		return fmt.Errorf("sync %s: %w", dir, err)
	}
	return nil
}

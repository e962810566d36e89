package publish

import (
	"bufio"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"

	"storyguard/tools/vault"
)

// Work folders. A run's stage (story text), built HTML and scrubbed media
// live in <vault>/state/work/run-<random>/, never in $TMPDIR: the vault is
// where the private material is kept and removed, and a withdrawal can
// find them there. Each holds:
//
//	owner     "pid <pid>\n", flock'ed (LOCK_EX) by the live run for its
//	          whole life; the kernel drops the lock when the run dies
//	stories   the story ids whose text or media the folder holds, one a line
//
// A folder whose owner file nobody holds locked is stale (its run was
// killed) and is removed at the start of every run (CleanWork).

// WorkDir is one run's work folder, locked for as long as it is open.
type WorkDir struct {
	// Path is the folder, absolute or relative as the vault path was given.
	Path  string
	owner *os.File
}

// workRoot is <vault>/state/work.
func workRoot(dir string) string { return filepath.Join(vault.StateDir(dir), "work") }

// NewWorkDir creates a fresh work folder under <vault>/state/work (0700)
// and locks it. Close unlocks it and, unless keep, removes it.
func NewWorkDir(vault string) (*WorkDir, error) {
	root := workRoot(vault)
	if err := os.MkdirAll(root, 0o700); err != nil {
		return nil, fmt.Errorf("work folder: %w", err)
	}
	dir, err := os.MkdirTemp(root, "run-*")
	if err != nil {
		return nil, fmt.Errorf("work folder: %w", err)
	}
	f, err := os.OpenFile(filepath.Join(dir, "owner"), os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o600)
	if err == nil {
		err = syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
		if err == nil {
			_, err = fmt.Fprintf(f, "pid %d\n", os.Getpid())
		}
		if err != nil {
			f.Close()
		}
	}
	if err != nil {
		os.RemoveAll(dir)
		return nil, fmt.Errorf("work folder %s: %w", dir, err)
	}
	return &WorkDir{Path: dir, owner: f}, nil
}

// Hold records that the folder is about to hold the text or media of
// stories (ids), synced to disk before the caller writes them, so that a
// withdrawal of any of them finds the folder even after a crash.
func (w *WorkDir) Hold(stories []string) error {
	data := strings.Join(stories, "\n") + "\n"
	f, err := os.OpenFile(filepath.Join(w.Path, "stories"), os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600)
	if err != nil {
		return fmt.Errorf("work folder: %w", err)
	}
	_, err = f.WriteString(data)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("work folder: %w", err)
	}
	return nil
}

// Close unlocks the folder and removes it unless keep (then the next run's
// CleanWork removes it, as it does any unlocked folder).
func (w *WorkDir) Close(keep bool) error {
	w.owner.Close()
	if keep {
		return nil
	}
	return os.RemoveAll(w.Path)
}

// CleanWork removes the stale work folders under <vault>/state/work: those
// whose owner file no live process holds locked (a killed run's), and
// those without an owner file. With story not empty it also removes every
// folder, live or not, that holds that story (a withdrawal: a run still
// using it then fails rather than publish from it), but for the folder
// own: the caller's own work folder, holding the stored stories it
// materialised (Options.Overlay; "" for none). It returns how many
// folders it removed; errors name the folder.
func CleanWork(vault, story, own string) (int, error) {
	root := workRoot(vault)
	entries, err := os.ReadDir(root)
	if errors.Is(err, fs.ErrNotExist) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("work folders: %w", err)
	}
	n := 0
	for _, e := range entries {
		dir := filepath.Join(root, e.Name())
		if !e.IsDir() || (own != "" && sameDir(dir, own)) {
			continue
		}
		if !stale(dir) && (story == "" || !holds(dir, story)) {
			continue
		}
		if err := os.RemoveAll(dir); err != nil {
			return n, fmt.Errorf("remove work folder %s: %w", dir, err)
		}
		n++
	}
	return n, nil
}

// CleanLegacyWork removes the work folders that Storyguard before the
// vault's state/work (which used $TMPDIR/storyguard-<random>/, holding
// stage/, public/ and media/) left behind when killed, if their stage
// holds story (a file under stage/content naming its story id). Folders of
// other names, the registry editor's storyguard-registry-* among them, are
// never touched. vault.Withdrawals call it so that no copy of the story's text
// survives an upgrade. It returns how many folders it removed.
func CleanLegacyWork(story string) (int, error) {
	if story == "" {
		return 0, nil
	}
	tmp := os.TempDir()
	entries, err := os.ReadDir(tmp)
	if err != nil {
		return 0, fmt.Errorf("legacy work folders in %s: %w", tmp, err)
	}
	n := 0
	for _, e := range entries {
		name := e.Name()
		if !e.IsDir() || !strings.HasPrefix(name, "storyguard-") || strings.HasPrefix(name, "storyguard-registry-") {
			continue
		}
		dir := filepath.Join(tmp, name)
		if !stageHolds(filepath.Join(dir, "stage", "content"), story) {
			continue
		}
		if err := os.RemoveAll(dir); err != nil {
			return n, fmt.Errorf("remove work folder %s: %w", dir, err)
		}
		n++
	}
	return n, nil
}

// stageHolds reports whether a regular file under dir contains story.
func stageHolds(dir, story string) bool {
	found := false
	filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || found || !d.Type().IsRegular() {
			return nil
		}
		if data, err := os.ReadFile(p); err == nil && strings.Contains(string(data), story) {
			found = true
			return filepath.SkipAll
		}
		return nil
	})
	return found
}

// stale reports whether no live process holds dir's owner lock.
func stale(dir string) bool {
	f, err := os.Open(filepath.Join(dir, "owner"))
	if err != nil {
		return true
	}
	defer f.Close()
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		return false
	}
	syscall.Flock(int(f.Fd()), syscall.LOCK_UN)
	return true
}

// holds reports whether dir's stories file names story.
func holds(dir, story string) bool {
	f, err := os.Open(filepath.Join(dir, "stories"))
	if err != nil {
		return false
	}
	defer f.Close()
	var ids []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		ids = append(ids, strings.TrimSpace(sc.Text()))
	}
	return slices.Contains(ids, story)
}

// sameDir reports whether a and b name the same folder.
func sameDir(a, b string) bool {
	fa, errA := os.Stat(a)
	fb, errB := os.Stat(b)
	return errA == nil && errB == nil && os.SameFile(fa, fb)
}

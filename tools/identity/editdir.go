package identity

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// editDirPrefix names the private folders `storyguard registry edit`
// decrypts the registry into: <base>/storyguard-registry-edit.<pid>.<random>,
// where <pid> is the process that made it and <base> is the folder named by
// $STORYGUARD_EDIT_DIR when set, else /dev/shm when it exists, else
// os.TempDir(). Folders of this form belong to Storyguard.
const editDirPrefix = "storyguard-registry-edit."

// EditDirEnv names the environment variable that, when set, names the
// folder `registry edit` writes its plaintext into, searched first for the
// leftovers of a killed edit: for an operator whose memory-backed folder is
// not /dev/shm, and for tests that must not share /dev/shm with other runs
// (any storyguard command wipes a dead edit's folder it finds there).
const EditDirEnv = "STORYGUARD_EDIT_DIR"

// editBases are the folders NewEditDir writes into and
// RemoveEditLeftovers searches, in order; a variable for tests.
var editBases = func() []string {
	var out []string
	if d := os.Getenv(EditDirEnv); d != "" {
		out = append(out, d)
	}
	if fi, err := os.Stat("/dev/shm"); err == nil && fi.IsDir() {
		out = append(out, "/dev/shm")
	}
	if t := os.TempDir(); !containsPath(out, t) {
		out = append(out, t)
	}
	return out
}

func containsPath(list []string, p string) bool {
	for _, q := range list {
		if filepath.Clean(q) == filepath.Clean(p) {
			return true
		}
	}
	return false
}

// NewEditDir creates the 0700 folder `registry edit` writes the plaintext
// registry into: under $STORYGUARD_EDIT_DIR when set, else /dev/shm
// (memory) where it exists, else under os.TempDir(), named after this process (see RemoveEditLeftovers).
func NewEditDir() (string, error) {
	pattern := editDirPrefix + strconv.Itoa(os.Getpid()) + ".*"
	var err error
	for _, base := range editBases() {
		var dir string
		if dir, err = os.MkdirTemp(base, pattern); err == nil {
			if err = os.Chmod(dir, 0o700); err != nil {
				os.RemoveAll(dir)
				return "", err
			}
			return dir, nil
		}
	}
	return "", err
}

// WipeDir overwrites every regular file directly in dir with zeros (its
// whole size, synced), without following symbolic links, then removes dir
// and everything in it. A file that cannot be overwritten is still
// removed; the first error is returned.
func WipeDir(dir string) error {
	var first error
	keep := func(err error) {
		if first == nil && err != nil {
			first = err
		}
	}
	entries, err := os.ReadDir(dir)
	keep(err)
	for _, e := range entries {
		if !e.Type().IsRegular() {
			continue
		}
		p := filepath.Join(dir, e.Name())
		f, err := os.OpenFile(p, os.O_WRONLY|syscall.O_NOFOLLOW, 0)
		if err != nil {
			keep(err)
			continue
		}
		if fi, err := f.Stat(); err == nil && fi.Size() > 0 {
			_, werr := f.WriteAt(make([]byte, fi.Size()), 0)
			keep(werr)
			keep(f.Sync())
		}
		keep(f.Close())
	}
	keep(os.RemoveAll(dir))
	return first
}

// RemoveEditLeftovers finds the folders a `registry edit` left behind when
// it was killed (SIGKILL, power cut: the only ends its own clean-up cannot
// handle), in /dev/shm and os.TempDir(): folders named
// storyguard-registry-edit.<pid>.* whose process <pid> no longer runs, and
// folders of the older form storyguard-registry-<random> (no pid, so no
// edit of this version) not modified for oldFormAge. It wipes each (WipeDir) and returns the folders
// removed; a folder of a running edit, this process's own, a symbolic link
// or a folder not owned by this user is left alone. It reads no file
// content. Errors name the folder only.
func RemoveEditLeftovers() ([]string, error) {
	var removed []string
	var first error
	for _, base := range editBases() {
		entries, err := os.ReadDir(base)
		if err != nil {
			continue // no such base: nothing left there
		}
		for _, e := range entries {
			name := e.Name()
			if !e.IsDir() || !strings.HasPrefix(name, "storyguard-registry-") {
				continue
			}
			if rest, ok := strings.CutPrefix(name, editDirPrefix); ok {
				pidText, _, _ := strings.Cut(rest, ".")
				pid, err := strconv.Atoi(pidText)
				if err != nil || pid <= 0 || pid == os.Getpid() || processRuns(pid) {
					continue
				}
			}
			dir := filepath.Join(base, name)
			fi, err := os.Lstat(dir)
			if err != nil || !fi.IsDir() {
				continue
			}
			if !strings.HasPrefix(name, editDirPrefix) && time.Since(fi.ModTime()) < oldFormAge {
				continue // perhaps an edit by an older storyguard still running
			}
			if st, ok := fi.Sys().(*syscall.Stat_t); ok && int(st.Uid) != os.Getuid() {
				continue
			}
			if err := WipeDir(dir); err != nil {
				if first == nil {
					first = fmt.Errorf("remove the plaintext registry left in %s: %w", dir, err)
				}
				continue
			}
			removed = append(removed, dir)
		}
	}
	return removed, first
}

// oldFormAge is how long a folder of the older, pid-less form must have
// been left unmodified before RemoveEditLeftovers takes it for a leftover.
const oldFormAge = 12 * time.Hour

// processRuns reports whether a process with id pid exists (kill(pid, 0):
// EPERM means it exists under another user).
func processRuns(pid int) bool {
	err := syscall.Kill(pid, 0)
	return err == nil || errors.Is(err, syscall.EPERM)
}

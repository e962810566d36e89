package stories

import (
	"errors"
	"fmt"
	"os/exec"
	"path"
	"strings"
)

// TrackedStoryFiles returns the story page files under root/content/stories/
// that git tracks ("content/stories/<slug>/index.md", slash-separated,
// relative to root), sorted: text that lives on in every clone and in
// history even after a withdrawal, which `storyguard check` warns about and
// `storyguard stories import` moves into the store. The section's own
// _index files are not stories and are left out. nil, nil when git is not
// installed or root is not in a work tree; an error when git fails
// otherwise.
func TrackedStoryFiles(root string) ([]string, error) {
	git, err := exec.LookPath("git")
	if err != nil {
		return nil, nil
	}
	if err := exec.Command(git, "-C", root, "rev-parse", "--is-inside-work-tree").Run(); err != nil {
		return nil, nil
	}
	// -z: names as they are, whatever bytes they hold; --full-name off:
	// paths relative to root, which may be below the work tree's top.
	out, err := exec.Command(git, "-C", root, "ls-files", "-z", "--", "content/stories").Output()
	if err != nil {
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			return nil, fmt.Errorf("ask git which stories it tracks: exit %d", ee.ExitCode())
		}
		return nil, fmt.Errorf("ask git which stories it tracks: %w", err)
	}
	var files []string
	for _, f := range strings.Split(string(out), "\x00") {
		rest, ok := strings.CutPrefix(f, "content/stories/")
		if !ok || !strings.Contains(rest, "/") {
			continue // content/stories/_index.md and the like
		}
		if name := path.Base(f); strings.HasPrefix(name, "index.") {
			files = append(files, f)
		}
	}
	return files, nil
}

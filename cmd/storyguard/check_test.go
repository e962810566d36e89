package main

import (
	"errors"
	"os/exec"
	"strconv"
	"testing"

	"github.com/rogpeppe/go-internal/testscript"
)

// TestScriptsCheck runs testdata/script/check/*.txtar: storyguard check and
// storyguard approve end to end, as a user runs them.
func TestScriptsCheck(t *testing.T) {
	testscript.Run(t, testscript.Params{
		Dir: "testdata/script/check",
		Cmds: map[string]func(ts *testscript.TestScript, neg bool, args []string){
			// exits N storyguard args...: runs storyguard and asserts its exit code.
			"exits": func(ts *testscript.TestScript, neg bool, args []string) {
				if len(args) < 2 {
					ts.Fatalf("usage: exits CODE command args...")
				}
				want, err := strconv.Atoi(args[0])
				if err != nil {
					ts.Fatalf("exits: bad code %q", args[0])
				}
				err = ts.Exec(args[1], args[2:]...)
				got := 0
				var ee *exec.ExitError
				if errors.As(err, &ee) {
					got = ee.ExitCode()
				} else if err != nil {
					ts.Fatalf("exits: %v", err)
				}
				if (got == want) == neg {
					ts.Fatalf("exit code %d, want %d", got, want)
				}
			},
		},
	})
}

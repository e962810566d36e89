package main

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/rogpeppe/go-internal/testscript"

	"storyguard/tools/testgen/fixture"
)

// TestScriptsCheck runs testdata/script/check/*.txtar: storyguard check and
// storyguard approve end to end, as a user runs them, with the demo vault
// (copied to $WORK/vault, its media folder empty) as the registry.
func TestScriptsCheck(t *testing.T) {
	testscript.Run(t, testscript.Params{
		Dir: "testdata/script/check",
		Setup: func(env *testscript.Env) error {
			vault := filepath.Join(env.WorkDir, "vault")
			for _, f := range []string{"registry.age", "demo-identity.txt"} {
				data, err := os.ReadFile(filepath.Join("..", "..", "examples", "vault", f))
				if err != nil {
					return err
				}
				if err := os.MkdirAll(filepath.Join(vault, "media"), 0o755); err != nil {
					return err
				}
				if err := os.WriteFile(filepath.Join(vault, f), data, 0o600); err != nil {
					return err
				}
			}
			// Two distinct small JPEGs for photo_swap.txtar, and the first
			// cut in half (a broken copy) for broken_photo.txtar.
			for name, seed := range map[string]uint64{"photo-a.jpg": 1, "photo-b.jpg": 2} {
				b := fixture.JPEG(fixture.JPEGOptions{Bare: true, Image: fixture.Noise(64, 48, seed)})
				if err := os.WriteFile(filepath.Join(env.WorkDir, name), b, 0o644); err != nil {
					return err
				}
				if seed == 1 {
					if err := os.WriteFile(filepath.Join(env.WorkDir, "photo-cut.jpg"), b[:len(b)/2], 0o644); err != nil {
						return err
					}
				}
			}
			env.Setenv("STORYGUARD_VAULT", vault)
			env.Setenv("STORYGUARD_AGE_IDENTITY_FILE", filepath.Join(vault, "demo-identity.txt"))
			return nil
		},
		Cmds: map[string]func(ts *testscript.TestScript, neg bool, args []string){
			"exits": cmdExits,
		},
	})
}

// cmdExits is the testscript command "exits N storyguard args...": it runs
// the command and asserts its exit code.
func cmdExits(ts *testscript.TestScript, neg bool, args []string) {
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
}

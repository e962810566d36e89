package main

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/rogpeppe/go-internal/testscript"

	"storyguard/tools/identity"
)

func TestScriptsRegistry(t *testing.T) {
	testscript.Run(t, testscript.Params{
		Dir:   "testdata/script/registry",
		Setup: registrySetup,
	})
}

// TestScriptsLeftover runs testdata/script/leftover/*.txtar: a registry
// edit killed with SIGKILL, and the next command wiping its plaintext. Apart
// from the other registry scripts, whose commands would wipe that
// leftover first when run in parallel.
func TestScriptsLeftover(t *testing.T) {
	testscript.Run(t, testscript.Params{
		Dir:   "testdata/script/leftover",
		Setup: registrySetup,
	})
}

// registrySetup prepares a registry script's work folder: the demo vault
// in demo/, no identity in the environment, HOME and TMPDIR inside it.
func registrySetup(env *testscript.Env) error {
	{
		{
			// The demo vault, copied so scripts can point --vault at it.
			for _, f := range []string{"registry.age", "demo-identity.txt"} {
				data, err := os.ReadFile(filepath.Join("..", "..", "examples", "vault", f))
				if err != nil {
					return err
				}
				if err := os.MkdirAll(filepath.Join(env.WorkDir, "demo"), 0o755); err != nil {
					return err
				}
				if err := os.WriteFile(filepath.Join(env.WorkDir, "demo", f), data, 0o600); err != nil {
					return err
				}
			}
			env.Setenv("STORYGUARD_AGE_IDENTITY", "")
			env.Setenv("STORYGUARD_AGE_IDENTITY_FILE", "")
			env.Setenv("HOME", env.WorkDir)
			env.Setenv("TMPDIR", filepath.Join(env.WorkDir, ".tmp"))
			return os.MkdirAll(filepath.Join(env.WorkDir, ".tmp"), 0o700)
		}
	}
}

// TestRegistryEditCleansUp checks what a user cannot see from the shell:
// the plaintext file is 0600 in a 0700 folder while the editor runs, and is
// gone afterwards, also when storyguard is interrupted mid-edit.
func TestRegistryEditCleansUp(t *testing.T) {
	work := t.TempDir()
	os.WriteFile(filepath.Join(work, "config.toml"), nil, 0o644)
	key := filepath.Join(work, "key.txt")
	runSG := func(ctx context.Context, args ...string) (string, error) {
		var out, errb bytes.Buffer
		err := run(ctx, append([]string{"--root", work, "--identity-file", key}, args...), &out, &errb)
		return out.String() + errb.String(), err
	}
	if out, err := runSG(context.Background(), "registry", "init", "--new-identity", key); err != nil {
		t.Fatalf("init: %v\n%s", err, out)
	}
	before, _ := os.ReadFile(filepath.Join(work, "private", "registry.age"))
	seen := filepath.Join(work, "seen")
	script := filepath.Join(work, "ed.sh")
	os.WriteFile(script, []byte(`stat -c '%a %n' "$1" "$(dirname "$1")" > `+seen+`.tmp && mv `+seen+`.tmp `+seen+`
echo '# touched' >> "$1"
exec sleep 30
`), 0o755)
	t.Setenv("EDITOR", "sh "+script)
	t.Setenv("VISUAL", "")

	ctx, cancel := context.WithCancel(context.Background())
	errc := make(chan error, 1)
	go func() { _, err := runSG(ctx, "registry", "edit"); errc <- err }()
	var info string
	for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if b, err := os.ReadFile(seen); err == nil {
			info = string(b)
			break
		}
	}
	lines := strings.Split(strings.TrimSpace(info), "\n")
	if len(lines) != 2 || !strings.HasPrefix(lines[0], "600 ") || !strings.HasPrefix(lines[1], "700 ") {
		cancel()
		t.Fatalf("temporary file and folder modes: %q, want 600 and 700", info)
	}
	tmpFile := strings.TrimPrefix(lines[0], "600 ")
	cancel() // as SIGINT does through main's signal.NotifyContext
	select {
	case err := <-errc:
		if err == nil || !strings.Contains(err.Error(), "interrupted; registry unchanged") {
			t.Errorf("interrupted edit: err = %v", err)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("edit did not return after interrupt")
	}
	if _, err := os.Stat(tmpFile); !os.IsNotExist(err) {
		t.Errorf("plaintext %s still exists after interrupt (err %v)", tmpFile, err)
	}
	if _, err := os.Stat(filepath.Dir(tmpFile)); !os.IsNotExist(err) {
		t.Errorf("temporary folder still exists after interrupt")
	}
	after, _ := os.ReadFile(filepath.Join(work, "private", "registry.age"))
	if !bytes.Equal(before, after) {
		t.Error("interrupted edit changed the registry")
	}
}

// TestSwappedRegistryRefused: a registry.age replaced by one encrypted to
// the same (public) recipient, with the people removed, stops check and
// publish instead of letting every leak pass.
func TestSwappedRegistryRefused(t *testing.T) {
	vault := t.TempDir()
	for _, f := range []string{"registry.age", "demo-identity.txt"} {
		data, err := os.ReadFile(filepath.Join("..", "..", "examples", "vault", f))
		if err != nil {
			t.Fatal(err)
		}
		os.WriteFile(filepath.Join(vault, f), data, 0o600)
	}
	os.MkdirAll(filepath.Join(vault, "media"), 0o700)
	t.Setenv("STORYGUARD_AGE_IDENTITY", "")
	t.Setenv("STORYGUARD_AGE_IDENTITY_FILE", filepath.Join(vault, "demo-identity.txt"))
	runSG := func(args ...string) (string, error) {
		var out, errb bytes.Buffer
		err := run(context.Background(), append([]string{"--root", filepath.Join("..", ".."), "--vault", vault}, args...), &out, &errb)
		return out.String() + errb.String(), err
	}
	// The sealed demo registry opens.
	if out, err := runSG("registry", "list"); err != nil {
		t.Fatalf("sealed demo registry: %v\n%s", err, out)
	}
	swapped := []byte("version: 1\ndemo: true\nrecipients: [" + identity.DemoRecipient + "]\npersons: []\n")
	ct, err := identity.Encrypt(swapped, []string{identity.DemoRecipient})
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(vault, "registry.age"), ct, 0o600)
	for _, args := range [][]string{{"check"}, {"check", "--format", "json"}, {"publish", "--dry-run"}} {
		out, err := runSG(args...)
		if !errors.Is(err, identity.ErrRegistryUnsigned) {
			t.Errorf("%v on a swapped registry: err = %v, want ErrRegistryUnsigned\n%s", args, err, out)
		}
		if !strings.Contains(err.Error(), "registry.age is not signed by a key holder") {
			t.Errorf("%v: error %q", args, err)
		}
	}
}

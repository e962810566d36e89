package identity

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"filippo.io/age"
)

// newKey returns an identity file text, its recipient and parsed identities.
func newKey(t *testing.T) (string, string, []age.Identity) {
	t.Helper()
	text, rc, err := NewIdentity("test key")
	if err != nil {
		t.Fatal(err)
	}
	ids, err := age.ParseIdentities(strings.NewReader(text))
	if err != nil {
		t.Fatal(err)
	}
	return text, rc, ids
}

func writeRegistry(t *testing.T, dir, rc string) string {
	t.Helper()
	reg := testRegistry(t)
	reg.Recipients = []string{rc}
	path := filepath.Join(dir, "registry.age")
	if err := SaveRegistry(path, reg); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestOpenRegistry(t *testing.T) {
	dir := t.TempDir()
	_, rc, ids := newKey(t)
	_, _, otherIDs := newKey(t)
	path := writeRegistry(t, dir, rc)
	ct, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	write := func(name string, data []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, data, 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	plain, _ := os.ReadFile("testdata/registry.yaml")
	badYAML, _ := Encrypt([]byte("version: 1\npersons:\n  - id: p-0001\n    role: storyteller\n    names: [X]\n    colour: red\n"), []string{rc})
	tests := []struct {
		name    string
		path    string
		ids     []age.Identity
		wantErr error
		msg     string
	}{
		{"opens", path, ids, nil, ""},
		{"missing file", filepath.Join(dir, "nope.age"), ids, ErrRegistryMissing, "registry not found"},
		{"plaintext YAML", write("plain.age", plain), ids, ErrRegistryPlaintext, "not age-encrypted"},
		{"empty file", write("empty.age", nil), ids, ErrRegistryPlaintext, "not age-encrypted"},
		{"wrong key", path, otherIDs, ErrWrongKey, "not encrypted to this age identity"},
		{"no identity", path, nil, ErrNoIdentity, "no age identity"},
		{"truncated payload", write("trunc.age", ct[:len(ct)-20]), ids, ErrRegistryCorrupt, "truncated or corrupt"},
		{"truncated header", write("trunc2.age", ct[:40]), ids, ErrRegistryCorrupt, "truncated or corrupt"},
		{"flipped byte", write("flip.age", flip(ct, len(ct)-5)), ids, ErrRegistryCorrupt, "truncated or corrupt"},
		{"invalid YAML inside", write("bad.age", badYAML), ids, ErrInvalid, ":6: persons[0].colour: unknown field"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			reg, err := OpenRegistry(tt.path, tt.ids)
			if tt.wantErr == nil {
				if err != nil || reg.Person("p-0001") == nil {
					t.Fatalf("OpenRegistry: %v", err)
				}
				return
			}
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("OpenRegistry error = %v, want %v", err, tt.wantErr)
			}
			if !strings.Contains(err.Error(), tt.msg) || !strings.Contains(err.Error(), filepath.Base(tt.path)) {
				t.Errorf("error %q should name the file and say %q", err, tt.msg)
			}
			for _, secret := range []string{"Pérez", "Mendoza", "AGE-SECRET"} {
				if strings.Contains(err.Error(), secret) {
					t.Errorf("error leaks %q: %v", secret, err)
				}
			}
		})
	}
}

func flip(b []byte, i int) []byte {
	c := append([]byte(nil), b...)
	c[i] ^= 0x55
	return c
}

func git(t *testing.T, dir string, args ...string) {
	t.Helper()
	cmd := exec.Command("git", append([]string{"-C", dir}, args...)...)
	cmd.Env = append(os.Environ(), "GIT_AUTHOR_NAME=t", "GIT_AUTHOR_EMAIL=t@example.invalid", "GIT_COMMITTER_NAME=t", "GIT_COMMITTER_EMAIL=t@example.invalid")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("git %v: %v\n%s", args, err, out)
	}
}

func TestOpenRegistryGitTracked(t *testing.T) {
	if _, err := exec.LookPath("git"); err != nil {
		if os.Getenv("STORYGUARD_REQUIRE_TOOLS") == "1" {
			t.Fatal("git is required")
		}
		t.Skip("git not installed")
	}
	_, rc, ids := newKey(t)
	repo := t.TempDir()
	git(t, repo, "init", "-q")
	for _, d := range []string{"private", "examples/vault", "other"} {
		os.MkdirAll(filepath.Join(repo, d), 0o755)
	}
	untracked := writeRegistry(t, filepath.Join(repo, "private"), rc)
	tracked := writeRegistry(t, filepath.Join(repo, "other"), rc)
	demo := writeRegistry(t, filepath.Join(repo, "examples/vault"), rc) // testdata registry says demo: true
	realReg := testRegistry(t)
	realReg.Demo = false
	realReg.Recipients = []string{rc}
	os.MkdirAll(filepath.Join(repo, "examples/real"), 0o755)
	notDemo := filepath.Join(repo, "examples/vault", "notdemo.age")
	if err := SaveRegistry(notDemo, realReg); err != nil {
		t.Fatal(err)
	}
	git(t, repo, "add", "other/registry.age", "examples/vault/registry.age", "examples/vault/notdemo.age")
	git(t, repo, "commit", "-qm", "x")

	if _, err := OpenRegistry(untracked, ids); err != nil {
		t.Errorf("untracked registry in a repo: %v", err)
	}
	if _, err := OpenRegistry(tracked, ids); !errors.Is(err, ErrRegistryTracked) {
		t.Errorf("tracked registry outside examples/vault: err = %v, want ErrRegistryTracked", err)
	}
	if _, err := OpenRegistry(demo, ids); err != nil {
		t.Errorf("tracked demo registry under examples/vault: %v", err)
	}
	if _, err := OpenRegistry(notDemo, ids); !errors.Is(err, ErrRegistryTracked) {
		t.Errorf("tracked non-demo registry under examples/vault: err = %v, want ErrRegistryTracked", err)
	}
}

func TestLoadIdentities(t *testing.T) {
	text, _, _ := newKey(t)
	dir := t.TempDir()
	file := filepath.Join(dir, "key.txt")
	os.WriteFile(file, []byte(text), 0o600)
	env := func(m map[string]string) func(string) string { return func(k string) string { return m[k] } }
	secret := text[strings.Index(text, "AGE-SECRET-KEY"):]
	tests := []struct {
		name    string
		file    string
		env     map[string]string
		wantErr bool
	}{
		{"env key text", "", map[string]string{EnvIdentity: secret}, false},
		{"file argument", file, nil, false},
		{"env key file", "", map[string]string{EnvIdentityFile: file}, false},
		{"nothing given", "", nil, true},
		{"garbage in env", "", map[string]string{EnvIdentity: "not a key"}, true},
		{"missing file", filepath.Join(dir, "nope"), nil, true},
		{"file without a key", "testdata/registry.yaml", nil, true},
	}
	for _, tt := range tests {
		ids, err := LoadIdentities(tt.file, env(tt.env))
		if tt.wantErr {
			if !errors.Is(err, ErrNoIdentity) {
				t.Errorf("%s: err = %v, want ErrNoIdentity", tt.name, err)
			}
			if err != nil && strings.Contains(err.Error(), "AGE-SECRET") {
				t.Errorf("%s: error leaks key material", tt.name)
			}
			continue
		}
		if err != nil || len(ids) != 1 {
			t.Errorf("%s: %d ids, err %v", tt.name, len(ids), err)
		}
	}
}

func TestDemoVaultOpens(t *testing.T) {
	ids, err := LoadIdentities("../../examples/vault/demo-identity.txt", func(string) string { return "" })
	if err != nil {
		t.Fatal(err)
	}
	reg, err := OpenRegistry("../../examples/vault/registry.age", ids)
	if err != nil {
		t.Fatal(err)
	}
	if !reg.Demo || len(reg.Persons) != 6 || reg.Person("p-0101").Pseudonym != "El Lobo*" {
		t.Errorf("demo registry: demo=%v persons=%d", reg.Demo, len(reg.Persons))
	}
	head, _ := os.ReadFile("../../examples/vault/demo-identity.txt")
	if !strings.HasPrefix(string(head), "# DEMO KEY — fictional demo vault only") {
		t.Error("demo key lacks its DEMO header")
	}
}

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

// sealedEncrypt seals plain with ids (as SealRegistry does, without its
// checks) and encrypts it to the recipients to, or to ids' own when to is
// empty: a registry a key holder wrote around storyguard's other checks.
func sealedEncrypt(t *testing.T, ids []age.Identity, plain []byte, to ...string) ([]byte, error) {
	t.Helper()
	var rcs []string
	for _, id := range ids {
		if rc, _, ok := sealKey(id); ok {
			rcs = append(rcs, rc)
		}
	}
	if len(to) == 0 {
		to = rcs
	}
	sealed, _ := signBody(plain, ids, rcs)
	return Encrypt(sealed, to)
}

func writeRegistry(t *testing.T, dir, rc string, ids []age.Identity) string {
	t.Helper()
	reg := testRegistry(t)
	reg.Recipients = []string{rc}
	path := filepath.Join(dir, "registry.age")
	if err := SaveRegistry(path, reg, ids); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestOpenRegistry(t *testing.T) {
	dir := t.TempDir()
	_, rc, ids := newKey(t)
	_, _, otherIDs := newKey(t)
	path := writeRegistry(t, dir, rc, ids)
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
	badYAML, _ := sealedEncrypt(t, ids, []byte("version: 1\npersons:\n  - id: p-0001\n    role: storyteller\n    names: [X]\n    colour: red\n"), rc)
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
	untracked := writeRegistry(t, filepath.Join(repo, "private"), rc, ids)
	tracked := writeRegistry(t, filepath.Join(repo, "other"), rc, ids)
	demo := writeRegistry(t, filepath.Join(repo, "examples/vault"), rc, ids) // testdata registry says demo: true
	realReg := testRegistry(t)
	realReg.Demo = false
	realReg.Recipients = []string{rc}
	os.MkdirAll(filepath.Join(repo, "examples/real"), 0o755)
	notDemo := filepath.Join(repo, "examples/vault", "notdemo.age")
	if err := SaveRegistry(notDemo, realReg, ids); err != nil {
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

// realRegistryYAML is a registry saying demo: false, listing recipients.
func realRegistryYAML(recipients ...string) []byte {
	return []byte("version: 1\ndemo: false\nrecipients: [" + strings.Join(recipients, ", ") + "]\npersons:\n  - {id: p-0001, role: other, names: [Zoila Coc]}\n")
}

// TestDemoKeyRefused: a real registry (demo: false) is never saved to,
// nor opened when it lists or decrypts with, the public demo key.
func TestDemoKeyRefused(t *testing.T) {
	dir := t.TempDir()
	_, rc, ids := newKey(t)
	noEnv := func(string) string { return "" }

	// Saving: SaveRegistry and SealRegistry refuse, the file is not written.
	for _, demoRC := range []string{DemoRecipient} {
		path := filepath.Join(dir, "save.age")
		reg := &Registry{Version: 1, Recipients: []string{rc, demoRC}}
		if err := SaveRegistry(path, reg, ids); !errors.Is(err, ErrDemoKey) || !strings.Contains(err.Error(), "recipients[1]") {
			t.Errorf("SaveRegistry to %s: err = %v, want ErrDemoKey naming recipients[1]", demoRC, err)
		}
		if _, err := os.Stat(path); !os.IsNotExist(err) {
			t.Errorf("SaveRegistry to the demo key wrote %s", path)
		}
	}
	if _, err := SealRegistry(filepath.Join(dir, "seal.age"), realRegistryYAML(DemoRecipient), ids); !errors.Is(err, ErrDemoKey) {
		t.Errorf("SealRegistry to the demo key: err = %v, want ErrDemoKey", err)
	}
	// The demo registry may use the demo key.
	demo := &Registry{Version: 1, Demo: true, Recipients: []string{DemoRecipient}}
	if err := SaveRegistry(filepath.Join(dir, "demo.age"), demo, nil); err != nil {
		t.Errorf("SaveRegistry demo registry to the demo key: %v", err)
	}

	// Opening: a registry written around the checks (an older version that
	// sealed but did not check the demo key).
	write := func(name string, plain []byte, sealers []age.Identity, to ...string) string {
		ct, err := sealedEncrypt(t, sealers, plain, to...)
		if err != nil {
			t.Fatal(err)
		}
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, ct, 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	lists := write("lists.age", realRegistryYAML(rc, DemoRecipient), ids, rc, DemoRecipient)
	if _, err := OpenRegistry(lists, ids); !errors.Is(err, ErrDemoKey) || !strings.Contains(err.Error(), "lists.age") {
		t.Errorf("open real registry listing the demo recipient: err = %v, want ErrDemoKey naming the file", err)
	}
	// Encrypted to the demo key but not saying so; opened with a copy of
	// the demo key outside the repository.
	demoKey, err := os.ReadFile("../../examples/vault/demo-identity.txt")
	if err != nil {
		t.Fatal(err)
	}
	copyKey := filepath.Join(dir, "demo-copy.txt")
	os.WriteFile(copyKey, demoKey, 0o600)
	demoIDs, err := LoadIdentities(copyKey, noEnv)
	if err != nil {
		t.Fatal(err)
	}
	hidden := write("hidden.age", realRegistryYAML(rc), demoIDs, DemoRecipient)
	if _, err := OpenRegistry(hidden, demoIDs); !errors.Is(err, ErrDemoKey) {
		t.Errorf("open real registry decrypting with the demo key: err = %v, want ErrDemoKey", err)
	}
	// Its owner's key still opens it; rekey may open both to move them.
	both := write("both.age", realRegistryYAML(rc), ids, rc, DemoRecipient)
	if _, err := OpenRegistry(both, ids); err != nil {
		t.Errorf("real registry opened with its own key: %v", err)
	}
	for _, p := range []string{lists, hidden} {
		if _, err := OpenRegistryForRekey(p, append(ids, demoIDs...)); err != nil {
			t.Errorf("OpenRegistryForRekey %s: %v", filepath.Base(p), err)
		}
	}
}

// TestIdentityFileInWorkTree: a key file inside a git work tree (as the
// demo key is) opens the demo registry only.
func TestIdentityFileInWorkTree(t *testing.T) {
	if _, err := exec.LookPath("git"); err != nil {
		if os.Getenv("STORYGUARD_REQUIRE_TOOLS") == "1" {
			t.Fatal("git is required")
		}
		t.Skip("git not installed")
	}
	noEnv := func(string) string { return "" }
	repo, outside := t.TempDir(), t.TempDir()
	git(t, repo, "init", "-q")
	text, rc, ids := newKey(t)
	inRepoKey := filepath.Join(repo, "keys", "key.txt")
	os.MkdirAll(filepath.Dir(inRepoKey), 0o700)
	os.WriteFile(inRepoKey, []byte(text), 0o600)
	outKey := filepath.Join(outside, "key.txt")
	os.WriteFile(outKey, []byte(text), 0o600)

	real := filepath.Join(outside, "registry.age")
	if _, err := SealRegistry(real, realRegistryYAML(rc), ids); err != nil {
		t.Fatal(err)
	}
	demoPath := filepath.Join(outside, "demo.age")
	if err := SaveRegistry(demoPath, &Registry{Version: 1, Demo: true, Recipients: []string{rc}}, ids); err != nil {
		t.Fatal(err)
	}
	inIDs, err := LoadIdentities(inRepoKey, noEnv)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := OpenRegistry(real, inIDs); !errors.Is(err, ErrIdentityInRepo) || !strings.Contains(err.Error(), "keys/key.txt") {
		t.Errorf("real registry, key file in a work tree: err = %v, want ErrIdentityInRepo naming the key file", err)
	}
	if _, err := OpenRegistry(demoPath, inIDs); err != nil {
		t.Errorf("demo registry, key file in a work tree: %v", err)
	}
	if _, err := OpenRegistryForRekey(real, inIDs); err != nil {
		t.Errorf("OpenRegistryForRekey: %v", err)
	}
	outIDs, err := LoadIdentities(outKey, noEnv)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := OpenRegistry(real, outIDs); err != nil {
		t.Errorf("real registry, key file outside any work tree: %v", err)
	}
	// The same key from the environment is not a file in the repository.
	envIDs, err := LoadIdentities("", func(k string) string {
		if k == EnvIdentity {
			return text[strings.Index(text, "AGE-SECRET-KEY"):]
		}
		return ""
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := OpenRegistry(real, envIDs); err != nil {
		t.Errorf("real registry, key from %s: %v", EnvIdentity, err)
	}
	// The committed demo key file lies in this repository's work tree.
	repoDemo, err := LoadIdentities("../../examples/vault/demo-identity.txt", noEnv)
	if err != nil {
		t.Fatal(err)
	}
	hidden := filepath.Join(outside, "hidden.age")
	ct, _ := sealedEncrypt(t, repoDemo, realRegistryYAML(rc), rc, DemoRecipient)
	os.WriteFile(hidden, ct, 0o600)
	if _, err := OpenRegistry(hidden, repoDemo); !errors.Is(err, ErrDemoKey) && !errors.Is(err, ErrIdentityInRepo) {
		t.Errorf("real registry opened with the committed demo key file: err = %v", err)
	}
}

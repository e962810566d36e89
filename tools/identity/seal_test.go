package identity

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"filippo.io/age"
)

// TestSwappedRegistryRefused: anyone may encrypt a registry to a public
// recipient; only a registry sealed by a holder of the identity opens.
func TestSwappedRegistryRefused(t *testing.T) {
	dir := t.TempDir()
	_, rc, ids := newKey(t)
	_, attackerRC, attackerIDs := newKey(t)
	path := writeRegistry(t, dir, rc, ids)
	if _, err := OpenRegistry(path, ids); err != nil {
		t.Fatalf("sealed registry: %v", err)
	}
	plain, _ := os.ReadFile("testdata/registry.yaml")
	stripped := bytes.ReplaceAll(plain, []byte("Pérez"), []byte("Other"))
	write := func(name string, text []byte) string {
		ct, err := Encrypt(text, []string{rc})
		if err != nil {
			t.Fatal(err)
		}
		p := filepath.Join(dir, name)
		os.WriteFile(p, ct, 0o600)
		return p
	}
	// The attacker seals with her own key, then claims the victim's recipient.
	forged, _ := signBody(stripped, attackerIDs, []string{attackerRC})
	forged = bytes.ReplaceAll(forged, []byte(attackerRC), []byte(rc))
	// The real seal kept, the text changed.
	_, body, _ := ReadRegistryText(path, ids)
	realSealed, _ := signBody(body, ids, []string{rc})
	tampered := bytes.Replace(realSealed, []byte("p-0001"), []byte("p-0009"), 1)
	tests := []struct{ name, path, msg string }{
		{"no seal", write("none.age", stripped), "carries no seal"},
		{"forged seal", write("forged.age", forged), "does not match its content"},
		{"text changed under a real seal", write("tampered.age", tampered), "does not match its content"},
		{"seal of another identity only", write("other.age", func() []byte { b, _ := signBody(stripped, attackerIDs, []string{attackerRC}); return b }()), "has no seal of your identity"},
		{"malformed seal line", write("bad.age", append(bytes.Clone(realSealed), "# storyguard-registry-mac: v1 age1x Pérez\n"...)), "seal is not a base64url HMAC-SHA256"},
		{"text after the seal", write("after.age", append(bytes.Clone(realSealed), "persons: []\n"...)), "not a seal line"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := OpenRegistry(tt.path, ids)
			if !errors.Is(err, ErrRegistryUnsigned) || !strings.Contains(err.Error(), tt.msg) || !strings.Contains(err.Error(), filepath.Base(tt.path)) {
				t.Fatalf("err = %v, want ErrRegistryUnsigned naming the file and saying %q", err, tt.msg)
			}
			if !strings.HasPrefix(err.Error(), "registry.age is not signed by a key holder: ") {
				t.Errorf("error %q does not start with the sentence users look for", err)
			}
			if strings.Contains(err.Error(), "Pérez") || strings.Contains(err.Error(), "AGE-SECRET") {
				t.Errorf("error leaks a value: %v", err)
			}
			if _, err := OpenRegistryForRekey(tt.path, ids); !errors.Is(err, ErrRegistryUnsigned) {
				t.Errorf("rekey opens it: %v", err)
			}
		})
	}
}

// TestSealSeveralHolders: each key holder needs her own seal; SignRegistry
// adds one and keeps the others.
func TestSealSeveralHolders(t *testing.T) {
	dir := t.TempDir()
	_, rc1, ids1 := newKey(t)
	_, rc2, ids2 := newKey(t)
	reg := testRegistry(t)
	reg.Recipients = []string{rc1, rc2}
	path := filepath.Join(dir, "registry.age")
	if err := SaveRegistry(path, reg, ids1); err != nil {
		t.Fatal(err)
	}
	if got := Unsealed(reg.Recipients, ids1); len(got) != 1 || got[0] != rc2 {
		t.Errorf("Unsealed = %v, want [%s]", got, rc2)
	}
	if _, err := OpenRegistry(path, ids2); !errors.Is(err, ErrRegistryUnsigned) {
		t.Fatalf("second holder before signing: err = %v, want ErrRegistryUnsigned", err)
	}
	_, missing, err := SignRegistry(path, ids2)
	if err != nil || len(missing) != 0 {
		t.Fatalf("SignRegistry: missing %v, err %v", missing, err)
	}
	for i, ids := range [][]age.Identity{ids1, ids2, append(ids2, ids1...)} {
		if _, err := OpenRegistry(path, ids); err != nil {
			t.Errorf("holder %d after signing: %v", i, err)
		}
	}
	// A stranger's key cannot sign, and nothing is written.
	before, _ := os.ReadFile(path)
	_, _, strangerIDs := newKey(t)
	if _, _, err := SignRegistry(path, strangerIDs); !errors.Is(err, ErrWrongKey) {
		t.Errorf("stranger signs: err = %v, want ErrWrongKey", err)
	}
	if after, _ := os.ReadFile(path); !bytes.Equal(before, after) {
		t.Error("a refused sign rewrote the registry")
	}
}

// TestSealedTextRoundTrip: the text an editor sees has no seal lines, and
// sealing it again opens.
func TestSealedTextRoundTrip(t *testing.T) {
	dir := t.TempDir()
	_, rc, ids := newKey(t)
	path := writeRegistry(t, dir, rc, ids)
	_, body, err := ReadRegistryText(path, ids)
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(body, []byte(sealPrefix)) {
		t.Fatal("ReadRegistryText returns the seal lines")
	}
	if _, err := SealRegistry(path, append([]byte("# a comment kept\n"), body...), ids); err != nil {
		t.Fatal(err)
	}
	_, again, err := ReadRegistryText(path, ids)
	if err != nil || !bytes.HasPrefix(again, []byte("# a comment kept\n")) {
		t.Fatalf("after SealRegistry: %v\n%s", err, again)
	}
}

func FuzzSplitSeals(f *testing.F) {
	_, rc, ids := func() (string, string, []age.Identity) {
		text, rc, _ := NewIdentity("fuzz")
		ids, _ := age.ParseIdentities(strings.NewReader(text))
		return text, rc, ids
	}()
	seed, _ := os.ReadFile("testdata/registry.yaml")
	sealed, _ := signBody(seed, ids, []string{rc})
	f.Add(sealed)
	f.Add(seed)
	f.Add([]byte(sealPrefix + "age1 x\n"))
	f.Add([]byte("a\n" + sealPrefix + rc + " AAAA\n\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		body, seals, err := SplitSeals(data)
		if err != nil {
			if bytes.Contains([]byte(err.Error()), data) && len(data) > 8 {
				t.Fatalf("error echoes the input: %v", err)
			}
			return
		}
		if !bytes.HasPrefix(data, body) {
			t.Fatal("body is not a prefix of the text")
		}
		if seals == nil && !bytes.Equal(body, data) {
			t.Fatal("no seals but the body is not the whole text")
		}
		if bytes.Contains(body, []byte("\n"+sealPrefix)) || bytes.HasPrefix(body, []byte(sealPrefix)) {
			t.Fatal("body holds a seal line")
		}
		// Sealing the body and splitting again gives the body back, and
		// the seal verifies.
		if len(body) > 0 && body[len(body)-1] == '\n' {
			out, _ := signBody(body, ids, []string{rc})
			b2, s2, err := SplitSeals(out)
			if err != nil || !bytes.Equal(b2, body) || verifySeals("f", b2, s2, ids) != nil {
				t.Fatalf("round trip: %v", err)
			}
		}
	})
}

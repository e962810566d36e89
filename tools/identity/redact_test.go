package identity

import (
	"strings"
	"testing"
)

// TestRedact: every registry term in output text becomes its person id,
// across case and accents; other text is unchanged.
func TestRedact(t *testing.T) {
	sc, err := NewScanner(testRegistry(t))
	if err != nil {
		t.Fatal(err)
	}
	got := sc.Redact(`build: template "errorf": ana pérez has no consent`)
	if strings.Contains(strings.ToLower(got), "pérez") || !strings.Contains(got, "[p-0001]") {
		t.Errorf("Redact = %q", got)
	}
	if plain := "nothing to see at content/a.md:3:1"; sc.Redact(plain) != plain {
		t.Errorf("Redact changed text naming nobody")
	}
}

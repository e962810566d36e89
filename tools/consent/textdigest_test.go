package consent_test

import (
	"strings"
	"testing"

	"storyguard/tools/consent"
	"storyguard/tools/content"
)

func TestNormaliseProse(t *testing.T) {
	for _, tt := range []struct{ a, b string }{
		{"I kept *silent* for years.", "i kept silent for   years."},
		{"Ñandú __grande__\n\nSTRASSE", "ñandú grande strasse"},
		{"Cafe\u0301", "Café"}, // NFD and NFC
	} {
		if x, y := consent.NormaliseProse(tt.a), consent.NormaliseProse(tt.b); x != y {
			t.Errorf("NormaliseProse(%q) = %q, NormaliseProse(%q) = %q: want equal", tt.a, x, tt.b, y)
		}
	}
	if consent.NormaliseProse("I kept silent.") == consent.NormaliseProse("I kept quiet.") {
		t.Error("different words normalise equal")
	}
}

// FuzzTextDigests: any body (outside input) yields well-formed digests
// whose offsets point into the page at the start of a non-blank line.
func FuzzTextDigests(f *testing.F) {
	f.Add("---\ntitle: x\n---\n" + strings.Repeat("word ", 20) + "\n\n\nmore\r\n" + strings.Repeat("ñ*", 50))
	f.Add("---\n---\n")
	f.Fuzz(func(t *testing.T, raw string) {
		p, _ := content.LoadPage("content/x.md", "en", []byte(raw))
		if p == nil || p.Invalid {
			return
		}
		body, paras := consent.TextDigests(p)
		if body != "" && len(body) != 64 {
			t.Fatalf("body digest %q", body)
		}
		for _, d := range paras {
			if len(d.Sum) != 64 || d.Offset < p.BodyOffset || d.Offset >= len(p.Raw) || d.Offset > p.BodyOffset && p.Raw[d.Offset-1] != '\n' {
				t.Fatalf("paragraph %+v in a page of %d bytes, body at %d", d, len(p.Raw), p.BodyOffset)
			}
		}
	})
}

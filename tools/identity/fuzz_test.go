package identity

import (
	"os"
	"testing"
	"unicode/utf8"
)

func FuzzParseRegistry(f *testing.F) {
	seed, _ := os.ReadFile("testdata/registry.yaml")
	f.Add(seed)
	f.Add([]byte("version: 1\n"))
	f.Add([]byte("version: 1\npersons:\n  - {id: p-0001, role: other, names: [X], details: [{kind: phone, value: '+502 1'}]}\n"))
	f.Add([]byte("version: 1\npersons: [&a {id: p-0001}, *a]\n"))
	f.Add([]byte("- [\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		reg, err := ParseRegistry("fuzz.yaml", data)
		if err != nil {
			return
		}
		// A registry that parses builds a scanner and survives a round trip.
		if _, err := NewScanner(reg); err != nil {
			t.Fatalf("valid registry, scanner fails: %v", err)
		}
		out, err := reg.Marshal()
		if err != nil {
			t.Fatal(err)
		}
		if _, err := ParseRegistry("again.yaml", out); err != nil {
			t.Fatalf("round trip: %v\n%s", err, out)
		}
	})
}

func FuzzNormalise(f *testing.F) {
	for _, s := range []string{"Mari**sol** PÉREZ-Ajú", "P&eacute;rez", "%C3%B1", `\u00e9\ud83d\ude00`, "<em>a</em><!--", "Straße", "\xff", "ａｂ"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		n := Normalise(s)
		if !utf8.ValidString(n) {
			t.Fatalf("Normalise(%q) = %q: invalid UTF-8", s, n)
		}
		if Normalise(n) != n {
			t.Fatalf("not idempotent: %q -> %q -> %q", s, n, Normalise(n))
		}
		if len(n) > 0 && (n[0] == ' ' || n[len(n)-1] == ' ') {
			t.Fatalf("Normalise(%q) = %q has outer spaces", s, n)
		}
	})
}

func FuzzScan(f *testing.F) {
	for _, s := range []string{"Qui**ñó**nez", "Qui<em>ñó</em>nez", "P&#233;rez", "Ana Pérez Quiñónez", "/s/Qui%C3%B1%C3%B3nez", `{"a":"P\u00e9rez"}`, "<img alt=\"Mendoza\">", "+502 4410 2233", "Mariana"} {
		f.Add(s, "content/stories/x/index.md")
	}
	s := testScanner(f)
	terms := map[string]map[string]string{}
	for _, p := range s.reg.Persons {
		m := map[string]string{}
		for _, t := range p.terms() {
			k := t.kind
			if kk, ok := kindNames[k]; ok {
				k = kk
			}
			m[k+string(rune('0'+t.index))] = t.folded
		}
		terms[p.ID] = m
	}
	f.Fuzz(func(t *testing.T, data, path string) {
		for _, m := range s.Scan(path, []byte(data)) {
			src := data
			if m.InPath {
				src = path
			}
			if m.Start < 0 || m.End > len(src) || m.Start >= m.End {
				t.Fatalf("match %v out of bounds of %d bytes", m, len(src))
			}
			want := terms[m.PersonID][m.Kind+string(rune('0'+m.Term))]
			got := Normalise(src[m.Start:m.End])
			if m.Kind == "phone" {
				continue // phone variants fold to digits
			}
			if got != want {
				t.Fatalf("match %v: bytes %q fold to %q, term folds to %q", m, src[m.Start:m.End], got, want)
			}
		}
	})
}

package identity

import (
	"os"
	"strings"
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
	for _, s := range []string{"Ana**bel** PÉREZ-Noj", "P&eacute;rez", "%C3%B1", `\u00e9\ud83d\ude00`, "<em>a</em><!--", "Straße", "\xff", "ａｂ"} {
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
	for _, s := range []string{"Qui**ñó**rez", "Qui<em>ñó</em>rez", "P&#233;rez", "Ana Pérez Quiñórez", "/s/Qui%C3%B1%C3%B3rez", `{"a":"P\u00e9rez"}`, "<img alt=\"Mendoza\">", "+502 4410 2233", "Mariana", "M e n d o z a", "by S i c á n.", "P e\u0301 r e z"} {
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
			if m.Kind == "name" || m.Kind == "family_name" {
				// Joined variants: "anaperez" for family name "perez".
				got, want = strings.ReplaceAll(got, " ", ""), strings.ReplaceAll(want, " ", "")
				if strings.HasSuffix(got, want) {
					continue
				}
			}
			if !m.InPath && strings.ReplaceAll(got, " ", "") == strings.ReplaceAll(want, " ", "") && strings.Contains(got, " ") {
				continue // a spaced-out name, "m a r i s o l"
			}
			if got != want {
				t.Fatalf("match %v: bytes %q fold to %q, term folds to %q", m, src[m.Start:m.End], got, want)
			}
		}
	})
}

// FuzzDFA checks the automaton against a naive search: every occurrence of
// every pattern is reported, nothing else.
func FuzzDFA(f *testing.F) {
	f.Add("ab a b", " ab | a | b ")
	f.Add(" aa aa aa ", " aa | aa aa ")
	f.Fuzz(func(t *testing.T, text, pats string) {
		var patterns []string
		seen := map[string]bool{}
		for _, p := range strings.Split(pats, "|") {
			if len(p) > 0 && len(p) < 40 && !seen[p] {
				seen[p] = true
				patterns = append(patterns, p)
			}
		}
		if len(patterns) == 0 || len(text) > 2000 {
			return
		}
		d := buildDFA(patterns)
		got := map[[2]int]bool{}
		state := int32(0)
		for i := 0; i < len(text); i++ {
			state = d.next[int(state)*d.ncls+int(d.classes[text[i]])]
			for _, p := range d.out[state] {
				got[[2]int{int(p), i + 1 - d.plen[p]}] = true
			}
		}
		want := map[[2]int]bool{}
		for id, p := range patterns {
			for i := 0; i+len(p) <= len(text); i++ {
				if text[i:i+len(p)] == p {
					want[[2]int{id, i}] = true
				}
			}
		}
		if len(got) != len(want) {
			t.Fatalf("got %d matches, want %d", len(got), len(want))
		}
		for k := range want {
			if !got[k] {
				t.Fatalf("missed pattern %d at %d", k[0], k[1])
			}
		}
	})
}

func FuzzRecognise(f *testing.F) {
	for _, s := range []string{"+502 5530 1847", "a@b.example", "1234 56789 0101", `14°38'05.6"N`, "3a Avenida 12-45 Zona 1", "123 Main Street", "2024-2026"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		last := -1
		for _, m := range Recognise([]byte(s), []string{"+502 2222 3333"}) {
			if m.Start < 0 || m.End > len(s) || m.Start >= m.End || m.Start < last {
				t.Fatalf("bad match %v in %d bytes", m, len(s))
			}
			last = m.Start
		}
	})
}

package identity

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
)

// benchCorpus returns n invented names (no real person) and about size
// bytes of prose-like text with a name every ~2,000 words, the shape
// bench/identity.sh uses on disk (tools/testgen/scanbench).
func benchCorpus(n, size int) (*Registry, []byte) {
	r := rand.New(rand.NewPCG(1, 2))
	syll := []string{"ba", "cá", "chi", "dó", "e", "fé", "gua", "hu", "ix", "já", "ki", "la", "mé", "ñu", "o", "pa", "qui", "ró", "sa", "tzu", "ú", "vé", "xo", "ya", "zé", "al", "ón", "ez", "aj", "tz"}
	word := func(s []string) string {
		var b strings.Builder
		for k := 2 + r.IntN(3); k > 0; k-- {
			b.WriteString(s[r.IntN(len(s))])
		}
		return b.String()
	}
	reg := &Registry{Version: 1}
	var names []string
	seen := map[string]bool{}
	for len(names) < n {
		parts := make([]string, 1+r.IntN(3))
		for i := range parts {
			parts[i] = word(syll)
		}
		nm := strings.Join(parts, " ")
		if seen[nm] {
			continue
		}
		seen[nm] = true
		names = append(names, nm)
		reg.Persons = append(reg.Persons, Person{ID: fmt.Sprintf("p-%05d", len(names)), Role: "other", GivenNames: []string{nm}})
	}
	prose := strings.Fields("the of and to in a is that for it as was with las de la que el en y los del se por un para con una su al lo como más pero justice 2026 6,486 9.2M 372 <em>report</em> &amp; comunidad niñas")
	filler := []string{"wa", "wén", "wil", "wor", "wu", "wy"}
	var b strings.Builder
	for b.Len() < size {
		switch x := r.IntN(2000); {
		case x == 0:
			b.WriteString(strings.ToUpper(names[r.IntN(len(names))]))
		case x < 300:
			b.WriteString(word(filler))
		default:
			b.WriteString(prose[r.IntN(len(prose))])
		}
		if r.IntN(12) == 0 {
			b.WriteByte('\n')
		} else {
			b.WriteByte(' ')
		}
	}
	return reg, []byte(b.String())
}

// BenchmarkScan scans 4 MB of text against 5,000 terms on one core; MB/s
// is the figure bench/identity.md records.
func BenchmarkScan(b *testing.B) {
	reg, data := benchCorpus(5000, 4<<20)
	s, err := NewScanner(reg)
	if err != nil {
		b.Fatal(err)
	}
	if len(s.Scan("", data)) == 0 {
		b.Fatal("no match in the corpus")
	}
	b.SetBytes(int64(len(data)))
	b.ResetTimer()
	for b.Loop() {
		s.Scan("", data)
	}
}

// BenchmarkNewScanner builds the automaton for 5,000 terms.
func BenchmarkNewScanner(b *testing.B) {
	reg, _ := benchCorpus(5000, 0)
	for b.Loop() {
		if _, err := NewScanner(reg); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkRecognise runs the detail recognisers over 1 MB of prose.
func BenchmarkRecognise(b *testing.B) {
	_, data := benchCorpus(100, 1<<20)
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		Recognise(data, nil)
	}
}

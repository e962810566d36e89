// Command scanbench generates a synthetic corpus for the leak-scanner budget
// and scans it, for bench/identity.sh:
//
//	scanbench gen -terms 5000 -mb 50 -out DIR   # DIR/terms.txt, DIR/text/*.md
//	scanbench scan -terms DIR/terms.txt DIR/text
//
// gen writes invented names (syllables with Spanish diacritics, one to
// three words; no real person) and prose-like text in 1 MB files with a
// name every ~2,000 words. scan builds a Scanner from terms.txt (each term
// a given name of its own person) and scans every file under the folder in
// parallel on all cores, printing the number of matches.
package main

import (
	"bufio"
	"flag"
	"fmt"
	"io/fs"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"

	"storyguard/tools/identity"
)

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: scanbench gen|scan ...")
		os.Exit(2)
	}
	var err error
	switch os.Args[1] {
	case "gen":
		fs := flag.NewFlagSet("gen", flag.ExitOnError)
		n := fs.Int("terms", 5000, "number of terms")
		mb := fs.Int("mb", 50, "megabytes of text")
		out := fs.String("out", "benchdata", "output folder")
		fs.Parse(os.Args[2:])
		err = gen(*n, *mb, *out)
	case "scan":
		fs := flag.NewFlagSet("scan", flag.ExitOnError)
		terms := fs.String("terms", "terms.txt", "terms file")
		fs.Parse(os.Args[2:])
		err = scan(*terms, fs.Arg(0))
	default:
		err = fmt.Errorf("unknown subcommand %q", os.Args[1])
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "scanbench: %v\n", err)
		os.Exit(2)
	}
}

var syll = []string{"ba", "cá", "chi", "dó", "e", "fé", "gua", "hu", "ix", "já", "ki", "la", "mé", "ñu", "o", "pa", "qui", "ró", "sa", "tzu", "ú", "vé", "xo", "ya", "zé", "al", "ón", "ez", "aj", "tz"}

func word(r *rand.Rand) string {
	var b strings.Builder
	for k := 2 + r.IntN(3); k > 0; k-- {
		b.WriteString(syll[r.IntN(len(syll))])
	}
	return b.String()
}

// filler syllables all carry a "w", which no name syllable has, so filler
// words never equal a name.
var filler = []string{"wa", "wén", "wil", "wor", "wu", "wy", "swa", "twé"}

func fillerWord(r *rand.Rand) string {
	var b strings.Builder
	for k := 2 + r.IntN(3); k > 0; k-- {
		b.WriteString(filler[r.IntN(len(filler))])
	}
	return b.String()
}

func name(r *rand.Rand) string {
	parts := make([]string, 1+r.IntN(3))
	for i := range parts {
		w := []rune(word(r))
		parts[i] = strings.ToUpper(string(w[:1])) + string(w[1:])
	}
	return strings.Join(parts, " ")
}

var prose = strings.Fields(`the of and to in a is that for it as was with be by on not he
this are or his from at which but have an they you were her she there been one all we their
has would when if so no more what up out about who them into some could other then its than
las de la que el en y los del se por un para con una su al lo como más pero sus le ya o este
sí porque esta entre cuando muy sin sobre también me hasta hay donde quien desde todo nos
durante todos uno les ni contra otros ese eso ante ellos e esto mí antes algunos qué unos yo
otro otras otra él tanto esa estos mucho quienes nada muchos cual poco ella estar estas
justice survivors community 2026 6,486 9.2M 372 report court advocacy women children
comunidad justicia sobrevivientes informe tribunal niñas mujeres violencia apoyo año`)

func gen(n, mb int, out string) error {
	r := rand.New(rand.NewPCG(1, 2))
	if err := os.MkdirAll(filepath.Join(out, "text"), 0o755); err != nil {
		return err
	}
	seen := map[string]bool{}
	var terms []string
	for len(terms) < n {
		t := name(r)
		if !seen[strings.ToLower(t)] {
			seen[strings.ToLower(t)] = true
			terms = append(terms, t)
		}
	}
	if err := os.WriteFile(filepath.Join(out, "terms.txt"), []byte(strings.Join(terms, "\n")+"\n"), 0o644); err != nil {
		return err
	}
	for f := 0; f < mb; f++ {
		fh, err := os.Create(filepath.Join(out, "text", fmt.Sprintf("page-%03d.md", f)))
		if err != nil {
			return err
		}
		w := bufio.NewWriter(fh)
		size, col := 0, 0
		for size < 1<<20 {
			var s string
			switch x := r.IntN(2000); {
			case x == 0:
				s = terms[r.IntN(len(terms))]
			case x < 300:
				s = fillerWord(r)
			default:
				s = prose[r.IntN(len(prose))]
			}
			w.WriteString(s)
			size += len(s) + 1
			col += len(s) + 1
			if col > 72 {
				w.WriteByte('\n')
				col = 0
			} else {
				w.WriteByte(' ')
			}
		}
		if err := w.Flush(); err != nil {
			return err
		}
		if err := fh.Close(); err != nil {
			return err
		}
	}
	return nil
}

func scan(termsFile, dir string) error {
	data, err := os.ReadFile(termsFile)
	if err != nil {
		return err
	}
	reg := &identity.Registry{Version: 1}
	for i, t := range strings.Split(strings.TrimSpace(string(data)), "\n") {
		reg.Persons = append(reg.Persons, identity.Person{ID: fmt.Sprintf("p-%05d", i+1), Role: "other", GivenNames: []string{t}})
	}
	s, err := identity.NewScanner(reg)
	if err != nil {
		return err
	}
	paths := make(chan string)
	var total atomic.Int64
	var wg sync.WaitGroup
	var firstErr atomic.Value
	for w := 0; w < runtime.GOMAXPROCS(0); w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for p := range paths {
				b, err := os.ReadFile(p)
				if err != nil {
					firstErr.Store(err)
					continue
				}
				ms := s.Scan(p, b)
				if os.Getenv("SCANBENCH_DEBUG") != "" {
					for _, m := range ms[:min(len(ms), 5)] {
						fmt.Fprintf(os.Stderr, "%s %q\n", m, b[m.Start:m.End])
					}
				}
				total.Add(int64(len(ms)))
			}
		}()
	}
	err = filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err == nil && d.Type().IsRegular() {
			paths <- p
		}
		return err
	})
	close(paths)
	wg.Wait()
	if err != nil {
		return err
	}
	if e := firstErr.Load(); e != nil {
		return e.(error)
	}
	fmt.Println(total.Load())
	return nil
}

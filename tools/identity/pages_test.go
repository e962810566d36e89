package identity

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/rogpeppe/go-internal/txtar"
	"storyguard/tools/diag"
)

// TestPages scans each page of testdata/pages/*.txtar (every file but
// "want") and compares the diagnostics, in order, with its "want" file.
func TestPages(t *testing.T) {
	s := testScanner(t)
	files, _ := filepath.Glob("testdata/pages/*.txtar")
	if len(files) == 0 {
		t.Fatal("no fixtures")
	}
	for _, file := range files {
		t.Run(filepath.Base(file), func(t *testing.T) {
			ar, err := txtar.ParseFile(file)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			want := ""
			for _, f := range ar.Files {
				if f.Name == "want" {
					want = strings.TrimSpace(string(f.Data))
					continue
				}
				ms := s.ScanPage(f.Name, f.Data, ScanOptions{})
				ms = append(ms, Recognise(f.Data, nil)...)
				ds := Diagnostics(f.Name, f.Data, ms)
				diag.Sort(ds)
				for _, d := range ds {
					got = append(got, d.String())
				}
			}
			if g := strings.Join(got, "\n"); g != want {
				t.Errorf("got\n%s\nwant\n%s", g, want)
			}
		})
	}
}

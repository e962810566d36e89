package identity

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func testRegistry(t testing.TB) *Registry {
	t.Helper()
	data, err := os.ReadFile("testdata/registry.yaml")
	if err != nil {
		t.Fatal(err)
	}
	reg, err := ParseRegistry("testdata/registry.yaml", data)
	if err != nil {
		t.Fatal(err)
	}
	return reg
}

func testScanner(t testing.TB) *Scanner {
	t.Helper()
	s, err := NewScanner(testRegistry(t))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// found renders matches as "person kind[term]=raw text" for comparison.
func found(data string, ms []Match) []string {
	var out []string
	for _, m := range ms {
		out = append(out, m.PersonID+" "+m.Kind+"="+data[m.Start:m.End])
	}
	return out
}

func TestScanMatches(t *testing.T) {
	s := testScanner(t)
	tests := []struct {
		name string
		data string
		want []string // every match, in order
	}{
		{"exact", "met Pérez today", []string{"p-0001 family_name=Pérez"}},
		{"upper case", "MET PÉREZ TODAY", []string{"p-0001 family_name=PÉREZ"}},
		{"no accents", "met Perez today", []string{"p-0001 family_name=Perez"}},
		{"decomposed accents (NFD)", "met Pe\u0301rez today", []string{"p-0001 family_name=Pe\u0301rez"}},
		{"enye folded", "los Quinorez", []string{"p-0001 family_name=Quinorez"}},
		{"full name across a line break", "by Ana\nPérez  Quiñórez.", []string{
			"p-0001 given_name=Ana", "p-0001 name=Ana\nPérez  Quiñórez", "p-0001 family_name=Pérez", "p-0001 family_name=Quiñórez"}},
		{"no-break space and tab", "Ixchel\u00a0Mendoza\tx", []string{"p-0002 given_name=Ixchel", "p-0002 family_name=Mendoza"}},
		{"hyphen joins family names", "Pérez-Quiñórez", []string{"p-0001 family_name=Pérez", "p-0001 family_name=Quiñórez"}},
		{"hyphen inside a full name", "Ana-Pérez-Quiñórez", []string{
			"p-0001 given_name=Ana", "p-0001 name=Ana-Pérez-Quiñórez", "p-0001 family_name=Pérez", "p-0001 family_name=Quiñórez"}},
		{"strong emphasis splits a name", "Qui**ñó**rez said", []string{"p-0001 family_name=Qui**ñó**rez"}},
		{"emphasis around a name", "_Quiñórez_ and *Mendoza*", []string{"p-0001 family_name=Quiñórez", "p-0002 family_name=Mendoza"}},
		{"strikethrough inside", "Men~~do~~za", []string{"p-0002 family_name=Men~~do~~za"}},
		{"inline HTML tag splits a name", "Qui<em>ñó</em>rez", []string{"p-0001 family_name=Qui<em>ñó</em>rez"}},
		{"span with attributes", `Men<span class="x">doza</span>`, []string{"p-0002 family_name=Men<span class=\"x\">doza"}},
		{"block tag separates", "<p>Baltazar</p><p>Sicán</p>", []string{"p-0003 given_name=Baltazar", "p-0003 name=Baltazar</p><p>Sicán", "p-0003 family_name=Sicán"}},
		{"escaped tag in a feed", "<description>Qui&lt;em&gt;ñó&lt;/em&gt;rez</description>", []string{"p-0001 family_name=Qui&lt;em&gt;ñó&lt;/em&gt;rez"}},
		{"escaped block tag in a feed", "Baltazar&lt;/p&gt;&lt;p&gt;x", []string{"p-0003 given_name=Baltazar"}},
		{"named entity", "P&eacute;rez", []string{"p-0001 family_name=P&eacute;rez"}},
		{"decimal entity", "P&#233;rez", []string{"p-0001 family_name=P&#233;rez"}},
		{"hex entity", "Qui&#xF1;&#xF3;rez", []string{"p-0001 family_name=Qui&#xF1;&#xF3;rez"}},
		{"percent-encoded UTF-8 in a link", "[x](https://e.example/q/Qui%C3%B1%C3%B3rez)", []string{"p-0001 family_name=Qui%C3%B1%C3%B3rez"}},
		{"percent-encoded space", "/s/Ixchel%20Mendoza", []string{"p-0002 given_name=Ixchel", "p-0002 family_name=Mendoza"}},
		{"JSON unicode escape", `{"t":"P\u00e9rez"}`, []string{`p-0001 family_name=P\u00e9rez`}},
		{"JSON newline escape", `"Baltazar\nSic\u00e1n"`, []string{`p-0003 given_name=Baltazar`, `p-0003 name=Baltazar\nSic\u00e1n`, `p-0003 family_name=Sic\u00e1n`}},
		{"alt attribute", `<img src="a.webp" alt="Pérez at home">`, []string{"p-0001 family_name=Pérez"}},
		{"HTML comment", "text <!-- ask Mendoza --> more", []string{"p-0002 family_name=Mendoza"}},
		{"comment joins a word", "Men<!-- x -->doza", []string{"p-0002 family_name=Men<!-- x -->doza"}},
		{"shortcode argument", `{{< media id="m-0101" caption="Ixchel" >}}`, []string{"p-0002 given_name=Ixchel"}},
		{"front matter string", "---\ntitle: \"The Sicán case\"\n---\n", []string{"p-0003 family_name=Sicán"}},
		{"link URL", "[read](https://news.example/baltazar-sican/)", []string{"p-0003 given_name=baltazar", "p-0003 name=baltazar-sican", "p-0003 family_name=sican"}},
		{"autolink", "<https://news.example/mendoza>", []string{"p-0002 family_name=mendoza"}},
		{"nickname", "they called her la güera", []string{"p-0001 nickname=la güera"}},
		{"village detail", "from aldea el ocotal verde", []string{"p-0001 village=aldea el ocotal verde"}},
		{"school detail", "Colegio Mixto\nNueva Luz", []string{"p-0001 school=Colegio Mixto\nNueva Luz"}},
		{"phone as given", "call +502 4410 2233", []string{"p-0001 phone=502 4410 2233"}},
		{"phone local, hyphen", "call 4410-2233", []string{"p-0001 phone=4410-2233"}},
		{"phone digits only", "call +50244102233", []string{"p-0001 phone=50244102233"}},
		{"phone in pairs", "call 44 10 22 33", []string{"p-0001 phone=44 10 22 33"}},
		{"phone with parentheses", "call (502) 4410-2233", []string{"p-0001 phone=502) 4410-2233"}},
		{"phone in another grouping", "44102 233", []string{"p-0001 phone=44102 233"}},
		{"phone with 00 and dots", "call 00502.4410.2233", []string{"p-0001 phone=4410.2233"}},
		{"phone grouped 3-3-2", "call +502 441 022 33", []string{"p-0001 phone=441 022 33"}},
		{"phone with a trunk 0", "call 0 4410 2233.", []string{"p-0001 phone=4410 2233"}},
		{"phone across a line break", "call 4410\n2233", []string{"p-0001 phone=4410\n2233"}},
		{"phone with slashes", "4410/22/33", []string{"p-0001 phone=4410/22/33"}},
		{"phone after a year", "in 2026 4410 2233", []string{"p-0001 phone=4410 2233"}},
		{"email detail", "mail ana.perez@mail.example now", []string{"p-0001 given_name=ana", "p-0001 email=ana.perez@mail.example", "p-0001 family_name=perez"}},
		{"email URL-encoded", "mailto:ana.perez%40mail.example", []string{"p-0001 given_name=ana", "p-0001 email=ana.perez%40mail.example", "p-0001 family_name=perez"}},
		{"public name next to a family name", "Tomasa Mendoza", []string{"p-0002 family_name=Mendoza"}},
		{"two matches, same term", "Sicán, Sicán", []string{"p-0003 family_name=Sicán", "p-0003 family_name=Sicán"}},
		{"apostrophe s", "Mendoza's shop", []string{"p-0002 family_name=Mendoza"}},
		{"soft hyphen and zero-width space", "Men\u00addo\u200bza", []string{"p-0002 family_name=Men\u00addo\u200bza"}},
		{"hashtag of a full name", "#AnaPérezQuiñórez", []string{"p-0001 name=AnaPérezQuiñórez"}},
		{"given and family name glued", "write to anaperez@mail.example", []string{"p-0001 family_name=anaperez"}},
		{"fullwidth letters fold", "ＭＥＮＤＯＺＡ", []string{"p-0002 family_name=ＭＥＮＤＯＺＡ"}},
		{"Cyrillic a in a name", "met M\u0435ndoz\u0430 there", []string{"p-0002 family_name=M\u0435ndoz\u0430"}},
		{"Cyrillic capitals", "\u041C\u0415NDOZ\u0410", []string{"p-0002 family_name=\u041C\u0415NDOZ\u0410"}},
		{"Greek omicron and alpha", "Mend\u03bfz\u03b1.", []string{"p-0002 family_name=Mend\u03bfz\u03b1"}},
		{"Greek capitals", "\u039C\u0395\u039DDOZ\u0391", []string{"p-0002 family_name=\u039C\u0395\u039DDOZ\u0391"}},
		{"Cyrillic with a diacritic", "P\u0450rez", []string{"p-0001 family_name=P\u0450rez"}},
		{"spaced out", "by M e n d o z a.", []string{"p-0002 family_name=M e n d o z a"}},
		{"spaced out, accents and homoglyphs", "(S i c á n)", []string{"p-0003 family_name=S i c á n"}},
		{"spaced out, decomposed accent", "P e\u0301 r e z", []string{"p-0001 family_name=P e\u0301 r e z"}},
		{"spaced out full name glued", "A n a P é r e z", []string{"p-0001 family_name=A n a P é r e z"}},
		{"homoglyph as an entity", "Mendoz&#x430;", []string{"p-0002 family_name=Mendoz&#x430;"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := found(tt.data, s.Scan("", []byte(tt.data)))
			if strings.Join(got, "|") != strings.Join(tt.want, "|") {
				t.Errorf("Scan(%q)\n got %q\nwant %q", tt.data, got, tt.want)
			}
		})
	}
}

func TestScanNonMatches(t *testing.T) {
	s := testScanner(t)
	for _, data := range []string{
		"Mariana went home",             // "Ana" inside a word
		"un análisis de datos",          // "Ana" at the start of a word
		"Anabel and Susana",             // prefix and suffix
		"perezoso",                      // family name as a prefix
		"Mendozas",                      // plural is another word
		"Tomasa told her story",         // the public name she consented to
		"Lupe* spoke first; Lupe again", // a pseudonym is not a leak
		"El Coyote* was convicted",      // a perpetrator's pseudonym
		"AnaMendoza",                    // glued names of two different people
		"4410 22334",                    // phone digits inside a longer number
		"14410 2233",                    // and at the end of a longer group
		"4410 223",                      // too few digits
		"M e n d o",                     // a spaced-out prefix
		"M e n d o z a s",               // a spaced-out longer word
		"Men d o z a",                   // not all single letters
		"M  e  n  d  o  z  a",           // double spaces are not joined
		"a y o a n a",                   // a run joins into one word only
		"A n a",                         // three letters: too short to join
	} {
		if ms := s.Scan("", []byte(data)); len(ms) != 0 {
			t.Errorf("Scan(%q) = %v, want no match", data, ms)
		}
	}
}

func TestScanPath(t *testing.T) {
	s := testScanner(t)
	tests := []struct {
		path string
		want []string
	}{
		{"content/stories/finding-my-voice/index.md", nil},
		{"content/stories/ana-perez/index.md", []string{"p-0001 given_name=ana", "p-0001 family_name=perez"}},
		{"content/stories/x/mendoza_portrait.jpg", []string{"p-0002 family_name=mendoza"}},
		{"public/es/historias/sic%C3%A1n/index.html", []string{"p-0003 family_name=sic%C3%A1n"}},
		{"content/stories/mariana/index.md", nil},
	}
	for _, tt := range tests {
		ms := s.ScanPath(tt.path, ScanOptions{})
		for _, m := range ms {
			if !m.InPath {
				t.Errorf("ScanPath(%q): match without InPath", tt.path)
			}
		}
		if got := found(tt.path, ms); strings.Join(got, "|") != strings.Join(tt.want, "|") {
			t.Errorf("ScanPath(%q)\n got %q\nwant %q", tt.path, got, tt.want)
		}
	}
	// Scan covers the path too, after the data.
	ms := s.Scan("content/stories/mendoza/index.md", []byte("Sicán"))
	if len(ms) != 2 || ms[0].InPath || !ms[1].InPath || ms[1].PersonID != "p-0002" {
		t.Errorf("Scan with a path: %v", ms)
	}
}

func TestScanPublicNames(t *testing.T) {
	s := testScanner(t)
	data := []byte("Tomasa spoke. Tomasa Ixchel Mendoza did not.")
	if got := found(string(data), s.ScanPage("", data, ScanOptions{})); strings.Join(got, "|") != "p-0002 name=Tomasa Ixchel Mendoza|p-0002 given_name=Ixchel|p-0002 family_name=Mendoza" {
		t.Errorf("default: %q", got)
	}
	restricted := s.ScanPage("", data, ScanOptions{RestrictPublicNames: true})
	if got := found(string(data), restricted); len(got) < 1 || got[0] != "p-0002 public_name=Tomasa" {
		t.Errorf("restricted: %q", got)
	}
	allowed := s.ScanPage("", data, ScanOptions{RestrictPublicNames: true, AllowPublicNames: []string{"p-0002"}})
	for _, m := range allowed {
		if m.Kind == "public_name" {
			t.Errorf("allowed public name reported: %v", m)
		}
	}
}

func TestScanAttributeValue(t *testing.T) {
	s := testScanner(t)
	data := `<a href="/s/x" title="Baltazar">x</a>`
	if got := found(data, s.Scan("", []byte(data))); strings.Join(got, "|") != "p-0003 given_name=Baltazar" {
		t.Errorf("got %q", got)
	}
}

func TestNormalise(t *testing.T) {
	tests := []struct{ in, want string }{
		{"Ana**bel** PÉREZ-Noj", "anabel perez noj"},
		{"  Straße  Ærø ", "strasse aero"},
		{"P&eacute;rez &amp; Co", "perez co"},
		{"Qui%C3%B1orez", "quinorez"},
		{"a<b>c</b>d<br>e", "acd e"},
		{"x\u0301y", "xy"},
		{"", ""},
		{"***", ""},
		{"\xff\xfeab", "ab"},
	}
	for _, tt := range tests {
		if got := Normalise(tt.in); got != tt.want {
			t.Errorf("Normalise(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestLineCol(t *testing.T) {
	data := []byte("ab\ncdé\nf")
	for _, tt := range []struct{ off, line, col int }{{0, 1, 1}, {3, 2, 1}, {5, 2, 3}, {9, 3, 2}, {99, 3, 2}} {
		if l, c := LineCol(data, tt.off); l != tt.line || c != tt.col {
			t.Errorf("LineCol(%d) = %d:%d, want %d:%d", tt.off, l, c, tt.line, tt.col)
		}
	}
}

func TestDiagnostics(t *testing.T) {
	s := testScanner(t)
	data := []byte("---\ntitle: x\n---\nMet Mendoza, call 5530-1847.\n")
	ms := append(s.Scan("content/stories/sican/index.md", data), Recognise(data, nil)...)
	ds := Diagnostics("content/stories/sican/index.md", data, ms)
	var got []string
	for _, d := range ds {
		got = append(got, d.String())
		if strings.Contains(d.Message, "Mendoza") || strings.Contains(d.Message, "5530") || strings.Contains(d.Message, "sican") {
			t.Errorf("diagnostic leaks: %s", d.Message)
		}
	}
	want := []string{
		"content/stories/sican/index.md:4:5: error identity-leak: real family_name[0] of p-0002 in public text",
		"content/stories/sican/index.md: error identity-leak: real family_name[0] of p-0003 in the file path (slug or file name)",
		"content/stories/sican/index.md:4:19: warning identifying-detail: possible phone (identifying detail) in public text; remove it or add the organisation's own to allow_contacts",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("got\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// TestScanConcurrent runs one Scanner from many goroutines (go test -race).
func TestScanConcurrent(t *testing.T) {
	s := testScanner(t)
	data := []byte("Ana Pérez Quiñórez met Tomasa Ixchel Mendoza at <em>Sic</em>án's.")
	want := len(s.Scan("", data))
	done := make(chan int)
	for g := 0; g < 8; g++ {
		go func() {
			n := 0
			for i := 0; i < 50; i++ {
				n = len(s.Scan("content/x/index.md", data))
			}
			done <- n
		}()
	}
	for g := 0; g < 8; g++ {
		if n := <-done; n != want {
			t.Errorf("concurrent scan found %d, want %d", n, want)
		}
	}
}

func TestScanTree(t *testing.T) {
	s := testScanner(t)
	root := t.TempDir()
	files := map[string]string{
		"index.html":               "<p>Hello</p>",
		"stories/a/index.html":     "<p>Qui<em>ñó</em>rez</p>",
		"index.xml":                "<description>Men&lt;em&gt;doza&lt;/em&gt;</description>",
		"sitemap.xml":              "<loc>https://e.example/stories/baltazar/</loc>",
		"index.json":               `[{"title":"P\u00e9rez"}]`,
		"media/x/ab.jpg":           "Mendoza in binary is not read",
		"stories/sican/index.html": "<p>clean</p>",
	}
	for name, body := range files {
		p := filepath.Join(root, filepath.FromSlash(name))
		os.MkdirAll(filepath.Dir(p), 0o755)
		os.WriteFile(p, []byte(body), 0o644)
	}
	ds, err := s.ScanTree(context.Background(), root, "public", ScanOptions{}, false, nil)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, d := range ds {
		got = append(got, fmt.Sprintf("%s:%d:%d %s", d.File, d.Line, d.Col, d.Message[:strings.Index(d.Message, " in ")]))
	}
	want := []string{
		"public/index.json:1:12 real family_name[0] of p-0001",
		"public/index.xml:1:14 real family_name[0] of p-0002",
		"public/sitemap.xml:1:32 real given_name[0] of p-0003",
		"public/stories/a/index.html:1:4 real family_name[1] of p-0001",
		"public/stories/sican/index.html:0:0 real family_name[0] of p-0003",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("got\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// TestInlineTagNamesFit: tagBody lowercases a tag name into an 8-byte
// buffer and treats a longer name as not inline.
func TestInlineTagNamesFit(t *testing.T) {
	for name := range inlineTags {
		if len(name) > 8 {
			t.Errorf("inline tag %q is longer than tagBody's name buffer", name)
		}
	}
	if got := Normalise("Ana<EM>bel</EM> <STRONG>Pé</Strong>rez <P>x"); got != "anabel perez x" {
		t.Errorf("Normalise with upper-case tags = %q", got)
	}
}

package desk

import (
	"fmt"
	"io/fs"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"testing"
	"text/template/parse"
	"unicode"

	"storyguard/tools/consent"
)

func TestMessagesSameKeysInEveryLanguage(t *testing.T) {
	m, err := loadMessages()
	if err != nil {
		t.Fatal(err)
	}
	for _, lang := range Languages {
		for _, k := range m.keys() {
			if strings.TrimSpace(m[lang][k]) == "" {
				t.Errorf("messages/%s.json: key %q is empty", lang, k)
			}
		}
	}
}

// templateText returns a template file's text outside actions, with each
// action replaced by \x00, and the message keys it passes to .T.
func templateText(t *testing.T, name string) (text string, keys []string) {
	t.Helper()
	src, err := fs.ReadFile(templateFiles, name)
	if err != nil {
		t.Fatal(err)
	}
	funcs := map[string]any{}
	for _, f := range []string{"has", "under", "staffItem", "staffFields", "eq", "ne", "lt", "le", "gt", "ge", "and", "or", "not", "len", "index", "printf", "print", "slice"} {
		funcs[f] = fmt.Sprint
	}
	trees, err := parse.Parse(name, string(src), "{{", "}}", funcs)
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	var walk func(n parse.Node)
	walk = func(n parse.Node) {
		switch n := n.(type) {
		case *parse.ListNode:
			if n == nil {
				return
			}
			for _, c := range n.Nodes {
				walk(c)
			}
		case *parse.TextNode:
			b.Write(n.Text)
		case *parse.IfNode:
			b.WriteByte(0)
			walk(n.List)
			walk(n.ElseList)
		case *parse.RangeNode:
			b.WriteByte(0)
			walk(n.List)
			walk(n.ElseList)
		case *parse.WithNode:
			b.WriteByte(0)
			walk(n.List)
			walk(n.ElseList)
		default:
			b.WriteByte(0)
		}
	}
	for _, tr := range trees {
		walk(tr.Root)
	}
	for _, m := range regexp.MustCompile(`\.T "([a-z0-9_]+)"`).FindAllStringSubmatch(string(src), -1) {
		keys = append(keys, m[1])
	}
	return b.String(), keys
}

// TestTemplatesTakeEveryWordFromMessages fails on any word written into a
// template rather than taken from the message files: text between tags,
// and the attributes people read (title, aria-label, placeholder, alt).
// It also fails on a key a template uses that the messages lack.
func TestTemplatesTakeEveryWordFromMessages(t *testing.T) {
	m, err := loadMessages()
	if err != nil {
		t.Fatal(err)
	}
	names, _ := fs.Glob(templateFiles, "templates/*.html")
	if len(names) < 8 {
		t.Fatalf("found %d templates", len(names))
	}
	for _, n := range names {
		text, keys := templateText(t, n)
		for _, lit := range literalText(text) {
			t.Errorf("%s: literal text %q; take it from the messages", n, lit)
		}
		for _, k := range keys {
			if _, ok := m[Languages[0]][k]; !ok {
				t.Errorf("%s: message key %q is in no message file", n, k)
			}
		}
	}
	// Keys built in templates with printf: one per value they can take.
	var built []string
	for _, c := range consent.Channels {
		built = append(built, "channel_"+c)
	}
	for _, l := range Languages {
		built = append(built, "language_"+l)
	}
	for _, l := range WithdrawalLevels {
		built = append(built, "stop_level_"+strings.ReplaceAll(l, "-", "_"))
	}
	for _, v := range notices {
		built = append(built, v)
	}
	for _, k := range built {
		if !slices.Contains(m.keys(), k) {
			t.Errorf("message key %q (built from a value) is missing", k)
		}
	}
}

// literalText returns the words of a template's text (actions replaced by
// \x00) that come from no message: text between tags, and the values of
// the attributes people read (title, aria-label, placeholder, alt).
func literalText(text string) []string {
	var out []string
	for _, a := range regexp.MustCompile(`(?i)\s(title|aria-label|placeholder|alt)="([^"]*)"`).FindAllStringSubmatch(text, -1) {
		if strings.IndexFunc(a[2], unicode.IsLetter) >= 0 {
			out = append(out, a[1]+"="+a[2])
		}
	}
	outside := regexp.MustCompile(`<[^<>]*>`).ReplaceAllString(strings.ReplaceAll(text, "<!DOCTYPE html>", ""), " ")
	for _, line := range strings.Split(outside, "\n") {
		if strings.IndexFunc(line, unicode.IsLetter) >= 0 {
			out = append(out, strings.TrimSpace(line))
		}
	}
	return out
}

// TestLiteralTextFindsWords proves the check above can fail.
func TestLiteralTextFindsWords(t *testing.T) {
	for _, c := range []struct {
		text string
		want int
	}{
		{"<p>\x00</p>", 0},
		{"<p>Hello \x00</p>", 1},
		{`<a href="/x" aria-label="Close">` + "\x00</a>", 1},
		{`<input name="title" value="yes"` + "\x00>", 0},
		{"<div\x00 class=\"x\">\n\x00 · \x00</div>", 0},
	} {
		if got := literalText(c.text); len(got) != c.want {
			t.Errorf("literalText(%q) = %q, want %d", c.text, got, c.want)
		}
	}
}

func FuzzPickLanguage(f *testing.F) {
	f.Add("es-GT,es;q=0.9,en;q=0.8", "")
	f.Add("", "fr")
	f.Fuzz(func(t *testing.T, accept, cookie string) {
		r, _ := http.NewRequest("GET", "/", nil)
		r.Header.Set("Accept-Language", accept)
		if cookie != "" {
			r.AddCookie(&http.Cookie{Name: langCookie, Value: cookie})
		}
		if got := pickLanguage(r); !slices.Contains(Languages, got) {
			t.Fatalf("pickLanguage = %q, not a desk language", got)
		}
	})
}

func TestPickLanguage(t *testing.T) {
	for accept, want := range map[string]string{"es-GT,es;q=0.9": "es", "fr, es;q=0.5": "es", "de": "en", "": "en", "EN-us": "en"} {
		r, _ := http.NewRequest("GET", "/", nil)
		r.Header.Set("Accept-Language", accept)
		if got := pickLanguage(r); got != want {
			t.Errorf("Accept-Language %q: %s, want %s", accept, got, want)
		}
	}
}

// TestCodeLifetimeInWords: the enrolment code's lifetime is said in plain
// words ("48 hours", never "48h0m0s"), and every message that promises it
// says the same as CodeLifetime.
func TestCodeLifetimeInWords(t *testing.T) {
	m, err := loadMessages()
	if err != nil {
		t.Fatal(err)
	}
	for lang, want := range map[string]string{"en": "48 hours", "es": "48 horas"} {
		got, err := CodeLifetimeText(lang)
		if err != nil || got != want {
			t.Errorf("CodeLifetimeText(%s) = %q, %v, want %q", lang, got, err, want)
		}
		for _, key := range []string{"enrol_code_bad", "account_code_once"} {
			if !strings.Contains(m.text(lang, key), got) {
				t.Errorf("%s %s does not say the code's lifetime, %q", lang, key, got)
			}
		}
	}
	if got, _ := CodeLifetimeText("fr"); got != "48 hours" {
		t.Errorf("a language the desk does not have: %q, want the default language's words", got)
	}
}

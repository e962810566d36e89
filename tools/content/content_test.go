package content

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gohugoio/hugo/parser/metadecoders"
)

const storyYAML = `---
title: "Finding my voice"
description: "One sentence."
date: 2026-04-02
draft: false
expiryDate: 2029-03-01          # must equal consent.expires
story_id: st-7q2k9m
storyteller:
  display_name: "Lucía*"
  name_kind: pseudonym
  person: p-0001
  preferred_term: survivor leader
consent:
  record: cr-2026-0011
  status: given                 # comment
  given: 2026-03-02
  expires: 2029-03-01
  withdrawn: ""
  channels: [website, newsletter]
  languages: [en, es]
  identifiers: {name: false, face: false, voice: false, location: country}
  search_engines: true
  minor: false
  guardian_record: ""
review:
  approved: 2026-04-01
  approved_sha256: "x"
content_warnings: [sexual violence, court proceedings]
media:
  - id: m-0101
    alt: "Text alternative"
    caption: "Caption"
    depicts: []
    face_visible: false
  - id: m-0102
    alt: "Two"
---
Body text.
`

func TestFieldPositions(t *testing.T) {
	for _, eol := range []string{"\n", "\r\n"} {
		for _, bom := range []string{"", "\ufeff"} {
			raw := bom + strings.ReplaceAll(storyYAML, "\n", eol)
			p, ds := LoadPage("content/stories/a/index.md", "en", []byte(raw))
			if len(ds) > 0 {
				t.Fatalf("diagnostics: %v", ds)
			}
			tests := []struct {
				path      string
				line, col int
			}{
				{"title", 2, 1},
				{"consent.status", 15, 3},
				{"consent.expires", 17, 3},
				{"consent.channels[1]", 19, 23},
				{"consent.identifiers.location", 21, 57},
				{"media[0].alt", 31, 5},
				{"media[1].id", 35, 5},
				{"media[1].alt", 36, 5},
				{"review.approved_sha256", 27, 3},
				{"consent.nothing", 13, 1},
			}
			for _, tt := range tests {
				l, c := p.FieldPosition(tt.path)
				if bom != "" && l == 1 {
					c--
				}
				if l != tt.line || c != tt.col {
					t.Errorf("eol %q bom %q: %s at %d:%d, want %d:%d", eol, bom, tt.path, l, c, tt.line, tt.col)
				}
			}
			if got := strings.TrimSpace(string(p.Body())); got != "Body text." {
				t.Errorf("body %q", got)
			}
			if v, _ := p.Get("consent.identifiers.location"); v != "country" {
				t.Errorf("get location = %v", v)
			}
		}
	}
}

func TestSetFieldsKeepsEverythingElse(t *testing.T) {
	p, _ := LoadPage("content/stories/a/index.md", "en", []byte(storyYAML))
	out, err := SetFields(p, []Assignment{{"review.approved", time.Date(2026, 11, 29, 0, 0, 0, 0, time.UTC)}, {"review.approved_sha256", "abc"}})
	if err != nil {
		t.Fatal(err)
	}
	want := strings.Replace(storyYAML, "approved: 2026-04-01", "approved: 2026-11-29", 1)
	want = strings.Replace(want, `approved_sha256: "x"`, `approved_sha256: "abc"`, 1)
	if string(out) != want {
		t.Errorf("got\n%s\nwant\n%s", out, want)
	}
	// Missing review table: appended at the end of the front matter.
	noReview := strings.Replace(storyYAML, "review:\n  approved: 2026-04-01\n  approved_sha256: \"x\"\n", "", 1)
	p, _ = LoadPage("content/stories/a/index.md", "en", []byte(noReview))
	out, err = SetFields(p, []Assignment{{"review.approved", time.Date(2026, 11, 29, 0, 0, 0, 0, time.UTC)}, {"review.approved_sha256", "abc"}})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(out), "    face_visible: false\n  - id: m-0102\n    alt: \"Two\"\nreview:\n  approved: 2026-11-29\n  approved_sha256: \"abc\"\n---\n") {
		t.Errorf("got\n%s", out)
	}
}

func TestSetFieldsTOMLAndJSON(t *testing.T) {
	cases := []struct{ name, in, want string }{
		{"toml-existing", "+++\ntitle = \"x\" # c\n[review]\napproved = 2026-01-01\napproved_sha256 = \"\"\n+++\nbody\n",
			"+++\ntitle = \"x\" # c\n[review]\napproved = 2026-11-29\napproved_sha256 = \"abc\"\n+++\nbody\n"},
		{"toml-missing", "+++\ntitle = \"x\"\n+++\nbody\n",
			"+++\ntitle = \"x\"\n\n[review]\napproved = 2026-11-29\napproved_sha256 = \"abc\"\n+++\nbody\n"},
		{"json-existing", "{\n  \"title\": \"x\",\n  \"review\": {\"approved\": \"2026-01-01\", \"approved_sha256\": \"\"}\n}\nbody\n",
			"{\n  \"title\": \"x\",\n  \"review\": {\"approved\": \"2026-11-29\", \"approved_sha256\": \"abc\"}\n}\nbody\n"},
	}
	for _, c := range cases {
		p, ds := LoadPage("content/a.md", "en", []byte(c.in))
		if len(ds) > 0 {
			t.Fatalf("%s: %v", c.name, ds)
		}
		out, err := SetFields(p, []Assignment{{"review.approved", time.Date(2026, 11, 29, 0, 0, 0, 0, time.UTC)}, {"review.approved_sha256", "abc"}})
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		if string(out) != c.want {
			t.Errorf("%s: got\n%s\nwant\n%s", c.name, out, c.want)
		}
	}
}

func TestLoadPageBadInput(t *testing.T) {
	cases := []struct {
		name, in, rule, msg string
		line                int
	}{
		{"unterminated", "---\ntitle: x\n", RuleSyntax, "unterminated front matter: no closing ---", 1},
		{"duplicate-yaml", "---\ntitle: x\ntitle: y\n---\n", RuleSyntax, `mapping key "title" already defined`, 3},
		{"duplicate-json", "{\"title\": \"x\", \"Title\": \"y\"}\n", RuleSyntax, `duplicate key "title"`, 1},
		{"duplicate-yaml-case", "---\ntitle: x\nconsent:\n  status: given\n  Status: withdrawn\n---\n", RuleSyntax, `duplicate key "consent.status"`, 5},
		{"duplicate-toml-case", "+++\ntitle = 'x'\nTitle = 'y'\n+++\n", RuleSyntax, `duplicate key "title"`, 3},
		{"duplicate-toml", "+++\ntitle = 'x'\ntitle = 'y'\n+++\n", RuleSyntax, "already defined", 3},
		{"not-utf8", "---\ntitle: \xff\n---\n", RuleEncoding, "not UTF-8", 2},
		{"empty", "", RuleEmpty, "empty", 1},
		{"blank", " \n\n", RuleEmpty, "empty", 1},
		{"too-large", "---\ntitle: x\n---\n" + strings.Repeat("a", 20<<20), RuleTooLarge, "more than", 0},
	}
	for _, c := range cases {
		p, ds := LoadPage("content/a.md", "en", []byte(c.in))
		if len(ds) != 1 || ds[0].Rule != c.rule || !strings.Contains(ds[0].Message, c.msg) || ds[0].Line != c.line {
			t.Errorf("%s: got %v, want one %s at line %d containing %q", c.name, ds, c.rule, c.line, c.msg)
		}
		if !p.Invalid {
			t.Errorf("%s: page not marked invalid", c.name)
		}
	}
}

func FuzzLoadPage(f *testing.F) {
	f.Add([]byte(storyYAML))
	f.Add([]byte("+++\ntitle = 'x'\n[review]\napproved = 2026-01-01\n+++\nbody {{< media id=\"m-1\" >}}"))
	f.Add([]byte("{\"title\": \"x\", \"media\": [{\"id\": \"m-01\"}]}\n![a](b.jpg)"))
	f.Add([]byte("\ufeff---\r\ntitle: x\r\n---\r\n<img src=x.png>"))
	f.Add([]byte("---\nconsent:\n  - a\n  -\n - b: [1, {c: d}]\n---\n"))
	f.Add([]byte("---\ntitle: a\nchannels: [website, {x: \"[\"\nlanguages: [en]\n---\n"))
	f.Add([]byte("---\na:\n  b: 1\n   c: 2 # [\n---\n"))
	f.Add([]byte("---\nconsent: {status: given, Status: pending, media: [{id: a, ID: b}]}\n---\n"))
	f.Add([]byte("{\n\"a\": 1,\n\"b\" 2\n}\n"))
	f.Fuzz(func(t *testing.T, raw []byte) {
		p, _ := LoadPage("content/stories/x/index.md", "en", raw)
		for path := range p.fields {
			off := p.FieldOffset(path)
			if off < 0 || off > len(p.Raw) {
				t.Fatalf("field %s offset %d out of range", path, off)
			}
			f := p.fields[path]
			if f.Value > f.ValueEnd || f.ValueEnd > len(p.Raw) {
				t.Fatalf("field %s value %d..%d out of range", path, f.Value, f.ValueEnd)
			}
		}
		if !p.Invalid && p.Format != "" {
			_, _ = SetFields(p, []Assignment{{"review.approved_sha256", "abc"}})
		}
	})
}

func TestLoadSiteSymlinksAndSize(t *testing.T) {
	dir := t.TempDir()
	outside := t.TempDir()
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(os.WriteFile(filepath.Join(dir, "config.toml"), []byte("[languages.en]\n[languages.es]\n"), 0o644))
	must(os.MkdirAll(filepath.Join(dir, "content", "stories", "a"), 0o755))
	must(os.WriteFile(filepath.Join(outside, "secret.md"), []byte("---\ntitle: x\n---\n"), 0o644))
	must(os.WriteFile(filepath.Join(dir, "content", "inside.md"), []byte("---\ntitle: x\n---\n"), 0o644))
	must(os.Symlink(filepath.Join(outside, "secret.md"), filepath.Join(dir, "content", "stories", "a", "index.md")))
	must(os.Symlink(filepath.Join(dir, "content", "inside.md"), filepath.Join(dir, "content", "link.md")))
	must(os.Symlink(filepath.Join(dir, "nowhere"), filepath.Join(dir, "content", "dangling.md")))
	big := append([]byte("---\ntitle: x\n---\n"), bytes.Repeat([]byte("a"), 20<<20)...)
	must(os.WriteFile(filepath.Join(dir, "content", "big.md"), big, 0o644))
	s, err := LoadSite(dir)
	must(err)
	var got []string
	for _, d := range s.Diagnostics {
		got = append(got, d.File+" "+d.Rule)
	}
	want := []string{"content/big.md content-too-large", "content/dangling.md content-symlink", "content/stories/a/index.md content-symlink"}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("got\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if len(s.Pages) != 2 || s.Pages[0].Path != "content/big.md" || !s.Pages[0].Invalid || s.Pages[1].Path != "content/inside.md" {
		t.Errorf("pages %v", s.Pages)
	}
	if strings.Join(s.Languages, ",") != "en,es" || s.DefaultLanguage != "en" {
		t.Errorf("languages %v default %s", s.Languages, s.DefaultLanguage)
	}
}

// TestFrontMatterErrorPosition asserts the exact line and column of front
// matter that does not decode: the place a writer must fix, in the file
// (front-matter delimiter, BOM and CRLF included), not where the decoder
// happened to notice it.
func TestFrontMatterErrorPosition(t *testing.T) {
	cases := []struct {
		name, in  string
		line, col int
	}{
		// An unclosed flow list or mapping is noticed at the next key: the
		// fault is the "[" or "{" left open.
		{"flow-list-open", "---\ntitle: a\nchannels: [website\nlanguages: [en]\n---\n", 3, 11},
		{"flow-map-open", "---\ntitle: a\nidentifiers: {name: false\nsearch_engines: true\n---\n", 3, 14},
		{"flow-list-open-at-end", "---\ntitle: a\nb: [1, 2\n---\nbody\n", 3, 4},
		{"nested-flow-open", "---\nconsent:\n  status: given\n  channels: [website\n  languages: [en]\n---\n", 4, 13},
		{"flow-open-after-closed", "---\na: [x]\nb: \"[not a list\"\nc: {d: [1, 2]\ne: 1\n---\n", 4, 4},
		// A key indented under a scalar: the fault is its ":".
		{"over-indented-key", "---\ntitle: a\nb: 1\n  c: 3\n---\n", 4, 4},
		{"over-indented-nested", "---\na:\n  b: 1\n   c: 2\n---\n", 4, 5},
		// Positions that were right stay right.
		{"missing-colon", "---\ntitle: a\ndescription b\nstatus: c\n---\n", 3, 1},
		{"open-quote", "---\ntitle: \"a\nx: 1\n---\n", 2, 8},
		{"tab", "---\na: 1\n\tb: 2\n---\n", 3, 1},
		{"unknown-alias", "---\na: 1\nb: *nope\n---\n", 3, 5},
		{"duplicate", "---\na: 1\na: 2\n---\n", 3, 1},
		{"after-comment-and-blank", "---\n# comment\n\ntitle: a\nb: [1\nc: 2\n---\n", 5, 4},
		// The decoder counts columns in characters; diagnostics in bytes
		// (Page.Position): the x is the 17th byte of its line.
		{"accented-line", "---\ntitle: \"Lucía\" x\n---\n", 2, 17},
		{"bom-crlf", "\ufeff---\r\na: 1\r\nb: [x\r\nc: 2\r\n---\r\n", 3, 4},
		{"leading-blank-lines", "\n\n---\na: 1\nb: [\nc: 2\n---\n", 5, 4},
		// TOML and JSON errors carry their own positions.
		{"toml-table", "+++\ntitle = \"x\"\n[review\n+++\n", 3, 8},
		{"json-missing-value", "{\n\"a\": 1,\n\"b\": \n}\n", 4, 1},
		{"json-missing-colon", "{\n\"a\": 1,\n\"b\" 2\n}\n", 3, 5},
	}
	for _, c := range cases {
		_, ds := LoadPage("content/a.md", "en", []byte(c.in))
		if len(ds) != 1 || ds[0].Rule != RuleSyntax {
			t.Errorf("%s: got %v, want one %s", c.name, ds, RuleSyntax)
			continue
		}
		if ds[0].Line != c.line || ds[0].Col != c.col {
			t.Errorf("%s: at %d:%d, want %d:%d (%s)", c.name, ds[0].Line, ds[0].Col, c.line, c.col, ds[0].Message)
		}
	}
}

// FuzzRefuseConfig feeds refuseConfig any TOML configuration: it must never
// panic, and every finding names a line inside the file.
func FuzzRefuseConfig(f *testing.F) {
	f.Add([]byte("[languages.en]\n[languages.en.cascade]\n  description = 'x'\n[frontmatter]\n  expiryDate = ['x']\n"))
	f.Add([]byte("[[cascade]]\n[cascade.params]\nconsent = {search_engines = true}\n[cascade._target]\npath = '/stories/**'\n"))
	f.Add([]byte("Cascade = {title = 'x'}\n[Languages.ES.CASCADE]\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		m, err := metadecoders.Default.UnmarshalToMap(data, metadecoders.TOML)
		if err != nil {
			return
		}
		s := &Site{}
		s.refuseConfig("config.toml", data, m)
		lines := bytes.Count(data, []byte("\n")) + 1
		for _, d := range s.Diagnostics {
			if d.Rule != RuleRefused || d.Line < 1 || d.Line > lines {
				t.Fatalf("bad finding %v for %q", d, data)
			}
		}
	})
}

// TestLoadSiteTaxonomies: the declared taxonomies' plural names, sorted;
// Hugo's defaults when config.toml declares none; an error for a plural
// name that is not text.
func TestLoadSiteTaxonomies(t *testing.T) {
	for _, tc := range []struct{ config, want, err string }{
		{"[taxonomies]\n  country = 'countries'\n  theme = 'Themes'\n", "countries,themes", ""},
		{"title = 'x'\n", "categories,tags", ""},
		{"[taxonomies]\n", "", ""},
		{"[taxonomies]\n  country = 3\n", "", "field taxonomies.country"},
	} {
		dir := t.TempDir()
		if err := os.WriteFile(filepath.Join(dir, "config.toml"), []byte(tc.config), 0o644); err != nil {
			t.Fatal(err)
		}
		os.MkdirAll(filepath.Join(dir, "content"), 0o755)
		s, err := LoadSite(dir)
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("%q: err %v, want %q", tc.config, err, tc.err)
			}
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
		if got := strings.Join(s.Taxonomies, ","); got != tc.want {
			t.Errorf("%q: taxonomies %q, want %q", tc.config, got, tc.want)
		}
	}
}

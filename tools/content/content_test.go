package content

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
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

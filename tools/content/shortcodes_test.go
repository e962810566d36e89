package content

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestEmbeddedShortcodes compares EmbeddedShortcodes with the templates
// of the Hugo module this build uses: the same names, and the same Inner
// as templateEvaluatesInner reads from each template.
func TestEmbeddedShortcodes(t *testing.T) {
	out, err := exec.Command("go", "list", "-m", "-f", "{{.Dir}}", "github.com/gohugoio/hugo").Output()
	if err != nil {
		t.Fatalf("locate the Hugo module: %v", err)
	}
	dir := filepath.Join(strings.TrimSpace(string(out)), "tpl", "tplimpl", "embedded", "templates", "_shortcodes")
	files, err := filepath.Glob(filepath.Join(dir, "*.html"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no embedded shortcodes in %s: %v", dir, err)
	}
	want := map[string]bool{"tweet": false} // alias of twitter (tplimpl embeddedTemplatesAliases)
	for _, f := range files {
		name := strings.TrimSuffix(filepath.Base(f), ".html")
		if strings.HasPrefix(name, "1__h_") {
			continue // internal helper, not a shortcode for content
		}
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		inner, err := templateEvaluatesInner(string(src))
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		want[name] = inner
	}
	for name, inner := range want {
		got, ok := EmbeddedShortcodes[name]
		if !ok {
			t.Errorf("Hugo embeds shortcode %q, missing from EmbeddedShortcodes", name)
		} else if got.Inner != inner || got.Ambiguous {
			t.Errorf("EmbeddedShortcodes[%q] = %+v, want Inner %v", name, got, inner)
		}
	}
	for name := range EmbeddedShortcodes {
		if _, ok := want[name]; !ok {
			t.Errorf("EmbeddedShortcodes has %q, which Hugo does not embed", name)
		}
	}
}

func TestTemplateEvaluatesInner(t *testing.T) {
	for src, want := range map[string]bool{
		`{{ .Inner }}`:                                           true,
		`{{ $.InnerDeindent | markdownify }}`:                    true,
		`{{ with .Get 0 }}{{ $.Inner }}{{ end }}`:                true,
		`{{ printf "%s" (.Inner) }}`:                             true,
		`{{/* .Inner */}}<b>{{ .Get 0 }}</b>`:                    false,
		`{{ define "x" }}{{ .Inner }}{{ end }}`:                  true,
		`<p>.Inner is a word here</p>{{ .Get 0 }}`:               false,
		`{{ if .IsNamedParams }}{{ else }}{{ .Inner }}{{ end }}`: true,
	} {
		got, err := templateEvaluatesInner(src)
		if err != nil || got != want {
			t.Errorf("templateEvaluatesInner(%q) = %v, %v; want %v", src, got, err, want)
		}
	}
	if _, err := templateEvaluatesInner(`{{ .Inner `); err == nil {
		t.Error("an unclosed action parsed")
	}
}

// TestFindShortcodes: the project's and the themes' folders, both layouts,
// nested names, and templates of one name that disagree on .Inner.
func TestFindShortcodes(t *testing.T) {
	root := t.TempDir()
	for name, src := range map[string]string{
		"layouts/_shortcodes/aside.html":          "{{ .Inner }}",
		"layouts/shortcodes/box/Note.en.html":     "{{ .Get 0 }}",
		"layouts/_shortcodes/mixed.en.html":       "{{ .Inner }}",
		"layouts/_shortcodes/mixed.es.html":       "{{ .Get 0 }}",
		"layouts/_shortcodes/broken.html":         "{{ .Inner ",
		"layouts/_shortcodes/figure.html":         "{{ .Inner }}",
		"layouts/_shortcodes/both.html":           "{{ .Get 0 }}",
		"themes/t/layouts/_shortcodes/both.html":  "{{ .Inner }}",
		"themes/t/layouts/_shortcodes/media.html": "{{ .Get \"id\" }}",
		"themes/u/layouts/_shortcodes/other.html": "x",
	} {
		p := filepath.Join(root, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	got, err := FindShortcodes(root, "themes", []string{"t"})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]ShortcodeTemplate{
		"aside":    {Inner: true, Own: true},
		"box/note": {Own: true},
		"mixed":    {Inner: true, Ambiguous: true, Own: true},
		"broken":   {Ambiguous: true, Own: true},
		"figure":   {Inner: true, Ambiguous: true, Own: true}, // overrides Hugo's own
		"both":     {Ambiguous: true, Own: true},
		"media":    {Own: true},
		"details":  {Inner: true}, // Hugo's own only
	}
	for name, w := range want {
		if g, ok := got[name]; !ok || g != w {
			t.Errorf("%s: got %+v (found %v), want %+v", name, g, ok, w)
		}
	}
	if _, ok := got["other"]; ok {
		t.Error("a theme the site does not use was read")
	}
}

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

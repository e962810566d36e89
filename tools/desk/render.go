package desk

import (
	"bytes"
	"embed"
	"html/template"
	"io/fs"
	"net/http"
	"path"
	"slices"
	"strings"
)

//go:embed templates/*.html
var templateFiles embed.FS

//go:embed assets
var assetFiles embed.FS

// pageTemplates maps a page name ("signin") to its template: layout.html
// with templates/<name>.html defining "content".
type pageTemplates map[string]*template.Template

func parsePages() (pageTemplates, error) {
	names, err := fs.Glob(templateFiles, "templates/*.html")
	if err != nil {
		return nil, err
	}
	out := pageTemplates{}
	// part_*.html define templates shared by pages; they are no page.
	parts, err := fs.Glob(templateFiles, "templates/part_*.html")
	if err != nil {
		return nil, err
	}
	for _, n := range names {
		base := strings.TrimSuffix(path.Base(n), ".html")
		if base == "layout" || strings.HasPrefix(base, "part_") {
			continue
		}
		t, err := template.New("layout.html").Funcs(templateFuncs).ParseFS(templateFiles, append([]string{"templates/layout.html", n}, parts...)...)
		if err != nil {
			return nil, err
		}
		out[base] = t
	}
	return out, nil
}

// templateFuncs are the helpers templates may call besides the view's
// methods; none of them produces words.
var templateFuncs = template.FuncMap{
	"has":   func(l []string, s string) bool { return slices.Contains(l, s) },
	"under": func(s string) string { return strings.ReplaceAll(s, "-", "_") },
	// staffItem pairs the page's view with one item, for a sub-template
	// that needs both (staff_*.html).
	"staffItem": func(v *view, it any) staffItemView { return staffItemView{V: v, I: it} },
	// staffFields lists field names, for a form that repeats one shape.
	"staffFields": func(names ...string) []string { return names },
}

// view is what every template gets.
type view struct {
	Lang      string
	Path      string // the request path, for the language switch's return
	Account   *Account
	Errors    map[string]string // field name -> message key
	Notice    string            // message key of a notice at the top
	NoticeArg string            // a value shown after the notice (a time, a fingerprint): never her input
	IdleSecs  int               // seconds of idle time left; 0 when not signed in
	WarnSecs  int
	QuickExit string
	Data      any

	msgs messages
}

// T returns the message key in the page's language.
func (v *view) T(key string) string { return v.msgs.text(v.Lang, key) }

// Err returns the message key of field's error, "" when none.
func (v *view) Err(field string) string { return v.Errors[field] }

// render writes page with v and status, with the safety headers.
func (s *Server) render(w http.ResponseWriter, r *http.Request, status int, page string, v *view) {
	v.msgs = s.msgs
	v.QuickExit = s.cfg.QuickExitURL
	if v.Path == "" {
		v.Path = r.URL.Path
	}
	if v.Account != nil && !v.Account.Enrolling {
		v.IdleSecs = int(s.cfg.IdleTimeout.Seconds())
		v.WarnSecs = int(min(idleWarning, s.cfg.IdleTimeout/2).Seconds())
	}
	t := s.pages[page]
	var buf bytes.Buffer
	if t == nil || t.Execute(&buf, v) != nil {
		s.logf("render %s: template failed", page)
		http.Error(w, http.StatusText(http.StatusInternalServerError), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Content-Language", v.Lang)
	w.WriteHeader(status)
	w.Write(buf.Bytes())
}

package site

import (
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"html"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"

	"github.com/rogpeppe/go-internal/txtar"
)

var (
	builtOnce sync.Once
	builtDir  string
	builtErr  error
)

// builtSite builds the repository's site once per test binary (fixture media,
// default quick-exit URL) and returns the output folder.
func builtSite(t *testing.T) string {
	t.Helper()
	builtOnce.Do(func() {
		src := stage(t, nil, nil)
		dir, err := os.MkdirTemp("", "storyguard-site-*")
		if err != nil {
			builtErr = err
			return
		}
		builtDir = filepath.Join(dir, "public")
		builtErr = Build(context.Background(), BuildOptions{Source: src, Destination: builtDir, BaseURL: "http://127.0.0.1/"})
	})
	if builtErr != nil {
		t.Fatal(builtErr)
	}
	return builtDir
}

func TestMain(m *testing.M) {
	code := m.Run()
	if builtDir != "" {
		os.RemoveAll(filepath.Dir(builtDir))
	}
	os.Exit(code)
}

func readOut(t *testing.T, dir, rel string) string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(rel)))
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}

func TestBuildPages(t *testing.T) {
	out := builtSite(t)
	for _, p := range []string{
		"index.html", "es/index.html",
		"stories/index.html", "es/stories/index.html",
		"stories/finding-my-voice/index.html", "es/stories/finding-my-voice/index.html",
		"stories/from-survivor-to-advocate/index.html", "es/stories/from-survivor-to-advocate/index.html",
		"stories/a-safer-walk-to-school/index.html", "es/stories/a-safer-walk-to-school/index.html",
		"advocacy/guatemala-field-visit/index.html", "es/advocacy/guatemala-field-visit/index.html",
		"advocacy/northern-triangle-hub/index.html", "es/advocacy/northern-triangle-hub/index.html",
		"partners/amg/index.html", "es/partners/svet/index.html", "about/index.html", "es/about/index.html",
		"countries/guatemala/index.html", "es/themes/justicia/index.html",
		"_headers", "robots.txt", "sitemap.xml",
	} {
		if _, err := os.Stat(filepath.Join(out, filepath.FromSlash(p))); err != nil {
			t.Errorf("missing page: %v", err)
		}
	}
}

// walkOut calls fn for every file in the built site.
func walkOut(t *testing.T, out string, fn func(rel, body string)) {
	t.Helper()
	err := filepath.WalkDir(out, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(out, p)
		fn(filepath.ToSlash(rel), string(data))
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestPendingDraftStoryNeverBuilt(t *testing.T) {
	out := builtSite(t)
	walkOut(t, out, func(rel, body string) {
		for _, s := range []string{"waiting-for-the-verdict", "st-5c1r8t", "Marta", "cr-2026-0041"} {
			if strings.Contains(rel, s) || strings.Contains(body, s) {
				t.Errorf("%s mentions %q of the pending draft story", rel, s)
			}
		}
	})
}

func TestNoIndexStoryLeftOutOfFeedsAndSitemaps(t *testing.T) {
	out := builtSite(t)
	const slug = "a-safer-walk-to-school"
	noindex := `<meta name="robots" content="noindex">`
	for _, p := range []string{"stories/" + slug + "/index.html", "es/stories/" + slug + "/index.html"} {
		if !strings.Contains(readOut(t, out, p), noindex) {
			t.Errorf("%s: no %s", p, noindex)
		}
	}
	// Term pages that list only that story would name it: they are noindex
	// and left out of the sitemaps too.
	for _, p := range []string{"themes/young-people/index.html", "es/themes/juventud/index.html"} {
		if !strings.Contains(readOut(t, out, p), noindex) {
			t.Errorf("%s: no %s", p, noindex)
		}
	}
	for _, p := range []string{"en/sitemap.xml", "es/sitemap.xml"} {
		if body := readOut(t, out, p); strings.Contains(body, "young-people") || strings.Contains(body, "juventud") {
			t.Errorf("%s lists a term page that names only the noindex story", p)
		}
	}
	for _, p := range []string{"stories/finding-my-voice/index.html", "index.html", "advocacy/guatemala-field-visit/index.html", "themes/justice/index.html"} {
		if strings.Contains(readOut(t, out, p), noindex) {
			t.Errorf("%s: unexpected noindex", p)
		}
	}
	feeds := 0
	walkOut(t, out, func(rel, body string) {
		if !strings.HasSuffix(rel, ".xml") {
			return
		}
		feeds++
		if strings.Contains(body, slug) || strings.Contains(body, "Daniela") {
			t.Errorf("%s lists the story whose consent says no search engines", rel)
		}
	})
	// The same feeds do list a story that allows search engines.
	for _, p := range []string{"index.xml", "stories/index.xml", "en/sitemap.xml", "es/sitemap.xml", "es/stories/index.xml"} {
		if !strings.Contains(readOut(t, out, p), "finding-my-voice") {
			t.Errorf("%s does not list finding-my-voice", p)
		}
	}
	if feeds < 10 {
		t.Errorf("only %d XML files checked", feeds)
	}
}

func TestStoryPage(t *testing.T) {
	out := builtSite(t)
	for _, tc := range []struct {
		page, byline, note string
		noNote             bool
	}{
		{page: "stories/finding-my-voice/index.html", byline: "Lucía*", note: "*A pseudonym"},
		{page: "es/stories/finding-my-voice/index.html", byline: "Lucía*", note: "*Seudónimo"},
		{page: "stories/a-safer-walk-to-school/index.html", byline: "Daniela*", note: "*A pseudonym"},
		{page: "es/stories/from-survivor-to-advocate/index.html", byline: "Rosa", note: "*Seudónimo", noNote: true},
		{page: "advocacy/guatemala-field-visit/index.html", note: "*A pseudonym"},
		{page: "es/advocacy/guatemala-field-visit/index.html", note: "*Seudónimo"},
		{page: "advocacy/northern-triangle-hub/index.html", note: "*A pseudonym", noNote: true},
	} {
		body := readOut(t, out, tc.page)
		if tc.byline != "" && !strings.Contains(body, `<span class="byline__name">`+tc.byline+`</span>`) {
			t.Errorf("%s: byline %q missing", tc.page, tc.byline)
		}
		if got := strings.Contains(body, `class="pseudonym-note"`) && strings.Contains(body, tc.note); got == tc.noNote {
			t.Errorf("%s: pseudonym note %q shown = %v, want %v", tc.page, tc.note, got, !tc.noNote)
		}
	}
	// Content warnings come before the story and its pictures.
	for _, p := range []string{"stories/finding-my-voice/index.html", "es/stories/from-survivor-to-advocate/index.html", "stories/a-safer-walk-to-school/index.html"} {
		body := readOut(t, out, p)
		cw := strings.Index(body, `class="warning"`)
		fig := strings.Index(body, "<figure")
		prose := strings.Index(body, `class="prose"`)
		if cw < 0 || cw > prose || (fig >= 0 && cw > fig) {
			t.Errorf("%s: content warning at %d, first figure at %d, body at %d", p, cw, fig, prose)
		}
	}
}

var (
	imgTag  = regexp.MustCompile(`<img\b[^>]*>`)
	attrRe  = regexp.MustCompile(`\s([a-z-]+)="([^"]*)"`)
	urlAttr = regexp.MustCompile(`<(?:script|img|link|iframe|source|video|audio)\b[^>]*\s(?:src|href|srcset)="([^"]*)"`)
)

func TestImagesAndResources(t *testing.T) {
	out := builtSite(t)
	m, _ := fixtureMedia(t)
	imgs := 0
	walkOut(t, out, func(rel, body string) {
		if !strings.HasSuffix(rel, ".html") {
			return
		}
		if !strings.Contains(body, `<meta http-equiv="Content-Security-Policy" content="default-src &#39;none&#39;`) {
			t.Errorf("%s: no strict Content-Security-Policy", rel)
		}
		if !strings.Contains(body, `<meta name="referrer" content="no-referrer">`) && !strings.Contains(body, `http-equiv="refresh"`) {
			t.Errorf("%s: no referrer policy", rel)
		}
		for _, tag := range imgTag.FindAllString(body, -1) {
			imgs++
			a := map[string]string{}
			for _, kv := range attrRe.FindAllStringSubmatch(tag, -1) {
				a[kv[1]] = kv[2]
			}
			for _, k := range []string{"src", "srcset", "sizes", "width", "height", "alt"} {
				if strings.TrimSpace(a[k]) == "" {
					t.Errorf("%s: <img> without %s: %s", rel, k, tag)
				}
			}
			if !strings.Contains(a["srcset"], " 800w") || !strings.Contains(a["srcset"], " 1600w") {
				t.Errorf("%s: srcset %q lacks the variant and the original", rel, a["srcset"])
			}
		}
		// Every subresource is on this site: relative, never another host.
		for _, u := range urlAttr.FindAllStringSubmatch(body, -1) {
			if strings.Contains(u[1], "//") && !strings.HasPrefix(u[1], "http://127.0.0.1/") {
				t.Errorf("%s: subresource from elsewhere: %s", rel, u[1])
			}
		}
		if strings.Contains(body, "<script") && !strings.Contains(body, `integrity="sha384-`) {
			t.Errorf("%s: script without integrity", rel)
		}
	})
	// 1 image on finding-my-voice, 2 on from-survivor-to-advocate, 1 on the
	// home page, in 2 languages.
	if imgs != 8 {
		t.Errorf("found %d <img> in the site, want 8", imgs)
	}
	body := readOut(t, out, "stories/from-survivor-to-advocate/index.html")
	for _, id := range []string{"m-0201", "m-0202"} {
		if !strings.Contains(body, `src="/`+m.Media[id].Key+`"`) {
			t.Errorf("story page lacks %s at /%s", id, m.Media[id].Key)
		}
	}
	headers := readOut(t, out, "_headers")
	for _, want := range []string{"frame-ancestors 'none'", "default-src 'none'", "Referrer-Policy: no-referrer"} {
		if !strings.Contains(headers, want) {
			t.Errorf("_headers lacks %q", want)
		}
	}
}

// TestStoryPageWeight checks the budget: a story page, HTML and CSS
// without images, is at most 30 KB. It asserts on the uncompressed bytes,
// which bound what any browser transfers with or without gzip, and logs
// both.
func TestStoryPageWeight(t *testing.T) {
	out := builtSite(t)
	css, err := filepath.Glob(filepath.Join(out, "voices", "main.min.*.css"))
	if err != nil || len(css) != 1 {
		t.Fatalf("stylesheet: %v %v", css, err)
	}
	cssData, err := os.ReadFile(css[0])
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{"stories/from-survivor-to-advocate/index.html", "es/stories/finding-my-voice/index.html", "stories/a-safer-walk-to-school/index.html"} {
		html := readOut(t, out, p)
		raw := len(html) + len(cssData)
		gz := gzipLen(t, []byte(html)) + gzipLen(t, cssData)
		t.Logf("%s: HTML+CSS %d bytes raw, %d bytes gzip", p, raw, gz)
		if raw > 30*1024 {
			t.Errorf("%s: HTML+CSS is %d bytes, over the 30 KB budget", p, raw)
		}
	}
}

func gzipLen(t *testing.T, b []byte) int {
	var buf bytes.Buffer
	w, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression)
	w.Write(b)
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Len()
}

func TestBuildCleansStaleOutput(t *testing.T) {
	src := stage(t, nil, nil)
	dst := filepath.Join(t.TempDir(), "public")
	stale := filepath.Join(dst, "stories", "withdrawn-story", "index.html")
	if err := os.MkdirAll(filepath.Dir(stale), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(stale, []byte("old"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := Build(context.Background(), BuildOptions{Source: src, Destination: dst}); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(stale); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("stale page of an earlier build survived: %v", err)
	}
}

func TestBuildOptionsValidated(t *testing.T) {
	ctx := context.Background()
	for _, o := range []BuildOptions{
		{Destination: t.TempDir()},
		{Source: t.TempDir()},
		{Source: t.TempDir(), Destination: t.TempDir()}, // no config.toml
	} {
		if err := Build(ctx, o); err == nil {
			t.Errorf("Build(%+v) = nil, want an error", o)
		}
	}
	src := stage(t, nil, nil)
	if err := Build(ctx, BuildOptions{Source: src, Destination: filepath.Dir(src)}); err == nil {
		t.Error("Build into a folder holding the source = nil, want an error")
	}
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	if err := Build(cctx, BuildOptions{Source: src, Destination: t.TempDir()}); !errors.Is(err, context.Canceled) {
		t.Errorf("Build with a cancelled context = %v, want context.Canceled", err)
	}
}

// TestBuildFailsClosed builds small sites from testdata/failclosed/*.txtar:
// each holds content files and a file "want" with the text the build error
// must contain. The theme's errorf must fail the build and name the ids.
func TestBuildFailsClosed(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("testdata", "failclosed", "*.txtar"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no cases: %v", err)
	}
	for _, f := range files {
		t.Run(strings.TrimSuffix(filepath.Base(f), ".txtar"), func(t *testing.T) {
			a, err := txtar.ParseFile(f)
			if err != nil {
				t.Fatal(err)
			}
			content := map[string]string{}
			var want []string
			for _, file := range a.Files {
				if file.Name == "want" {
					for _, l := range strings.Split(strings.TrimSpace(string(file.Data)), "\n") {
						want = append(want, strings.TrimSpace(l))
					}
					continue
				}
				content[file.Name] = string(file.Data)
			}
			src := stage(t, content, nil)
			err = Build(context.Background(), BuildOptions{Source: src, Destination: filepath.Join(t.TempDir(), "public")})
			t.Log(err)
			if !errors.Is(err, ErrBuild) {
				t.Fatalf("Build = %v, want an error wrapping ErrBuild", err)
			}
			for _, w := range want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error lacks %q:\n%v", w, err)
				}
			}
		})
	}
}

// TestBuildGoodFixtureBuilds keeps the fail-closed cases honest: the base
// story they all start from builds cleanly.
func TestBuildGoodFixtureBuilds(t *testing.T) {
	src := stage(t, map[string]string{"content/stories/ok/index.md": fmt.Sprintf(goodStory, "en"), "content/stories/ok/index.es.md": fmt.Sprintf(goodStory, "es")}, nil)
	dst := filepath.Join(t.TempDir(), "public")
	if err := Build(context.Background(), BuildOptions{Source: src, Destination: dst}); err != nil {
		t.Fatal(err)
	}
	body := readOut(t, dst, "stories/ok/index.html")
	if !strings.Contains(body, "Ana*") || !strings.Contains(body, "<img") {
		t.Error("fixture story rendered without byline or media")
	}
}

const goodStory = `---
title: "Fixture"
date: 2026-01-10
expiryDate: 2029-01-09
story_id: st-7q2k9m # m-0101 belongs to this story
storyteller: {display_name: "Ana*", name_kind: pseudonym, person: p-9001, preferred_term: survivor}
consent:
  record: cr-test
  status: given
  given: 2026-01-10
  expires: 2029-01-09
  withdrawn: ""
  channels: [website]
  languages: [en, es]
  identifiers: {name: false, face: false, voice: false, location: none}
  search_engines: true
  minor: false
  guardian_record: ""
media:
  - {id: m-0101, alt: "Shapes", caption: "", depicts: [], face_visible: false}
# language %s
---
Text.
`

// BenchmarkBuild measures one full build of the repository's site (both
// languages, fixture media manifest) into a fresh folder.
func BenchmarkBuild(b *testing.B) {
	src := stage(b, nil, nil)
	dst := filepath.Join(b.TempDir(), "public")
	b.ResetTimer()
	for b.Loop() {
		if err := Build(context.Background(), BuildOptions{Source: src, Destination: dst, BaseURL: "http://127.0.0.1/"}); err != nil {
			b.Fatal(err)
		}
	}
}

// FuzzHugoErrors feeds arbitrary text as Hugo's output: hugoErrors must not
// panic and must return only ERROR lines.
func FuzzHugoErrors(f *testing.F) {
	f.Add("Start building sites …\nERROR storyguard: story st-1 [en]: field consent.status\nTotal in 88 ms\n")
	f.Add("\x1b[31mERROR\x1b[0m x\r\nError: error building site: logged 1 error(s)")
	f.Add("")
	f.Fuzz(func(t *testing.T, out string) {
		for _, l := range hugoErrors(out) {
			if !strings.HasPrefix(l, "ERROR") && !strings.HasPrefix(l, "Error:") {
				t.Fatalf("returned a line that is not an error: %q", l)
			}
		}
	})
}

// TestDraftsStayOutWhateverTheEnvironment: HUGO_BUILDDRAFTS and
// HUGO_BUILDEXPIRED must not publish the pending draft story.
func TestDraftsStayOutWhateverTheEnvironment(t *testing.T) {
	t.Setenv("HUGO_BUILDDRAFTS", "true")
	t.Setenv("HUGO_BUILDEXPIRED", "true")
	src := stage(t, nil, nil)
	dst := filepath.Join(t.TempDir(), "public")
	err := Build(context.Background(), BuildOptions{Source: src, Destination: dst})
	t.Logf("Build: %v", err)
	if _, statErr := os.Stat(filepath.Join(dst, "stories", "waiting-for-the-verdict")); statErr == nil {
		t.Fatalf("the pending draft story was built (Build error: %v)", err)
	}
	if err != nil && !strings.Contains(err.Error(), "st-5c1r8t") {
		t.Fatalf("Build failed for another reason: %v", err)
	}
}

// TestMediaBaseURLElsewhere: with media on another origin, image URLs use
// it and the Content-Security-Policy allows exactly that origin for images.
func TestMediaBaseURLElsewhere(t *testing.T) {
	src := stage(t, nil, func(cfg string) string {
		return strings.Replace(cfg, `media_base_url = "/"`, `media_base_url = "https://media.example.org/sg/"`, 1)
	})
	dst := filepath.Join(t.TempDir(), "public")
	if err := Build(context.Background(), BuildOptions{Source: src, Destination: dst}); err != nil {
		t.Fatal(err)
	}
	m, _ := fixtureMedia(t)
	body := readOut(t, dst, "stories/finding-my-voice/index.html")
	if !strings.Contains(body, `src="https://media.example.org/sg/`+m.Media["m-0101"].Key+`"`) {
		t.Error("image does not use media_base_url")
	}
	if !strings.Contains(body, "img-src &#39;self&#39; https://media.example.org;") {
		t.Error("CSP img-src does not allow the media origin")
	}
	if !strings.Contains(readOut(t, dst, "_headers"), "img-src 'self' https://media.example.org;") {
		t.Error("_headers img-src does not allow the media origin")
	}
}

// TestNoIndexStoryOnNoIndexablePage builds the demo site with Hugo: the
// story whose consent says no search engines (a-safer-walk-to-school) is
// listed on no indexable page (home, section lists, term and taxonomy
// pages, feeds, sitemaps) by its title, description or byline, in either
// language; only noindex pages (its own, a term page naming only it) may
// carry them.
func TestNoIndexStoryOnNoIndexablePage(t *testing.T) {
	out := builtSite(t)
	texts := []string{
		"A safer walk to school", "Un camino más seguro a la escuela",
		"Daniela* and her classmates", "Daniela* y sus compañeras", "Daniela*",
	}
	noindex := regexp.MustCompile(`<meta name="robots" content="noindex">`)
	checked := 0
	walkOut(t, out, func(rel, body string) {
		if !strings.HasSuffix(rel, ".html") && !strings.HasSuffix(rel, ".xml") || noindex.MatchString(body) {
			return
		}
		checked++
		plain := html.UnescapeString(body)
		for _, s := range texts {
			if strings.Contains(plain, s) {
				t.Errorf("indexable %s carries %q of the story that allows no search engines", rel, s)
			}
		}
	})
	if checked < 20 {
		t.Errorf("only %d indexable files checked", checked)
	}
	// The story is still listed where a reader looks for it on a noindex
	// page: the term page that names only it.
	if body := readOut(t, out, "themes/young-people/index.html"); !strings.Contains(body, "A safer walk to school") {
		t.Error("the noindex term page young-people does not list the story")
	}
}

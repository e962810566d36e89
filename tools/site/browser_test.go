package site

import (
	"compress/gzip"
	"context"
	"encoding/json"
	"errors"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/input"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/storage"
	"github.com/chromedp/chromedp"

	"storyguard/tools/publish"
)

const chromiumPath = "/usr/bin/chromium"

// axePath is axe-core's browser bundle, installed by scripts/install-test-deps.sh.
var axePath = filepath.Join("testdata", "axe", "node_modules", "axe-core", "axe.min.js")

// requireTool skips the test when path is missing, or fails it when
// STORYGUARD_REQUIRE_TOOLS=1.
func requireTool(t *testing.T, path, what string) {
	t.Helper()
	if _, err := os.Stat(path); err == nil {
		return
	}
	msg := what + " not found at " + path + ": run scripts/install-test-deps.sh"
	if os.Getenv("STORYGUARD_REQUIRE_TOOLS") == "1" {
		t.Fatal(msg)
	}
	t.Skip(msg)
}

// serve serves dir on a fresh loopback port and returns its base URL.
func serve(t *testing.T, h http.Handler) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: h}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	return "http://" + ln.Addr().String() + "/"
}

// browserSite builds the repository's site with base URL and quick-exit URL
// on loopback servers, publishes the fixture media beside it and serves it.
// It returns the site's base URL and the exit page's URL.
func browserSite(t *testing.T) (base, exit string) {
	t.Helper()
	base, exit, _ = browserSiteOut(t)
	return base, exit
}

// browserSiteOut is browserSite that also returns the built site's folder.
func browserSiteOut(t *testing.T) (base, exit, out string) {
	t.Helper()
	exit = serve(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Write([]byte(`<!doctype html><html lang="en"><title>Weather</title><h1>Weather</h1></html>`))
	})) + "weather"
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	base = "http://" + ln.Addr().String() + "/"
	src := stage(t, nil, setQuickExit(exit))
	dst := filepath.Join(t.TempDir(), "public")
	// The site search index too, when Pagefind is installed (TestSearchPage
	// requires it).
	pagefind, _ := FindPagefind(repoRoot(t), "")
	if err := Build(context.Background(), BuildOptions{Source: src, Destination: dst, BaseURL: base, Pagefind: pagefind}); err != nil {
		t.Fatal(err)
	}
	publishMedia(t, dst)
	// Images arrive late, as on a slow phone connection, so that an image
	// without width and height would shift the layout when it lands. Fonts
	// come at loopback speed: preloaded beside the stylesheet, they are
	// there for the first paint (a font that lands after it, with
	// font-display: swap, reflows the text a little; see main.css).
	// Every response carries the headers the built _headers file gives
	// it, as a CDN (and storyguard preview) sends them: the CSP applies to
	// workers through their response headers, not the page's meta element.
	// Text is sent gzip-compressed, as the CDN in front of the bucket sends
	// it (Netlify and Cloudflare Pages, whose _headers file the theme
	// writes, compress every text response).
	files := http.FileServer(http.Dir(dst))
	hdrs, err := os.ReadFile(filepath.Join(dst, "_headers"))
	if err != nil {
		t.Fatal(err)
	}
	rules, err := publish.ParseHeaders(hdrs)
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		for k, vs := range publish.HeadersFor(rules, r.URL.Path) {
			w.Header()[k] = vs
		}
		if strings.HasPrefix(r.URL.Path, "/media/") {
			time.Sleep(400 * time.Millisecond)
		}
		if compressible(r.URL.Path) && strings.Contains(r.Header.Get("Accept-Encoding"), "gzip") {
			gw := &gzipWriter{ResponseWriter: w}
			defer gw.close()
			w = gw
		}
		files.ServeHTTP(w, r)
	})}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	return base, exit, dst
}

// compressible reports whether a CDN would compress the response for path:
// the site's text formats, and a folder's index page.
func compressible(path string) bool {
	switch filepath.Ext(path) {
	case "", ".html", ".css", ".js", ".xml", ".svg", ".txt", ".json":
		return true
	}
	return strings.HasSuffix(path, "/")
}

// gzipWriter compresses a 200 response's body with gzip; other statuses
// pass through unchanged.
type gzipWriter struct {
	http.ResponseWriter
	gz      *gzip.Writer
	started bool
}

func (g *gzipWriter) WriteHeader(code int) {
	if g.started {
		return
	}
	g.started = true
	if code == http.StatusOK {
		h := g.Header()
		h.Del("Content-Length")
		h.Set("Content-Encoding", "gzip")
		h.Add("Vary", "Accept-Encoding")
		g.gz = gzip.NewWriter(g.ResponseWriter)
	}
	g.ResponseWriter.WriteHeader(code)
}

func (g *gzipWriter) Write(b []byte) (int, error) {
	g.WriteHeader(http.StatusOK)
	if g.gz == nil {
		return g.ResponseWriter.Write(b)
	}
	return g.gz.Write(b)
}

func (g *gzipWriter) close() {
	if g.gz != nil {
		g.gz.Close()
	}
}

// browser starts headless Debian chromium with a fresh profile and returns
// a tab's context. Every request the page makes is recorded; at the end of
// the test, a request that leaves loopback, a cookie, or a console error
// (such as a Content-Security-Policy violation) fails the test.
func browser(t *testing.T) context.Context {
	t.Helper()
	requireTool(t, chromiumPath, "chromium")
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(chromiumPath),
		chromedp.NoSandbox,
		chromedp.Headless,
		chromedp.UserDataDir(t.TempDir()),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("no-pings", true),
		chromedp.WindowSize(1280, 900),
	)
	actx, cancelA := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel := chromedp.NewContext(actx)
	if err := chromedp.Do(ctx); err != nil {
		cancel()
		cancelA()
		t.Fatalf("start chromium: %v", err)
	}
	var mu sync.Mutex
	var requests, consoleErrs []string
	reqs := chromedp.Events(ctx, network.RequestWillBeSent)
	msgs := chromedp.Console(ctx)
	var wg sync.WaitGroup
	wg.Go(func() {
		for ev, err := range reqs {
			if err != nil {
				return
			}
			mu.Lock()
			requests = append(requests, ev.Request.URL)
			mu.Unlock()
		}
	})
	wg.Go(func() {
		for m, err := range msgs {
			if err != nil {
				return
			}
			if m.Type == "error" || m.IsException() || strings.Contains(m.Text, "Content Security Policy") {
				mu.Lock()
				consoleErrs = append(consoleErrs, m.URL+": "+m.Text)
				mu.Unlock()
			}
		}
	})
	tctx, tcancel := context.WithTimeout(ctx, 2*time.Minute)
	t.Cleanup(func() {
		tcancel()
		if !t.Failed() {
			res, err := chromedp.CallBrowser(ctx, storage.GetCookies, storage.GetCookiesParams{})
			if err != nil {
				t.Errorf("read cookies: %v", err)
			} else if len(res.Cookies) > 0 {
				t.Errorf("the site set %d cookie(s), want none: first %q", len(res.Cookies), res.Cookies[0].Name)
			}
		}
		cancel()
		cancelA()
		wg.Wait()
		mu.Lock()
		defer mu.Unlock()
		if len(requests) == 0 {
			t.Error("no requests recorded: the network recorder is broken")
		}
		for _, r := range requests {
			if !loopback(r) {
				t.Errorf("request left loopback: %s", r)
			}
		}
		for _, m := range consoleErrs {
			t.Errorf("console: %s", m)
		}
	})
	return tctx
}

// loopback reports whether a request URL stays on this machine.
func loopback(raw string) bool {
	u, err := url.Parse(raw)
	if err != nil {
		return false
	}
	switch u.Scheme {
	case "data", "about", "blob":
		return true
	case "http", "https", "ws", "wss":
		ip := net.ParseIP(u.Hostname())
		return u.Hostname() == "localhost" || (ip != nil && ip.IsLoopback())
	}
	return false
}

// axeTags are the WCAG 2.2 A and AA rule sets of axe-core.
var axeTags = []string{"wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"}

type axeViolation struct {
	ID     string   `json:"id"`
	Impact string   `json:"impact"`
	Help   string   `json:"help"`
	Nodes  []string `json:"nodes"`
}

// axePages are pages of every kind the site builds, in both languages:
// home, a story with photos and one without, an advocacy page, a partner
// page, about, the lists of stories, advocacy and partners, a taxonomy
// page, a term page, the 404 page, the how-to-help page, and the search
// page when the site has one.
func axePages(t *testing.T, out string) []string {
	pages := []string{
		"", "es/",
		"stories/finding-my-voice/", "es/stories/finding-my-voice/",
		"stories/from-survivor-to-advocate/", "es/stories/from-survivor-to-advocate/",
		"advocacy/guatemala-field-visit/", "es/advocacy/guatemala-field-visit/",
		"partners/amg/", "es/partners/svet/", "about/", "es/about/",
		"stories/", "es/stories/", "advocacy/", "es/advocacy/", "partners/", "es/partners/",
		"themes/", "es/countries/", "themes/justice/", "es/themes/justicia/",
		"404.html", "es/404.html", "how-to-help/", "es/how-to-help/",
	}
	for _, p := range searchPages(t, out) {
		pages = append(pages, p)
	}
	return pages
}

func TestAccessibility(t *testing.T) {
	requireTool(t, axePath, "axe-core")
	axe, err := os.ReadFile(axePath)
	if err != nil {
		t.Fatal(err)
	}
	base, _, out := browserSiteOut(t)
	ctx := browser(t)
	tags, _ := json.Marshal(axeTags)
	run := `axe.run(document, {runOnly: {type: "tag", values: ` + string(tags) + `}}).then(r => JSON.stringify({
		passes: r.passes.length,
		violations: r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.map(n => n.target.join(" "))}))
	}))`
	for _, page := range axePages(t, out) {
		for _, width := range []int64{1280, 390} {
			if err := chromedp.Do(ctx,
				chromedp.EmulateViewport(width, 800),
				chromedp.Navigate(base+page),
				chromedp.Evaluate[chromedp.Void](string(axe)),
			); err != nil {
				t.Fatalf("%s: %v", page, err)
			}
			out, err := chromedp.Run(ctx, chromedp.Evaluate[string](run, chromedp.EvalAwaitPromise))
			if err != nil {
				t.Fatalf("%s: axe.run: %v", page, err)
			}
			var res struct {
				Passes     int            `json:"passes"`
				Violations []axeViolation `json:"violations"`
			}
			if err := json.Unmarshal([]byte(out), &res); err != nil {
				t.Fatal(err)
			}
			t.Logf("/%s at %dpx: %d axe rules passed, %d violated", page, width, res.Passes, len(res.Violations))
			if res.Passes == 0 {
				t.Errorf("/%s at %dpx: axe ran no passing rule; is it working?", page, width)
			}
			for _, v := range res.Violations {
				t.Errorf("/%s at %dpx: %s (%s): %s at %v", page, width, v.ID, v.Impact, v.Help, v.Nodes)
			}
		}
	}
}

// pressShift presses and releases the Shift key n times, as a keyboard does.
func pressShift(n int) chromedp.Action[chromedp.Void] {
	return chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		for range n {
			for _, typ := range []input.DispatchKeyEventType{input.DispatchKeyEventTypeRawKeyDown, input.DispatchKeyEventTypeKeyUp} {
				p := input.DispatchKeyEventParams{Type: typ, Key: "Shift", Code: "ShiftLeft", WindowsVirtualKeyCode: 16, NativeVirtualKeyCode: 16, Location: 1}
				if typ == input.DispatchKeyEventTypeRawKeyDown {
					p.Modifiers = 8
				}
				if _, err := cdp.Call(ctx, t, input.DispatchKeyEvent, p); err != nil {
					return err
				}
			}
		}
		return nil
	})
}

// waitLocation polls the tab's URL until it equals want, for up to 5 s.
// A read that fails while a navigation is under way is tried again.
func waitLocation(ctx context.Context, want string) (string, error) {
	var got string
	var err error
	for range 100 {
		var loc string
		if loc, err = chromedp.Run(ctx, chromedp.Location()); err == nil {
			if got = loc; got == want {
				return got, nil
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	if err != nil {
		return got, err
	}
	return got, errors.New("timed out")
}

func TestQuickExitShiftThreeTimes(t *testing.T) {
	base, exit := browserSite(t)
	ctx := browser(t)
	story := base + "stories/finding-my-voice/"
	if err := chromedp.Do(ctx, chromedp.Navigate(base), chromedp.Navigate(story)); err != nil {
		t.Fatal(err)
	}
	// Two presses do nothing but count down.
	if err := chromedp.Do(ctx, pressShift(2), chromedp.Sleep(200*time.Millisecond)); err != nil {
		t.Fatal(err)
	}
	if loc, _ := chromedp.Run(ctx, chromedp.Location()); loc != story {
		t.Fatalf("after 2 presses the browser is at %s, want still %s", loc, story)
	}
	status, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.querySelector("[data-quick-exit-status]").textContent`))
	if err != nil || !strings.Contains(status, "1 more time") {
		t.Errorf("countdown announcement = %q, %v", status, err)
	}
	if err := chromedp.Do(ctx, pressShift(1)); err != nil {
		t.Fatal(err)
	}
	if got, err := waitLocation(ctx, exit); err != nil {
		t.Fatalf("after 3 presses the browser is at %s, want the exit page %s", got, exit)
	}
	// Back goes to the page before the story: the story's entry was replaced.
	if err := chromedp.Do(ctx, chromedp.Evaluate[chromedp.Void](`history.back()`)); err != nil {
		t.Fatal(err)
	}
	got, err := waitLocation(ctx, base)
	if err != nil {
		t.Fatalf("after Back the browser is at %s, want the page before the story, %s", got, base)
	}
	if got == story {
		t.Fatal("Back returned to the story")
	}
}

func TestQuickExitShiftWhileTypingDoesNotCount(t *testing.T) {
	base, _ := browserSite(t)
	ctx := browser(t)
	story := base + "es/stories/finding-my-voice/"
	if err := chromedp.Do(ctx, chromedp.Navigate(story)); err != nil {
		t.Fatal(err)
	}
	// Shift, then a capital letter typed with Shift held, then Shift twice:
	// the Shift released after typing "A" does not count.
	typeCapital := chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		for _, p := range []input.DispatchKeyEventParams{
			{Type: input.DispatchKeyEventTypeRawKeyDown, Key: "Shift", Code: "ShiftLeft", WindowsVirtualKeyCode: 16, Modifiers: 8},
			{Type: input.DispatchKeyEventTypeKeyDown, Key: "A", Code: "KeyA", Text: "A", WindowsVirtualKeyCode: 65, Modifiers: 8},
			{Type: input.DispatchKeyEventTypeKeyUp, Key: "A", Code: "KeyA", WindowsVirtualKeyCode: 65, Modifiers: 8},
			{Type: input.DispatchKeyEventTypeKeyUp, Key: "Shift", Code: "ShiftLeft", WindowsVirtualKeyCode: 16},
		} {
			if _, err := cdp.Call(ctx, tg, input.DispatchKeyEvent, p); err != nil {
				return err
			}
		}
		return nil
	})
	if err := chromedp.Do(ctx, pressShift(1), typeCapital, pressShift(1), chromedp.Sleep(300*time.Millisecond)); err != nil {
		t.Fatal(err)
	}
	if loc, _ := chromedp.Run(ctx, chromedp.Location()); loc != story {
		t.Fatalf("typing a capital letter counted as a Shift press: browser at %s", loc)
	}
}

func TestQuickExitFirstInTabOrderAndWorksWithoutJS(t *testing.T) {
	base, exit := browserSite(t)
	ctx := browser(t)
	story := base + "stories/from-survivor-to-advocate/"
	if err := chromedp.Do(ctx, chromedp.Navigate(story), chromedp.KeyEvent("\t")); err != nil {
		t.Fatal(err)
	}
	focused, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.activeElement.className + " " + document.activeElement.href`))
	if err != nil {
		t.Fatal(err)
	}
	if focused != "quick-exit__link "+exit {
		t.Errorf("first Tab focuses %q, want the quick-exit link to %s", focused, exit)
	}
	visible, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`(() => { const r = document.querySelector(".quick-exit__link").getBoundingClientRect(); return r.width > 0 && r.height > 0 && r.top >= 0 && r.top < innerHeight })()`))
	if err != nil || !visible {
		t.Errorf("quick-exit link visible in the viewport = %v, %v", visible, err)
	}
	// Without JavaScript the story is still readable and the link still exits.
	if _, err := chromedp.Call(ctx, emulation.SetScriptExecutionDisabled, emulation.SetScriptExecutionDisabledParams{Value: true}); err != nil {
		t.Fatal(err)
	}
	if err := chromedp.Do(ctx, chromedp.Navigate(story)); err != nil {
		t.Fatal(err)
	}
	text, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(".prose")))
	if err != nil || !strings.Contains(text, "Walking beside others") {
		t.Errorf("story text without JavaScript = %.60q…, %v", text, err)
	}
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS(".quick-exit__link"))); err != nil {
		t.Fatal(err)
	}
	if got, err := waitLocation(ctx, exit); err != nil {
		t.Errorf("plain link without JavaScript went to %s, want %s", got, exit)
	}
}

// TestNoLayoutShift loads pages of every kind, with their images and fonts
// arriving late, and sums the layout-shift entries: width and height on
// every image, and fonts preloaded with the stylesheet, keep it at zero.
func TestNoLayoutShift(t *testing.T) {
	base, _, out := browserSiteOut(t)
	ctx := browser(t)
	const cls = `new Promise(resolve => {
		let sum = 0;
		new PerformanceObserver(list => { for (const e of list.getEntries()) sum += e.value; })
			.observe({type: "layout-shift", buffered: true});
		// Shown images in the first screen, lazy ones included, must land
		// before the sum is taken: their arrival is what could shift.
		const shown = () => [...document.images].filter(i => i.getClientRects().length > 0 && i.getBoundingClientRect().top < innerHeight);
		const done = () => Promise.all(shown().map(i => i.complete ? null : new Promise(r => { i.onload = i.onerror = r; })))
			.then(() => setTimeout(() => resolve(sum), 300));
		if (document.readyState === "complete") done(); else addEventListener("load", done);
	})`
	for _, page := range axePages(t, out) {
		for _, width := range []int64{1280, 390} {
			if err := chromedp.Do(ctx, chromedp.EmulateViewport(width, 700), chromedp.Navigate(base+page)); err != nil {
				t.Fatal(err)
			}
			got, err := chromedp.Run(ctx, chromedp.Evaluate[float64](cls, chromedp.EvalAwaitPromise))
			if err != nil {
				t.Fatal(err)
			}
			if got != 0 {
				t.Errorf("/%s at %dpx: cumulative layout shift %v, want 0", page, width, got)
			}
			loaded, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`[...document.images].filter(i => i.getClientRects().length > 0 && i.getBoundingClientRect().top < innerHeight).every(i => i.complete && i.naturalWidth > 0)`))
			if err != nil || !loaded {
				t.Errorf("/%s: images did not load: %v", page, err)
			}
		}
	}
}

// TestLoopbackClassifier keeps the network assertion honest.
func TestLoopbackClassifier(t *testing.T) {
	for raw, want := range map[string]bool{
		"http://127.0.0.1:8080/x":        true,
		"http://[::1]:80/":               true,
		"http://localhost/":              true,
		"data:image/png;base64,AAAA":     true,
		"https://www.bbc.com/weather":    false,
		"https://fonts.googleapis.com/x": false,
		"http://10.0.0.1/":               false,
		"ftp://127.0.0.1/":               false,
	} {
		if got := loopback(raw); got != want {
			t.Errorf("loopback(%q) = %v, want %v", raw, got, want)
		}
	}
}

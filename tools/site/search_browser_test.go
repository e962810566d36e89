package site

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"
)

// TestSearchPage searches in real Chromium, as a reader does: in English
// and in Spanish the search page finds a story by a word only it uses,
// under the page's CSP (a violation is a console error, which fails the
// test) and with no request off loopback; the query stays out of the URL.
// Without JavaScript the form is hidden and the page links to the story
// list instead.
func TestSearchPage(t *testing.T) {
	root := repoRoot(t)
	if _, err := FindPagefind(root, ""); err != nil {
		requireTool(t, DefaultPagefind, "pagefind")
	}
	base, _ := browserSite(t)
	ctx := browser(t)
	for _, tc := range []struct{ page, word, want, none string }{
		{"search/", "practise", "/stories/finding-my-voice/", "classmates"},
		{"es/search/", "escuchada", "/es/stories/finding-my-voice/", "maestra"},
	} {
		results := func(word string) (string, error) {
			if err := chromedp.Do(ctx,
				chromedp.Navigate(base+tc.page),
				chromedp.WaitVisible(chromedp.CSS("#search-q")),
				chromedp.SendKeys(chromedp.CSS("#search-q"), word),
				// As pressing Enter does: the submit event, which the script
				// handles (form.submit() would skip it).
				chromedp.Evaluate[chromedp.Void](`document.querySelector("[data-search-form]").requestSubmit()`),
			); err != nil {
				return "", err
			}
			deadline := time.Now().Add(10 * time.Second)
			for time.Now().Before(deadline) {
				status, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.querySelector("[data-search-status]").textContent`))
				if err != nil {
					return "", err
				}
				if status != "" && !strings.HasSuffix(status, "…") {
					return chromedp.Run(ctx, chromedp.Evaluate[string](`[...document.querySelectorAll("[data-search-results] a")].map(a => a.pathname).join(" ") + " | " + document.querySelector("[data-search-status]").textContent`))
				}
				time.Sleep(100 * time.Millisecond)
			}
			return "", errors.New("no search status within 10 s")
		}
		got, err := results(tc.word)
		if err != nil || !strings.Contains(got, tc.want) {
			t.Errorf("/%s %q: results %q, %v; want %s", tc.page, tc.word, got, err, tc.want)
		}
		if loc, _ := chromedp.Run(ctx, chromedp.Location()); strings.Contains(loc, tc.word) {
			t.Errorf("/%s: the query is in the URL %s", tc.page, loc)
		}
		got, err = results(tc.none)
		if err != nil || !strings.HasPrefix(got, " | ") {
			t.Errorf("/%s %q (a story whose consent says no search engines): results %q, %v; want none", tc.page, tc.none, got, err)
		}
	}
	if _, err := chromedp.Call(ctx, emulation.SetScriptExecutionDisabled, emulation.SetScriptExecutionDisabledParams{Value: true}); err != nil {
		t.Fatal(err)
	}
	if err := chromedp.Do(ctx, chromedp.Navigate(base+"search/")); err != nil {
		t.Fatal(err)
	}
	shown, err := chromedp.Run(ctx, chromedp.Evaluate[string](`(getComputedStyle(document.querySelector("[data-search-form]")).display) + " " + document.querySelector("[data-search-fallback] a").pathname`))
	if err != nil || shown != "none /stories/" {
		t.Errorf("without JavaScript: form display and fallback link = %q, %v; want the form hidden and a link to /stories/", shown, err)
	}
}

package publish

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"strings"
	"testing"

	"storyguard/tools/store"
)

// themeHeaders is what themes/voices/layouts/home.headers builds, in short.
const themeHeaders = `# HTTP headers for every response
/*
  Content-Security-Policy: default-src 'none'; frame-ancestors 'none'
  Referrer-Policy: no-referrer
  X-Content-Type-Options: nosniff
  Permissions-Policy: camera=(), microphone=(), geolocation=()

/voices/*
  X-Asset: theme
`

func TestParseHeaders(t *testing.T) {
	rules, err := ParseHeaders([]byte(themeHeaders))
	if err != nil || len(rules) != 2 {
		t.Fatalf("ParseHeaders = %v, %v", rules, err)
	}
	h := HeadersFor(rules, "/voices/main.css")
	if h.Get("Permissions-Policy") != "camera=(), microphone=(), geolocation=()" || h.Get("X-Asset") != "theme" {
		t.Errorf("headers for an asset: %v", h)
	}
	if h := HeadersFor(rules, "/stories/a/"); h.Get("X-Asset") != "" || !strings.Contains(h.Get("Content-Security-Policy"), "frame-ancestors 'none'") {
		t.Errorf("headers for a page: %v", h)
	}
	for _, bad := range []string{
		"  X-A: before any path\n",
		"stories/*\n  X-A: b\n",
		"/a b\n  X-A: b\n",
		"/*\n  no colon here\n",
		"/*\n  Bad Name: x\n",
	} {
		if _, err := ParseHeaders([]byte(bad)); err == nil {
			t.Errorf("accepted %q", bad)
		} else if !strings.HasPrefix(err.Error(), "_headers:") || strings.Contains(err.Error(), "X-A") || strings.Contains(err.Error(), "colon here") || strings.Contains(err.Error(), "Bad Name") || strings.Contains(err.Error(), "stories") {
			t.Errorf("error %q: want the line number and nothing of the line", err)
		}
	}
}

func TestMatchPattern(t *testing.T) {
	for _, c := range []struct {
		pat, p string
		ok     bool
	}{
		{"/*", "/", true}, {"/*", "/stories/a/", true}, {"/a", "/a", true}, {"/a", "/a/", false},
		{"/voices/*", "/voices/x.css", true}, {"/voices/*", "/stories/", false},
		{"/*.css", "/voices/x.css", true}, {"/*.css", "/x.js", false}, {"/a/*/b", "/a/x/y/b", true},
	} {
		if got := matchPattern(c.pat, c.p); got != c.ok {
			t.Errorf("matchPattern(%q, %q) = %v", c.pat, c.p, got)
		}
	}
}

func FuzzParseHeaders(f *testing.F) {
	f.Add([]byte(themeHeaders))
	f.Add([]byte("/*\n\tA: b\n# c\n/x*y\n  B: \n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		rules, err := ParseHeaders(data)
		if err != nil {
			return
		}
		for _, r := range rules {
			if !strings.HasPrefix(r.Pattern, "/") {
				t.Fatalf("pattern %q", r.Pattern)
			}
			for k, vs := range r.Header {
				for _, v := range vs {
					if strings.ContainsAny(k+v, "\r\n") {
						t.Fatalf("header %q: %q", k, v)
					}
				}
			}
			HeadersFor(rules, "/a/b")
		}
	})
}

// TestPreviewServesSiteHeaders: the preview answers a page, an asset, a 404
// and a redirect with the headers the published _headers declares, as a CDN
// configured from it would, over the real gateway.
func TestPreviewServesSiteHeaders(t *testing.T) {
	g, err := store.StartGateway(context.Background(), store.GatewayOptions{
		Command: store.Command{Path: os.Args[0], Env: []string{gatewayChildEnv + "=1"}}, Dir: t.TempDir()})
	if err != nil {
		t.Fatalf("start gateway: %v", err)
	}
	t.Cleanup(func() { g.Close() })
	s3, err := g.Store()
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if err := s3.EnsurePolicy(ctx); err != nil {
		t.Fatal(err)
	}
	for key, body := range map[string]string{
		"site/_headers": themeHeaders, "site/index.html": "<p>home</p>", "site/about/index.html": "<p>about</p>",
		"site/404.html": "<p>not here</p>", "site/voices/main.css": "body{}",
	} {
		sum := sha256.Sum256([]byte(body))
		if _, err := s3.Put(ctx, key, strings.NewReader(body), int64(len(body)), store.Meta{SHA256: hex.EncodeToString(sum[:])}); err != nil {
			t.Fatal(err)
		}
	}
	ep, _ := url.Parse(g.Endpoint)
	srv := httptest.NewServer(PublicHandler(ep, g.Bucket))
	defer srv.Close()
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	for _, c := range []struct {
		path   string
		status int
		asset  bool
	}{
		{"/", 200, false}, {"/voices/main.css", 200, true}, {"/nowhere/", 404, false},
		{"/about", 301, false}, {"/voices/missing.css", 404, true},
	} {
		resp, err := client.Get(srv.URL + c.path)
		if err != nil {
			t.Fatal(err)
		}
		var body bytes.Buffer
		body.ReadFrom(resp.Body)
		resp.Body.Close()
		h := resp.Header
		if resp.StatusCode != c.status {
			t.Errorf("%s: %d, want %d", c.path, resp.StatusCode, c.status)
		}
		if !strings.Contains(h.Get("Content-Security-Policy"), "frame-ancestors 'none'") ||
			h.Get("Permissions-Policy") == "" || h.Get("Referrer-Policy") != "no-referrer" ||
			h.Get("X-Content-Type-Options") != "nosniff" {
			t.Errorf("%s (%d): headers %v, want those of _headers", c.path, resp.StatusCode, h)
		}
		if (h.Get("X-Asset") == "theme") != c.asset {
			t.Errorf("%s: X-Asset %q", c.path, h.Get("X-Asset"))
		}
	}
}

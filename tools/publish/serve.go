package publish

import (
	"context"
	"io"
	"net/http"
	"net/url"
	"path"
	"strings"
	"time"
)

// PublicHandler serves a published site the way the public gets it: every
// request becomes an anonymous GET of an object in the bucket, so what the
// preview shows is exactly what the bucket policy lets anyone read. It maps
//
//	/media/<rest>  -> object media/<rest>
//	/<path>/       -> object site/<path>/index.html
//	/<path>        -> object site/<path>, or a redirect to /<path>/ when only
//	                  site/<path>/index.html exists
//
// Only GET and HEAD are served. A missing object answers 404 with the site's
// 404.html when there is one. Every response, 404s, redirects and errors
// included, carries the headers the published site/_headers declares for
// its path (ParseHeaders; re-read at most every two seconds), and nosniff
// always; without a readable _headers, fallbackHeaders. endpoint is the S3 endpoint's base URL; the
// bucket is addressed path-style.
func PublicHandler(endpoint *url.URL, bucket string) http.Handler {
	client := &http.Client{Timeout: 30 * time.Second}
	objectURL := func(key string) string {
		u := *endpoint
		u.Path = path.Join("/", bucket, key)
		u.RawQuery = ""
		return u.String()
	}
	get := func(ctx context.Context, method, key string) (*http.Response, error) {
		req, err := http.NewRequestWithContext(ctx, method, objectURL(key), nil)
		if err != nil {
			return nil, err
		}
		return client.Do(req)
	}
	headers := &headerSource{get: get, refresh: 2 * time.Second}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		applyHeaders(w, headers.current(r.Context()), path.Clean("/"+r.URL.Path))
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			w.Header().Set("Allow", "GET, HEAD")
			http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
			return
		}
		p := path.Clean("/" + r.URL.Path)
		if strings.HasSuffix(r.URL.Path, "/") && p != "/" {
			p += "/"
		}
		var key string
		switch {
		case strings.HasPrefix(p, "/media/"):
			key = strings.TrimPrefix(p, "/")
		case strings.HasSuffix(p, "/"):
			key = "site" + p + "index.html"
		default:
			key = "site" + p
		}
		resp, err := get(r.Context(), r.Method, key)
		if err != nil {
			http.Error(w, "object storage unreachable", http.StatusBadGateway)
			return
		}
		defer resp.Body.Close()
		if resp.StatusCode == http.StatusNotFound || resp.StatusCode == http.StatusForbidden {
			if !strings.HasSuffix(p, "/") && path.Ext(p) == "" {
				if idx, err := get(r.Context(), http.MethodHead, "site"+p+"/index.html"); err == nil {
					idx.Body.Close()
					if idx.StatusCode == http.StatusOK {
						http.Redirect(w, r, p+"/", http.StatusMovedPermanently)
						return
					}
				}
			}
			notFound(w, r, get)
			return
		}
		copyHeaders(w, resp)
		w.WriteHeader(resp.StatusCode)
		if r.Method == http.MethodGet {
			io.Copy(w, resp.Body)
		}
	})
}

func notFound(w http.ResponseWriter, r *http.Request, get func(context.Context, string, string) (*http.Response, error)) {
	resp, err := get(r.Context(), http.MethodGet, "site/404.html")
	if err != nil || resp.StatusCode != http.StatusOK {
		if resp != nil {
			resp.Body.Close()
		}
		http.Error(w, "404 page not found", http.StatusNotFound)
		return
	}
	defer resp.Body.Close()
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(http.StatusNotFound)
	io.Copy(w, resp.Body)
}

func copyHeaders(w http.ResponseWriter, resp *http.Response) {
	for _, h := range []string{"Content-Type", "Content-Length", "Cache-Control", "ETag", "Last-Modified"} {
		if v := resp.Header.Get(h); v != "" {
			w.Header().Set(h, v)
		}
	}
}

package publish

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/textproto"
	"strings"
	"sync"
	"time"
)

// HeaderRule is one block of a _headers file: the response headers for the
// request paths that Pattern matches.
type HeaderRule struct {
	// Pattern is a path starting with "/"; each "*" matches any run of
	// characters, "/" included (the splat of Netlify and Cloudflare Pages).
	Pattern string
	// Header holds the block's headers, names canonicalised.
	Header http.Header
}

// maxHeadersFile bounds the _headers file ParseHeaders reads, in bytes
// (Cloudflare Pages allows 100 rules of 2,000 characters each).
const maxHeadersFile = 256 << 10

// ParseHeaders parses a _headers file in the format of Netlify and
// Cloudflare Pages (docs "Headers": a line starting with "/" opens a block
// for that path pattern; indented "Name: value" lines below it are its
// headers; "#" starts a comment line). Errors name the line and never
// quote it: the file is built from the theme, but a malformed one must not
// print what it holds.
func ParseHeaders(data []byte) ([]HeaderRule, error) {
	if len(data) > maxHeadersFile {
		return nil, fmt.Errorf("_headers: larger than %d bytes", maxHeadersFile)
	}
	var rules []HeaderRule
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 0, 4096), maxHeadersFile)
	for n := 1; sc.Scan(); n++ {
		line := sc.Text()
		t := strings.TrimSpace(line)
		switch {
		case t == "" || strings.HasPrefix(t, "#"):
		case line[0] != ' ' && line[0] != '\t':
			if !strings.HasPrefix(t, "/") || strings.ContainsAny(t, " \t") {
				return nil, fmt.Errorf("_headers:%d: a path pattern must start with / and hold no space", n)
			}
			rules = append(rules, HeaderRule{Pattern: t, Header: http.Header{}})
		default:
			if len(rules) == 0 {
				return nil, fmt.Errorf("_headers:%d: a header before any path pattern", n)
			}
			name, value, ok := strings.Cut(t, ":")
			name, value = strings.TrimSpace(name), strings.TrimSpace(value)
			if !ok || name == "" || !validHeaderName(name) || strings.ContainsAny(value, "\r\n") {
				return nil, fmt.Errorf("_headers:%d: want an indented \"Name: value\" line", n)
			}
			rules[len(rules)-1].Header.Add(textproto.CanonicalMIMEHeaderKey(name), value)
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("_headers: %w", err)
	}
	return rules, nil
}

// validHeaderName reports whether s is an RFC 9110 token (section 5.6.2).
func validHeaderName(s string) bool {
	for _, c := range []byte(s) {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.IndexByte("!#$%&'*+-.^_`|~", c) >= 0) {
			return false
		}
	}
	return s != ""
}

// matchPattern reports whether path p matches pattern (each "*" any run of
// characters, "/" included).
func matchPattern(pattern, p string) bool {
	parts := strings.Split(pattern, "*")
	if len(parts) == 1 {
		return pattern == p
	}
	if !strings.HasPrefix(p, parts[0]) {
		return false
	}
	p = p[len(parts[0]):]
	for _, mid := range parts[1 : len(parts)-1] {
		i := strings.Index(p, mid)
		if i < 0 {
			return false
		}
		p = p[i+len(mid):]
	}
	return strings.HasSuffix(p, parts[len(parts)-1])
}

// HeadersFor returns the headers the rules give path p, every matching
// block in order (a later block's value for a name replaces an earlier's).
func HeadersFor(rules []HeaderRule, p string) http.Header {
	h := http.Header{}
	for _, r := range rules {
		if matchPattern(r.Pattern, p) {
			for k, vs := range r.Header {
				h[k] = append([]string(nil), vs...)
			}
		}
	}
	return h
}

// fallbackHeaders are sent when the bucket holds no readable site/_headers
// (nothing published yet, or a malformed file): what every response must
// carry whatever the theme declares.
var fallbackHeaders = []HeaderRule{{Pattern: "/*", Header: http.Header{
	"X-Content-Type-Options":  {"nosniff"},
	"Referrer-Policy":         {"no-referrer"},
	"Content-Security-Policy": {"frame-ancestors 'none'"},
}}}

// headerSource reads site/_headers from the bucket, at most once every
// refresh, so a preview follows each deploy.
type headerSource struct {
	get     func(ctx context.Context, method, key string) (*http.Response, error)
	refresh time.Duration

	mu      sync.Mutex
	fetched time.Time
	rules   []HeaderRule
}

func (s *headerSource) current(ctx context.Context) []HeaderRule {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.rules != nil && time.Since(s.fetched) < s.refresh {
		return s.rules
	}
	s.rules, s.fetched = fallbackHeaders, time.Now()
	resp, err := s.get(ctx, http.MethodGet, "site/_headers")
	if err != nil {
		return s.rules
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return s.rules
	}
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxHeadersFile+1))
	if err != nil {
		return s.rules
	}
	if rules, err := ParseHeaders(data); err == nil && len(rules) > 0 {
		s.rules = rules
	}
	return s.rules
}

// applyHeaders sets on w the headers the rules give path p, and nosniff always.
func applyHeaders(w http.ResponseWriter, rules []HeaderRule, p string) {
	for k, vs := range HeadersFor(rules, p) {
		w.Header()[k] = vs
	}
	w.Header().Set("X-Content-Type-Options", "nosniff")
}

package endpoint

import (
	"strings"
	"testing"
)

func TestParse(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"127.0.0.1:9000", "http://127.0.0.1:9000"},
		{"localhost:9000", "http://localhost:9000"},
		{"[::1]:9000", "http://[::1]:9000"},
		{"s3.example.org:443", "https://s3.example.org:443"},
		{"s3.example.org", "https://s3.example.org"},
		{"http://s3.example.org", "http://s3.example.org"},
		{"https://127.0.0.1:9000", "https://127.0.0.1:9000"},
	} {
		u, err := Parse(tc.in)
		if err != nil || u.String() != tc.want {
			t.Errorf("Parse(%q) = %v, %v; want %s", tc.in, u, err, tc.want)
		}
	}
	for _, bad := range []string{"", "ftp://s3.example.org", "http://", "://x"} {
		if u, err := Parse(bad); err == nil {
			t.Errorf("Parse(%q) = %v, want an error", bad, u)
		}
	}
}

func TestIsLoopback(t *testing.T) {
	for host, want := range map[string]bool{"localhost": true, "LocalHost": true, "127.0.0.1": true, "127.9.9.9": true, "::1": true,
		"10.0.0.1": false, "example.org": false, "localhost.example.org": false, "": false, "0.0.0.0": false} {
		if got := IsLoopback(host); got != want {
			t.Errorf("IsLoopback(%q) = %v, want %v", host, got, want)
		}
	}
}

// FuzzParse: Parse never panics, and what it accepts is an http(s) URL
// with a host.
func FuzzParse(f *testing.F) {
	for _, s := range []string{"127.0.0.1:9000", "https://s3.example.org", "s3:1", "[::1]:1", "http://a@b/c?d"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		u, err := Parse(s)
		if err != nil {
			return
		}
		if u.Host == "" || !strings.HasPrefix(u.String(), "http") {
			t.Fatalf("Parse(%q) accepted %v", s, u)
		}
	})
}

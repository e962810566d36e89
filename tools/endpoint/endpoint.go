// Package endpoint reads the address of an S3 endpoint, for the
// configuration (tools/config) and the object store (tools/store), which
// must agree on it and must not import each other.
package endpoint

import (
	"errors"
	"net"
	"net/url"
	"strings"
)

// Parse reads an S3 endpoint: an http(s) URL ("https://s3.example.org",
// "http://127.0.0.1:9000") or a bare host:port, which means https except
// on loopback (IsLoopback), where it means http. The error never repeats
// the value: a value that fails validation may be anything typed by
// mistake, a name included.
func Parse(e string) (*url.URL, error) {
	if !strings.Contains(e, "://") {
		host, _, err := net.SplitHostPort(e)
		if err != nil {
			host = e
		}
		if IsLoopback(host) {
			e = "http://" + e
		} else {
			e = "https://" + e
		}
	}
	u, err := url.Parse(e)
	if err != nil || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https") {
		return nil, errors.New("endpoint: want host:port or an http(s) URL")
	}
	return u, nil
}

// IsLoopback reports whether host names this machine's loopback interface:
// "localhost" (any case), 127.0.0.0/8 or ::1.
func IsLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"syscall"
	"testing"
	"unicode/utf8"

	"github.com/minio/minio-go/v7"
)

var okSHA = strings.Repeat("ab", 32)

func TestValidateKey(t *testing.T) {
	for _, tc := range []struct {
		key string
		ok  bool
	}{
		{"media/st-7q2k9m/" + okSHA + ".jpg", true},
		{"media/st-7q2k9m/" + okSHA + ".webp", true},
		{"media/st-7q2k9m/" + strings.ToUpper(okSHA) + ".jpg", false},
		{"media/St-7q2k9m/" + okSHA + ".jpg", false},
		{"media/st-7q2k9m/" + okSHA + ".JPG", false},
		{"media/st-7q2k9m/" + okSHA, false},
		{"media/st-7q2k9m/photo-of-rosa.jpg", false}, // an original file name
		{"media/st-7q2k9m/x/" + okSHA + ".jpg", false},
		{"media/../site/" + okSHA + ".jpg", false},
		{"site/index.html", true},
		{"site/es/historias/niñez/index.html", true},
		{"site/voices/main.min." + okSHA + ".css", true},
		{"site/a b.html", false},
		{"site/../state/index/0123456789abcdef.json", false},
		{"site/./a.html", false},
		{"site//a.html", false},
		{"site/a/", false},
		{"site/", false},
		{"site/a?b", false},
		{"site/a%20b", false},
		{"site/a\\b", false},
		{"site/a\x00b", false},
		{"site/\xff", false},
		{"state/index/0123456789abcdef.json", true},
		{"state/audit.log", false},
		{"state/withdrawals/" + strings.Repeat("0a", 32) + ".json", true},
		{"state/withdrawals/st-7q2k9m.json", false},
		{"state/withdrawals/" + strings.Repeat("0a", 32) + ".txt", false},
		{"state/withdrawals/a/" + strings.Repeat("0a", 32) + ".json", false},
		{"/site/a.html", false},
		{"private/registry.age", false},
		{"", false},
		{"site/" + strings.Repeat("a", 1020), false},
	} {
		err := ValidateKey(tc.key)
		if (err == nil) != tc.ok {
			t.Errorf("ValidateKey(%q) = %v, want ok=%v", tc.key, err, tc.ok)
		}
		if err != nil && !errors.Is(err, ErrBadKey) {
			t.Errorf("ValidateKey(%q): %v does not wrap ErrBadKey", tc.key, err)
		}
	}
}

func TestValidatePrefix(t *testing.T) {
	for _, tc := range []struct {
		p  string
		ok bool
	}{
		{"", true}, {"media/", true}, {"site/", true}, {"state/", true},
		{"media/st-7q2k9m/", true}, {"site/en/stories/finding-my-voice/", true},
		{"media/st-7q2k9m", false}, {"media/a/b/", false}, {"site/../", false},
		{"other/", false}, {"site//", false}, {"site/a b/", false},
	} {
		if err := ValidatePrefix(tc.p); (err == nil) != tc.ok {
			t.Errorf("ValidatePrefix(%q) = %v, want ok=%v", tc.p, err, tc.ok)
		}
	}
}

func TestHeadersFor(t *testing.T) {
	for _, tc := range []struct{ key, ct, cc string }{
		{"media/st-1/" + okSHA + ".jpg", "image/jpeg", CacheStoryMedia},
		{"media/st-1/" + okSHA + ".webp", "image/webp", CacheStoryMedia},
		{"site/stories/ana/photo." + okSHA + ".jpg", "image/jpeg", CacheRevalidate},
		{"site/voices/font." + okSHA + ".woff2", "font/woff2", CacheImmutable},
		{"site/index.html", "text/html; charset=utf-8", CacheRevalidate},
		{"site/index.xml", "application/xml; charset=utf-8", CacheRevalidate},
		{"site/sitemap.xml", "application/xml; charset=utf-8", CacheRevalidate},
		{"site/index.json", "application/json", CacheRevalidate},
		{"site/voices/main.min." + okSHA + ".css", "text/css; charset=utf-8", CacheImmutable},
		{"site/voices/app." + okSHA + ".js", "text/javascript; charset=utf-8", CacheImmutable},
		{"site/voices/app.js", "text/javascript; charset=utf-8", CacheRevalidate},
		{"site/favicon.ico", "image/x-icon", CacheRevalidate},
		{"site/robots.txt", "text/plain; charset=utf-8", CacheRevalidate},
		{"site/x.unknown", "application/octet-stream", CacheRevalidate},
	} {
		if got := ContentTypeFor(tc.key); got != tc.ct {
			t.Errorf("ContentTypeFor(%s) = %q, want %q", tc.key, got, tc.ct)
		}
		if got := CacheControlFor(tc.key); got != tc.cc {
			t.Errorf("CacheControlFor(%s) = %q, want %q", tc.key, got, tc.cc)
		}
	}
}

func TestCheckPolicy(t *testing.T) {
	b := "storyguard"
	for _, tc := range []struct {
		name, doc string
		ok        bool
	}{
		{"ours", PolicyFor(b), true},
		{"plain principal and single strings", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":["arn:aws:s3:::storyguard/media/*","arn:aws:s3:::storyguard/site/*"]}]}`, true},
		{"empty", "", false},
		{"not json", "{", false},
		{"listing", `{"Statement":[{"Effect":"Allow","Principal":"*","Action":["s3:GetObject","s3:ListBucket"],"Resource":["arn:aws:s3:::storyguard/media/*","arn:aws:s3:::storyguard/site/*"]}]}`, false},
		{"whole bucket", `{"Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::storyguard/*"}]}`, false},
		{"site only", `{"Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::storyguard/site/*"}]}`, false},
		{"other bucket", PolicyFor("other"), false},
		{"condition", `{"Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":["arn:aws:s3:::storyguard/media/*","arn:aws:s3:::storyguard/site/*"],"Condition":{}}]}`, false},
		{"deny", `{"Statement":[{"Effect":"Deny","Principal":"*","Action":"s3:GetObject","Resource":["arn:aws:s3:::storyguard/media/*","arn:aws:s3:::storyguard/site/*"]}]}`, false},
		{"not action", `{"Statement":[{"Effect":"Allow","Principal":"*","NotAction":"s3:PutObject","Resource":["arn:aws:s3:::storyguard/media/*","arn:aws:s3:::storyguard/site/*"]}]}`, false},
		{"named principal", `{"Statement":[{"Effect":"Allow","Principal":{"AWS":["arn:aws:iam::1:root"]},"Action":"s3:GetObject","Resource":["arn:aws:s3:::storyguard/media/*","arn:aws:s3:::storyguard/site/*"]}]}`, false},
	} {
		err := CheckPolicy(tc.doc, b)
		if (err == nil) != tc.ok {
			t.Errorf("%s: CheckPolicy = %v, want ok=%v", tc.name, err, tc.ok)
		}
		if err != nil && !errors.Is(err, ErrPolicy) {
			t.Errorf("%s: %v does not wrap ErrPolicy", tc.name, err)
		}
	}
}

func FuzzValidateKey(f *testing.F) {
	for _, s := range []string{"site/index.html", "media/st-1/" + okSHA + ".jpg", "site/../x", "site/a b", "state/index/0123456789abcdef.json", "site/\xff"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, key string) {
		if ValidateKey(key) != nil {
			return
		}
		// Whatever passes is safe to use as a path and a URL segment.
		if !utf8.ValidString(key) || strings.Contains(key, "..") && strings.Contains(key, "/../") ||
			strings.ContainsAny(key, " \\?#%\x00") || strings.Contains(key, "//") || strings.HasSuffix(key, "/") {
			t.Fatalf("accepted unsafe key %q", key)
		}
		for _, seg := range strings.Split(key, "/") {
			if seg == ".." || seg == "." || seg == "" {
				t.Fatalf("accepted key %q with segment %q", key, seg)
			}
		}
	})
}

func FuzzCheckPolicy(f *testing.F) {
	f.Add(PolicyFor("storyguard"))
	f.Add(`{"Statement":{"Sid":"Put","Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":["arn:aws:s3:::storyguard/site/*","arn:aws:s3:::storyguard/media/*"]}}`)
	f.Add(`{"Statement":{"Effect":"Allow","Principal":"*","Action":"s3:*","Resource":"*"}}`)
	f.Add(`{"Statement":[]}`)
	f.Fuzz(func(t *testing.T, doc string) {
		if CheckPolicy(doc, "storyguard") != nil {
			return
		}
		// Whatever passes grants only GetObject on media/* and site/*, as an
		// independent decoding of its statements shows.
		var p struct{ Statement json.RawMessage }
		if err := json.Unmarshal([]byte(doc), &p); err != nil {
			t.Fatalf("accepted non-JSON %q", doc)
		}
		var stmts []map[string]any
		if json.Unmarshal(p.Statement, &stmts) != nil {
			var one map[string]any
			json.Unmarshal(p.Statement, &one)
			stmts = []map[string]any{one}
		}
		for _, st := range stmts {
			for _, field := range []string{"Action", "Resource"} {
				vals := fmt.Sprint(st[field])
				for _, bad := range []string{"ListBucket", "Put", "Delete", "*\"", "s3:*", "state/", "storyguard/*"} {
					if strings.Contains(vals, bad) {
						t.Fatalf("accepted %s %s in %s", field, vals, doc)
					}
				}
			}
			if st["Effect"] != "Allow" {
				t.Fatalf("accepted effect %v", st["Effect"])
			}
		}
	})
}

// TestIsTransient: what the S3 server or the network answers is retried
// or not as an operator expects, judged on the errors the S3 Store returns
// (S3.wrap marks server answers ErrTransient), since retries see no
// minio-go type.
func TestIsTransient(t *testing.T) {
	s3 := &S3{bucket: "b", Endpoint: "http://127.0.0.1:1"}
	for _, tc := range []struct {
		name string
		err  error
		want bool
	}{
		{"503", s3.wrap("put", "site/a", minio.ErrorResponse{StatusCode: 503, Code: "ServiceUnavailable"}), true},
		{"500", s3.wrap("put", "site/a", minio.ErrorResponse{StatusCode: 500}), true},
		{"slow down", s3.wrap("put", "site/a", minio.ErrorResponse{StatusCode: 503, Code: "SlowDown"}), true},
		{"429", s3.wrap("list", "site/", minio.ErrorResponse{StatusCode: 429}), true},
		{"request timeout", s3.wrap("put", "site/a", minio.ErrorResponse{StatusCode: 400, Code: "RequestTimeout"}), true},
		{"refused", s3.wrap("put", "site/a", &net.OpError{Op: "dial", Err: syscall.ECONNREFUSED}), true},
		{"reset", fmt.Errorf("put: %w", syscall.ECONNRESET), true},
		{"eof", fmt.Errorf("put: %w", io.ErrUnexpectedEOF), true},
		{"marked", fmt.Errorf("x: %w", transient(errors.New("busy"))), true},
		{"403", s3.wrap("put", "site/a", minio.ErrorResponse{StatusCode: 403, Code: "AccessDenied"}), false},
		{"404", s3.wrap("get", "site/a", minio.ErrorResponse{StatusCode: 404, Code: "NoSuchKey"}), false},
		{"400", s3.wrap("put", "site/a", minio.ErrorResponse{StatusCode: 400, Code: "InvalidArgument"}), false},
		{"412", s3.wrap("put", "state/lease.json", minio.ErrorResponse{StatusCode: 412, Code: "PreconditionFailed"}), false},
		{"denied sentinel", fmt.Errorf("x: %w", ErrAccessDenied), false},
		{"bad key", fmt.Errorf("x: %w", ErrBadKey), false},
		{"canceled", context.Canceled, false},
		{"nil", nil, false},
	} {
		if got := IsTransient(tc.err); got != tc.want {
			t.Errorf("%s: IsTransient(%v) = %v, want %v", tc.name, tc.err, got, tc.want)
		}
	}
	// The message is the operation's, unchanged by the mark.
	if err := s3.wrap("put", "site/a", minio.ErrorResponse{StatusCode: 503, Code: "SlowDown", Message: "slow down"}); !strings.HasPrefix(err.Error(), "put bucket b key site/a: ") {
		t.Errorf("message %q", err)
	}
}

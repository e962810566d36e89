package store

import (
	"bytes"
	"context"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/minio/minio-go/v7"
)

// versionFixture is a gateway with the public bucket policy and noncurrent
// versions: a page replaced since (old bytes under a live key) and a page
// dropped since (its last version behind a delete marker).
type versionFixture struct {
	g                  *Gateway
	s                  *S3
	cur, old, gone     Upload
	oldBody, goneBody  []byte
	noncurrent, allIDs []Version
}

func newVersionFixture(t *testing.T) *versionFixture {
	t.Helper()
	g, s := startGateway(t, "", GatewayOptions{})
	ctx := context.Background()
	if err := s.EnsurePolicy(ctx); err != nil {
		t.Fatal(err)
	}
	f := &versionFixture{g: g, s: s,
		oldBody:  []byte("<p>first draft, withdrawn paragraph</p>"),
		goneBody: []byte("<p>a page later dropped</p>")}
	f.old = upload("site/story/index.html", f.oldBody)
	f.cur = upload("site/story/index.html", []byte("<p>approved text</p>"))
	f.gone = upload("site/gone/index.html", f.goneBody)
	for _, set := range [][]Upload{{f.old}, {f.cur}, {f.cur, f.gone}} {
		if _, err := Sync(ctx, s, "site/", set, SyncOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	// A plain delete, as a withdrawal interrupted before its purge leaves
	// it: a delete marker in front of the page's last version.
	if err := s.client.RemoveObject(ctx, s.bucket, f.gone.Key, minio.RemoveObjectOptions{}); err != nil {
		t.Fatal(err)
	}
	vs, err := s.ListVersions(ctx, "site/")
	if err != nil {
		t.Fatal(err)
	}
	f.allIDs = vs
	for _, v := range vs {
		if !v.IsDeleteMarker && !v.IsLatest {
			f.noncurrent = append(f.noncurrent, v)
		}
	}
	if len(f.noncurrent) < 2 {
		t.Fatalf("only %d noncurrent versions; want the replaced page and the dropped one (%+v)", len(f.noncurrent), vs)
	}
	return f
}

// leak returns what an anonymous response gave away, or "": the bytes of a
// noncurrent version, a listing or sub-resource document, a version id in
// a header or the body, or a header about versions (X-Amz-Version-Id,
// X-Amz-Delete-Marker).
func (f *versionFixture) leak(resp *http.Response, body []byte) string {
	if bytes.Contains(body, f.oldBody) || bytes.Contains(body, f.goneBody) {
		return "the bytes of a noncurrent version"
	}
	for _, doc := range []string{"ListBucketResult", "ListVersionsResult", "ListMultipartUploadsResult",
		"ListPartsResult", "AccessControlPolicy", `"Statement"`, "Tagging", "LocationConstraint",
		"VersioningConfiguration", "GetObjectAttributes", "Retention", "LegalHold", "InitiateMultipartUploadResult",
		"<Key>", "<VersionId>"} {
		if bytes.Contains(body, []byte(doc)) {
			return "a document holding " + doc
		}
	}
	for k, vals := range resp.Header {
		if lk := strings.ToLower(k); strings.Contains(lk, "version") || strings.Contains(lk, "delete-marker") {
			return "header " + k
		}
		for _, v := range vals {
			for _, id := range f.allIDs {
				if id.VersionID != "" && strings.Contains(v, id.VersionID) {
					return "a version id in header " + k
				}
			}
		}
	}
	for _, id := range f.allIDs {
		if id.VersionID != "" && bytes.Contains(body, []byte(id.VersionID)) {
			return "a version id in the body"
		}
	}
	return ""
}

// do sends one anonymous request (no credentials) to the raw URL u, with
// extra headers, and returns the response and its body.
func do(t *testing.T, method, u string, hdr map[string]string) (*http.Response, []byte) {
	t.Helper()
	req, err := http.NewRequest(method, u, nil)
	if err != nil {
		t.Fatalf("%s %s: %v", method, u, err)
	}
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, u, err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	return resp, body
}

// TestGuardAnonymousGetsNoVersions asks the real gateway, as an anonymous
// reader, for every noncurrent version by every spelling of versionId the
// tracker's issue #12 lists (lookalike signatures, malformed escapes,
// case, ';', double encoding), with GET and HEAD: none may return a
// noncurrent version's bytes or a version id. S3 lets a request read a
// version by id only with s3:GetObjectVersion (AWS S3 User Guide,
// "Retrieving object versions"), which Storyguard's policy never grants.
func TestGuardAnonymousGetsNoVersions(t *testing.T) {
	f := newVersionFixture(t)
	base := f.g.Endpoint + "/" + f.g.Bucket + "/"
	spellings := []string{
		"versionId=ID",
		"VersionId=ID",
		"VERSIONID=ID",
		"versionid=ID",
		"version%49d=ID",
		"version%2549d=ID",
		"%76ersionId=ID",
		"%76ersionId=ID&x=%zz",
		"versionId=ID&x=%zz",
		"versionId=ID&signature=",
		"versionId=ID&signature=1",
		"versionId=ID&xsignature=1",
		"versionId=ID&x=x-amz-signature",
		"versionId=ID&X-Amz-Signature=",
		"versionId=ID&X-Amz-Signature=abc",
		"versionId=ID&x-amz-signature=abc&x-amz-credential=a&x-amz-algorithm=AWS4-HMAC-SHA256",
		"versionId=ID&Signature=abc&AWSAccessKeyId=sg&Expires=4102444800",
		"versionId=ID&X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=sg%2F20260101%2Fus-east-1%2Fs3%2Faws4_request" +
			"&X-Amz-Date=20260101T000000Z&X-Amz-Expires=60&X-Amz-SignedHeaders=host&X-Amz-Signature=00",
		"x=1;versionId=ID",
		"versionId=ID;x=1",
		"partNumber=1&versionId=ID",
		"versionId=&versionId=ID",
		"versionId=ID&versionId=",
		"versionId%3DID",
		"versionId=ID%00",
		"versionId=ID#frag",
		"+versionId=ID",
	}
	headers := []map[string]string{
		nil,
		{"Authorization": ""},
		{"Authorization": "AWS4-HMAC-SHA256 Credential=sg/20260101/us-east-1/s3/aws4_request", "Connection": "Authorization"},
		{"X-Amz-Content-Sha256": "UNSIGNED-PAYLOAD", "X-Amz-Date": "20260101T000000Z"},
	}
	for _, v := range f.noncurrent {
		id := url.QueryEscape(v.VersionID)
		for _, sp := range spellings {
			q := strings.ReplaceAll(sp, "ID", id)
			for _, h := range headers {
				for _, method := range []string{http.MethodGet, http.MethodHead} {
					resp, body := do(t, method, base+v.Key+"?"+q, h)
					if what := f.leak(resp, body); what != "" {
						t.Errorf("anonymous %s %s?%s (headers %v): %d gave away %s", method, v.Key, sp, h, resp.StatusCode, what)
					}
				}
			}
		}
		// The owner, signing its requests, still reads versions through
		// the same endpoint (publish's purge needs it).
		if _, err := f.s.client.StatObject(context.Background(), f.s.bucket, v.Key, minio.StatObjectOptions{VersionID: v.VersionID}); err != nil {
			t.Errorf("signed stat of a version: %v", err)
		}
	}
	// The current version stays readable, with or without a query.
	for _, q := range []string{"", "?", "?versionId=x", "?utm_source=x"} {
		resp, body := do(t, http.MethodGet, base+f.cur.Key+q, nil)
		if resp.StatusCode != http.StatusOK || string(body) != "<p>approved text</p>" {
			t.Errorf("anonymous GET %s%s: %d %q; want 200 and the current page", f.cur.Key, q, resp.StatusCode, body)
		}
		if what := f.leak(resp, body); what != "" {
			t.Errorf("anonymous GET %s%s gave away %s", f.cur.Key, q, what)
		}
	}
}

// TestGuardAnonymousGetsNoSubresource asks for every S3 sub-resource of the
// bucket and of an object, anonymously: no listing, no version, no
// configuration document, no upload may come back, and no write method
// reaches the gateway.
func TestGuardAnonymousGetsNoSubresource(t *testing.T) {
	f := newVersionFixture(t)
	ctx := context.Background()
	targets := []string{f.g.Bucket, f.g.Bucket + "/", f.g.Bucket + "/site/", f.g.Bucket + "/" + f.cur.Key, f.g.Bucket + "/" + f.gone.Key}
	subs := []string{"versions", "versions&prefix=site/", "acl", "policy", "policyStatus", "tagging", "uploads",
		"uploadId=x", "attributes", "list-type=2", "list-type=2&prefix=site/", "prefix=site/", "delimiter=/",
		"location", "torrent", "retention", "legal-hold", "partNumber=1", "versioning", "lifecycle", "cors",
		"object-lock", "encryption", "ownershipControls", "publicAccessBlock", "website", "logging",
		"notification", "replication", "requestPayment", "accelerate", "analytics", "metrics", "inventory",
		"intelligent-tiering", "restore", "select&select-type=2", "delete", "VERSIONS", "%76ersions", "versions;"}
	for _, target := range targets {
		for _, sub := range subs {
			for _, method := range []string{http.MethodGet, http.MethodHead} {
				resp, body := do(t, method, f.g.Endpoint+"/"+target+"?"+sub, nil)
				if what := f.leak(resp, body); what != "" {
					t.Errorf("anonymous %s /%s?%s: %d gave away %s", method, target, sub, resp.StatusCode, what)
				}
			}
		}
	}
	// Writes never reach the gateway anonymously, whatever the query.
	for _, method := range []string{http.MethodDelete, http.MethodPut, http.MethodPost, http.MethodPatch, "PROPFIND"} {
		for _, q := range []string{"", "?versionId=" + url.QueryEscape(f.noncurrent[0].VersionID), "?delete", "?uploads", "?signature=1"} {
			resp, _ := do(t, method, f.g.Endpoint+"/"+f.g.Bucket+"/"+f.noncurrent[0].Key+q, nil)
			if resp.StatusCode != http.StatusMethodNotAllowed {
				t.Errorf("anonymous %s %s%s: %d; want 405", method, f.noncurrent[0].Key, q, resp.StatusCode)
			}
		}
	}
	vs, err := f.s.ListVersions(ctx, "site/")
	if err != nil || len(vs) != len(f.allIDs) {
		t.Errorf("after anonymous writes: %d versions, %v; want %d untouched", len(vs), err, len(f.allIDs))
	}
}

// FuzzGuardRewrite drives the guard with arbitrary methods, queries and
// credentials-like headers against a recording backend standing in for
// versitygw, and checks what reaches it: a request the backend would not
// verify as signed (no Authorization, not every SigV4 presign parameter)
// must be a GET or HEAD with no query string and no X-Amz-* header, and
// its response must reach the client with no X-Amz-* header; a request
// the guard counted as signed must reach the backend still signed.
func FuzzGuardRewrite(f *testing.F) {
	type seen struct {
		method, rawQuery string
		header           http.Header
	}
	got := make(chan seen, 1)
	sock := shortSocketPath(f)
	ln, err := net.Listen("unix", sock)
	if err != nil {
		f.Fatal(err)
	}
	backend := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case got <- seen{r.Method, r.URL.RawQuery, r.Header.Clone()}:
		default:
		}
		w.Header().Set("X-Amz-Version-Id", "v-secret")
		w.Header().Set("x-amz-delete-marker", "true")
		io.WriteString(w, "body")
	})}
	go backend.Serve(ln)
	f.Cleanup(func() { backend.Close() })
	var d net.Dialer
	guard := guardVersions(func(ctx context.Context) (net.Conn, error) { return d.DialContext(ctx, "unix", sock) })

	for _, s := range [][4]string{
		{"GET", "versionId=1", "", ""},
		{"HEAD", "versionId=V&signature=", "", ""},
		{"GET", "versionId=V&xsignature=1", "", ""},
		{"GET", "versionId=V&x=x-amz-signature", "", ""},
		{"GET", "%76ersionId=V&x=%zz", "", ""},
		{"GET", "x=1;versionId=2", "", ""},
		{"GET", "versions", "AWS4-HMAC-SHA256 Credential=a", "Authorization"},
		{"DELETE", "versionId=1", "", "keep-alive"},
		{"GET", "X-Amz-Algorithm=a&X-Amz-Credential=b&X-Amz-Date=c&X-Amz-SignedHeaders=d&X-Amz-Signature=e&versionId=1", "", "X-Amz-Date"},
		{"PUT", "uploads", "AWS4-HMAC-SHA256 x", ""},
	} {
		f.Add(s[0], s[1], s[2], s[3])
	}
	f.Fuzz(func(t *testing.T, method, rawQuery, authorization, connection string) {
		if !validMethod(method) {
			return
		}
		r := &http.Request{Method: method, URL: &url.URL{Path: "/storyguard/site/index.html", RawQuery: rawQuery},
			Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1, Header: http.Header{}, Host: "127.0.0.1:9000"}
		if authorization != "" {
			r.Header.Set("Authorization", authorization)
		}
		if connection != "" {
			r.Header.Set("Connection", connection)
		}
		r.Header.Set("X-Amz-Date", "20260101T000000Z")
		for len(got) > 0 {
			<-got
		}
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		r = r.WithContext(ctx)
		w := httptest.NewRecorder()
		guard.ServeHTTP(w, r)
		var s seen
		select {
		case s = <-got:
		default:
			return // refused by the guard, or not sendable: nothing reached the gateway
		}
		if gatewaySigned(s.header, s.rawQuery) {
			return
		}
		if s.method != http.MethodGet && s.method != http.MethodHead {
			t.Fatalf("anonymous %q reached the gateway (query %q)", s.method, rawQuery)
		}
		if s.rawQuery != "" {
			t.Fatalf("anonymous request reached the gateway with query %q (sent %q)", s.rawQuery, rawQuery)
		}
		for k := range s.header {
			if strings.HasPrefix(strings.ToLower(k), "x-amz-") {
				t.Fatalf("anonymous request reached the gateway with header %s", k)
			}
		}
		for k := range w.Header() {
			if strings.HasPrefix(strings.ToLower(k), "x-amz-") {
				t.Fatalf("anonymous response carries header %s", k)
			}
		}
		if signedRequest(r.Header, rawQuery) && connection == "" {
			t.Fatalf("guard counted %q (auth %q) as signed but the gateway sees it anonymous", rawQuery, authorization)
		}
	})
}

// gatewaySigned is versitygw v1.8.0's own test of a signed request
// (s3api/middlewares/public-bucket.go: an Authorization header, or
// utils.IsPresignedURLAuth: any SigV4 or SigV2 query parameter), read
// leniently: a request it calls signed is verified, not served as public.
func gatewaySigned(h http.Header, rawQuery string) bool {
	if h.Get("Authorization") != "" {
		return true
	}
	q, _ := url.ParseQuery(rawQuery)
	for _, p := range append(sigV4QueryParams, "X-Amz-Expires") {
		if q.Get(p) != "" {
			return true
		}
	}
	return false
}

func validMethod(m string) bool {
	if m == "" {
		return false
	}
	for _, c := range m {
		if c > 127 || !strings.ContainsRune("!#$%&'*+-.^_`|~", c) && !('0' <= c && c <= '9' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z') {
			return false
		}
	}
	return true
}

// shortSocketPath returns a unix socket path in a fresh folder short enough
// for sun_path (108 bytes), removed when the test ends.
func shortSocketPath(t testing.TB) string {
	dir, err := os.MkdirTemp("", "sg-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	return filepath.Join(dir, "s")
}

// TestGuardAnonymousResponseHeaders reads the real gateway anonymously and
// checks, header by header, what reaches the reader: what a browser and
// a CDN need to show and cache a page stays; what names the gateway
// (Server: VERSITYGW), S3's internals (Content-Encoding: aws-chunked,
// X-Amz-*) or, on an error, when a deleted page was deleted
// (Last-Modified on a 404) is gone.
func TestGuardAnonymousResponseHeaders(t *testing.T) {
	f := newVersionFixture(t)
	base := f.g.Endpoint + "/" + f.g.Bucket + "/"
	type want map[string]bool // header -> present
	ok := want{"Content-Type": true, "Content-Length": true, "Cache-Control": true, "Etag": true, "Last-Modified": true, "Accept-Ranges": true, "Date": true,
		"Server": false, "Content-Encoding": false, "X-Amz-Version-Id": false, "X-Amz-Request-Id": false, "X-Amz-Id-2": false}
	notFound := want{"Content-Type": true, "Date": true,
		"Server": false, "Last-Modified": false, "Etag": false, "Content-Encoding": false, "X-Amz-Delete-Marker": false, "X-Amz-Version-Id": false}
	for _, tc := range []struct {
		name, method, key string
		hdr               map[string]string
		code              int
		want              want
	}{
		{"GET a page", http.MethodGet, f.cur.Key, nil, http.StatusOK, ok},
		{"HEAD a page", http.MethodHead, f.cur.Key, nil, http.StatusOK, ok},
		{"a range", http.MethodGet, f.cur.Key, map[string]string{"Range": "bytes=0-3"}, http.StatusPartialContent, want{"Content-Range": true, "Server": false, "Content-Encoding": false}},
		{"not modified", http.MethodGet, f.cur.Key, map[string]string{"If-None-Match": "*"}, http.StatusNotModified, want{"Server": false}},
		{"a deleted page", http.MethodGet, f.gone.Key, nil, http.StatusNotFound, notFound},
		{"a page never written", http.MethodGet, "site/nothing/index.html", nil, http.StatusNotFound, notFound},
		{"the private lease", http.MethodGet, "state/lease.json", nil, http.StatusForbidden, want{"Server": false, "Last-Modified": false}},
		{"the bucket", http.MethodGet, "", nil, http.StatusForbidden, want{"Server": false}},
	} {
		resp, _ := do(t, tc.method, base+tc.key, tc.hdr)
		if resp.StatusCode != tc.code {
			t.Errorf("%s: status %d, want %d", tc.name, resp.StatusCode, tc.code)
		}
		for h, present := range tc.want {
			if got := resp.Header.Get(h) != ""; got != present {
				t.Errorf("%s: header %s present %v, want %v (%q)", tc.name, h, got, present, resp.Header.Get(h))
			}
		}
		for h := range resp.Header {
			if strings.HasPrefix(strings.ToLower(h), "x-") {
				t.Errorf("%s: header %s reached an anonymous reader", tc.name, h)
			}
		}
	}
	// The owner, signing its requests, still gets the gateway's headers
	// (the version id a withdrawal deletes by).
	if oi, err := f.s.client.StatObject(context.Background(), f.s.bucket, f.cur.Key, minio.StatObjectOptions{}); err != nil || oi.VersionID == "" {
		t.Errorf("signed stat: version id %q, %v", oi.VersionID, err)
	}
}

func TestAnonymousContentEncoding(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"aws-chunked", ""}, {"AWS-Chunked", ""}, {"gzip", "gzip"}, {"aws-chunked, gzip", "gzip"}, {"br,aws-chunked", "br"}, {"", ""},
	} {
		h := http.Header{}
		if tc.in != "" {
			h.Set("Content-Encoding", tc.in)
		}
		anonymousResponseHeaders(http.StatusOK, h)
		if got := h.Get("Content-Encoding"); got != tc.want {
			t.Errorf("Content-Encoding %q: got %q, want %q", tc.in, got, tc.want)
		}
	}
}

package store

import (
	"context"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/minio/minio-go/v7"
)

// TestPolicyNoAnonymousOldVersions proves that a noncurrent version (what a
// publish interrupted before its purge leaves behind, or a page replaced
// since) cannot be read anonymously by its version id, nor can a deleted
// object's last version: the bucket policy grants s3:GetObject only, and
// reading a version by id needs s3:GetObjectVersion (AWS S3 User Guide,
// "Retrieving object versions": "you must have permissions for the
// s3:GetObjectVersion action").
func TestPolicyNoAnonymousOldVersions(t *testing.T) {
	g, s := startGateway(t, "", GatewayOptions{})
	ctx := context.Background()
	if err := s.EnsurePolicy(ctx); err != nil {
		t.Fatal(err)
	}
	old := upload("site/story/index.html", []byte("<p>first draft, withdrawn paragraph</p>"))
	if _, err := Sync(ctx, s, "site/", []Upload{old}, SyncOptions{}); err != nil {
		t.Fatal(err)
	}
	cur := upload("site/story/index.html", []byte("<p>approved text</p>"))
	if _, err := Sync(ctx, s, "site/", []Upload{cur}, SyncOptions{}); err != nil {
		t.Fatal(err)
	}
	gone := upload("site/gone/index.html", []byte("<p>a page later dropped</p>"))
	if _, err := Sync(ctx, s, "site/", []Upload{cur, gone}, SyncOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := Sync(ctx, s, "site/", []Upload{cur}, SyncOptions{}); err != nil {
		t.Fatal(err)
	}
	vs, err := s.ListVersions(ctx, "site/")
	if err != nil {
		t.Fatal(err)
	}
	base := g.Endpoint + "/" + g.Bucket + "/"
	checked := 0
	for _, v := range vs {
		if v.IsDeleteMarker || v.IsLatest && v.Key == cur.Key {
			continue
		}
		id := url.QueryEscape(v.VersionID)
		for _, q := range []string{
			"versionId=" + id,
			"VersionId=" + id,
			"version%49d=" + id,
			"version%2549d=" + id,
			"partNumber=1&versionId=" + id,
		} {
			for _, method := range []string{http.MethodGet, http.MethodHead} {
				req, _ := http.NewRequest(method, base+v.Key+"?"+q, nil)
				resp, err := http.DefaultClient.Do(req)
				if err != nil {
					t.Fatal(err)
				}
				body, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				if resp.StatusCode != http.StatusForbidden {
					t.Errorf("anonymous %s %s?%s: %d, want 403 (%d bytes of body)", method, v.Key, strings.Replace(q, id, "ID", 1), resp.StatusCode, len(body))
				}
			}
		}
		checked++
		// The owner, signing its requests, still reads and deletes versions
		// through the same endpoint (publish's purge needs both).
		if _, err := s.client.StatObject(ctx, s.bucket, v.Key, minio.StatObjectOptions{VersionID: v.VersionID}); err != nil {
			t.Errorf("signed stat of a version: %v", err)
		}
	}
	if checked < 2 {
		t.Fatalf("only %d noncurrent versions to try; want the replaced page and the dropped one (%+v)", checked, vs)
	}
	// The current version stays readable, with or without its id.
	resp, err := http.Get(base + cur.Key)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Errorf("anonymous GET of the current page: %d, want 200", resp.StatusCode)
	}
}

// FuzzNamesVersion checks the guard's query test against Go's own query
// parser: whatever key a server could read as versionId, in any case, is
// caught.
func FuzzNamesVersion(f *testing.F) {
	for _, q := range []string{"versionId=1", "a=b&VERSIONID=2", "version%49d=3", "x=1;versionId=2", "list-type=2", ""} {
		f.Add(q)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		if namesVersion(raw) {
			return
		}
		for _, part := range strings.FieldsFunc(raw, func(r rune) bool { return r == '&' || r == ';' }) {
			k, _, _ := strings.Cut(part, "=")
			if u, err := url.QueryUnescape(k); err == nil && strings.EqualFold(u, "versionId") {
				t.Fatalf("%q names a version but passed the guard", raw)
			}
			if strings.EqualFold(k, "versionId") {
				t.Fatalf("%q names a version but passed the guard", raw)
			}
		}
	})
}

package store

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
)

func TestOpenEmbedded(t *testing.T) {
	dir := filepath.Join(t.TempDir(), ".storyguard")
	ctx := context.Background()
	st, closer, err := Open(ctx, S3Config{Bucket: "storyguard"}, dir, OpenOptions{Gateway: testCommand()})
	if err != nil {
		t.Fatal(err)
	}
	g := closer.(*Gateway)
	if vs, err := st.Versioning(ctx); err != nil || vs != VersioningEnabled {
		t.Fatalf("versioning %q, %v", vs, err)
	}
	if st.Bucket() != "storyguard" {
		t.Fatalf("bucket %q", st.Bucket())
	}
	if _, err := os.Stat(filepath.Join(dir, "data", "storyguard")); err != nil {
		t.Fatalf("bucket not under the store dir: %v", err)
	}
	// The credentials are per run and never in the child's argv.
	cmdline, _ := os.ReadFile("/proc/" + itoa(g.Pid()) + "/cmdline")
	if strings.Contains(string(cmdline), g.SecretKey) || strings.Contains(string(cmdline), g.AccessKey) {
		t.Fatalf("credentials in argv: %q", cmdline)
	}
	if len(g.SecretKey) < 32 {
		t.Fatalf("secret of %d characters", len(g.SecretKey))
	}
	closer.Close()
	if err := syscall.Kill(g.Pid(), 0); err == nil {
		t.Fatalf("gateway pid %d alive after Close", g.Pid())
	}
	if _, err := st.List(ctx, ""); err == nil {
		t.Fatal("store still answers after Close")
	}
}

func TestOpenEndpoint(t *testing.T) {
	g, _ := startGateway(t, "", GatewayOptions{})
	ctx := context.Background()
	cfg := S3Config{Endpoint: strings.TrimPrefix(g.Endpoint, "http://"), Bucket: "storyguard", AccessKey: g.AccessKey, SecretKey: g.SecretKey}
	st, closer, err := Open(ctx, cfg, "", OpenOptions{})
	if err != nil {
		t.Fatal(err)
	}
	closer.Close()
	if _, err := st.List(ctx, "site/"); err != nil {
		t.Fatalf("bare host:port on loopback should mean http: %v", err)
	}
	bad := cfg
	bad.SecretKey = "nope"
	if _, _, err := Open(ctx, bad, "", OpenOptions{}); !errors.Is(err, ErrAccessDenied) {
		t.Fatalf("wrong secret: %v", err)
	}
	bad = cfg
	bad.Bucket = "absent"
	if _, _, err := Open(ctx, bad, "", OpenOptions{}); !errors.Is(err, ErrNoBucket) {
		t.Fatalf("missing bucket: %v", err)
	}
	bad = cfg
	bad.Endpoint = "http://s3.example.org"
	if _, _, err := Open(ctx, bad, "", OpenOptions{}); err == nil || !strings.Contains(err.Error(), "plain HTTP") {
		t.Fatalf("plain http to a remote host: %v", err)
	}
	bad = cfg
	bad.AccessKey = ""
	if _, _, err := Open(ctx, bad, "", OpenOptions{}); err == nil || !strings.Contains(err.Error(), "AWS_ACCESS_KEY_ID") {
		t.Fatalf("no credentials: %v", err)
	}
}

func itoa(n int) string { return strconv.Itoa(n) }

package store

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

const childEnv = "STORYGUARD_STORE_TEST_CHILD"

// TestMain lets the test binary act as `storyguard store serve` when
// StartGateway re-executes it, so the tests run the real gateway in a child
// process without building cmd/storyguard (which links Hugo).
func TestMain(m *testing.M) {
	ServeIfChild(childEnv)
	if dir := os.Getenv(parentEnv); dir != "" {
		actAsParent(dir)
	}
	code := m.Run()
	stopRepublishFixture()
	os.Exit(code)
}

// parentEnv, when set to a store dir, makes the test binary start a gateway
// over it, print the child's pid and wait to be killed (TestGatewayDiesWithParent).
const parentEnv = "STORYGUARD_STORE_TEST_PARENT"

func actAsParent(dir string) {
	g, err := StartGateway(context.Background(), GatewayOptions{Command: testCommand(), Dir: dir, Log: os.Stderr})
	if err != nil {
		fmt.Fprintln(os.Stderr, "parent:", err)
		os.Exit(2)
	}
	fmt.Println(g.Pid(), strings.TrimPrefix(g.Endpoint, "http://"))
	select {}
}

// TestGatewayDiesWithParent: a storyguard killed with SIGKILL (no chance to
// stop its child) does not leave the gateway running and holding the
// store's lock.
func TestGatewayDiesWithParent(t *testing.T) {
	dir := t.TempDir()
	parent := exec.Command(os.Args[0], "-test.run=^$")
	parent.Env = append(os.Environ(), parentEnv+"="+dir)
	out, err := parent.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var errs logBuf
	parent.Stderr = &errs
	if err := parent.Start(); err != nil {
		t.Fatal(err)
	}
	var pid int
	var addr string
	if _, err := fmt.Fscan(out, &pid, &addr); err != nil || pid <= 0 {
		parent.Process.Kill()
		parent.Wait()
		t.Fatalf("no child pid from the parent: %v\n%s", err, &errs)
	}
	if !alive(pid) {
		t.Fatalf("gateway %d not running before the parent is killed", pid)
	}
	// A reader mid-request: a gateway left to shut down gracefully (when its
	// stdin closes) waits seconds for such a connection before it exits.
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	io.WriteString(conn, "GET /site/ HTTP/1.1\r\nHost: x\r\n")
	time.Sleep(100 * time.Millisecond)
	parent.Process.Signal(syscall.SIGKILL)
	parent.Wait()
	// The thread-group leader shows as a zombie while its other threads
	// are still exiting and holding its files: wait for both the process
	// and the lock, bounded.
	deadline := time.Now().Add(2 * time.Second)
	for {
		unlock, err := lockDir(dir)
		if err == nil && !alive(pid) {
			unlock()
			return
		}
		if err == nil {
			unlock()
		}
		if time.Now().After(deadline) {
			syscall.Kill(pid, syscall.SIGKILL)
			t.Fatalf("2 s after its parent was killed (a graceful stop takes 5 s): gateway %d alive %v, store lock: %v", pid, alive(pid), err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// alive reports whether pid is a running process (a zombie, dead but not
// yet reaped by whoever inherited it, counts as gone).
func alive(pid int) bool {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return false
	}
	// The state follows the parenthesised command name.
	i := bytes.LastIndexByte(b, ')')
	return i < 0 || i+2 >= len(b) || (b[i+2] != 'Z' && b[i+2] != 'X')
}

// testCommand re-executes this test binary as the gateway.
func testCommand() Command {
	return Command{Path: os.Args[0], Env: []string{childEnv + "=1"}}
}

// logBuf collects a child's output for failure messages.
type logBuf struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *logBuf) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *logBuf) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// startGateway starts the real versitygw over dir (a fresh temporary
// folder when dir is "") and returns it with a store on its bucket.
func startGateway(t testing.TB, dir string, o GatewayOptions) (*Gateway, *S3) {
	t.Helper()
	if dir == "" {
		dir = t.TempDir()
	}
	o.Command, o.Dir = testCommand(), dir
	log := &logBuf{}
	o.Log = log
	g, err := StartGateway(context.Background(), o)
	if err != nil {
		t.Fatalf("start gateway: %v\n%s", err, log)
	}
	t.Cleanup(func() { g.Close() })
	s, err := g.Store()
	if err != nil {
		t.Fatal(err)
	}
	return g, s
}

func sum(b []byte) string {
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:])
}

// upload makes an Upload of body under key (for media/ keys, pass key
// "media/<story>/" and the sha256 name is added).
func upload(key string, body []byte) Upload {
	d := sum(body)
	if strings.HasSuffix(key, "/") {
		key += d + ".png"
	}
	return Upload{Key: key, Size: int64(len(body)), SHA256: d,
		Open: func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(body)), nil }}
}

func TestGatewayLayoutAndRestart(t *testing.T) {
	dir := t.TempDir()
	g, s := startGateway(t, dir, GatewayOptions{})
	ctx := context.Background()
	if !strings.HasPrefix(g.Endpoint, "http://127.0.0.1:") || strings.HasSuffix(g.Endpoint, ":0") {
		t.Fatalf("endpoint %q: want a bound loopback port", g.Endpoint)
	}
	vs, err := s.Versioning(ctx)
	if err != nil || vs != VersioningEnabled {
		t.Fatalf("versioning = %q, %v; want Enabled", vs, err)
	}
	body := []byte("<h1>hello</h1>")
	if _, err := s.Put(ctx, "site/index.html", bytes.NewReader(body), int64(len(body)), Meta{SHA256: sum(body)}); err != nil {
		t.Fatal(err)
	}
	// Two versions of one key: the noncurrent one lands in versions/.
	body2 := []byte("<h1>hello again</h1>")
	if _, err := s.Put(ctx, "site/index.html", bytes.NewReader(body2), int64(len(body2)), Meta{SHA256: sum(body2)}); err != nil {
		t.Fatal(err)
	}
	layout, err := os.ReadFile(filepath.Join(dir, "LAYOUT"))
	if err != nil || !strings.HasPrefix(string(layout), "storyguard-store 1\nmeta=") {
		t.Fatalf("LAYOUT = %q, %v", layout, err)
	}
	if got, err := os.ReadFile(filepath.Join(dir, "data", "storyguard", "site", "index.html")); err != nil || !bytes.Equal(got, body2) {
		t.Fatalf("data/storyguard/site/index.html = %q, %v; want the current version", got, err)
	}
	var inVersions int
	filepath.WalkDir(filepath.Join(dir, "versions"), func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			inVersions++
		}
		return nil
	})
	if inVersions == 0 {
		t.Errorf("versions/ holds no file after overwriting a key on a versioned bucket")
	}

	// Stop, restart over the same folder: objects, metadata and versions
	// are still there.
	g.Close()
	if err := g.cmd.Process.Signal(syscall.Signal(0)); err == nil {
		t.Fatalf("gateway pid %d still running after Close", g.Pid())
	}
	_, s2 := startGateway(t, dir, GatewayOptions{})
	o, err := s2.Stat(ctx, "site/index.html")
	if err != nil {
		t.Fatal(err)
	}
	if o.SHA256 != sum(body2) || o.ContentType != "text/html; charset=utf-8" || o.CacheControl != CacheRevalidate {
		t.Errorf("after restart: stat = %+v", o)
	}
	versions, err := s2.ListVersions(ctx, "site/")
	if err != nil || len(versions) != 2 {
		t.Errorf("after restart: %d versions, %v; want 2", len(versions), err)
	}
}

func TestGatewayOneServerPerDir(t *testing.T) {
	dir := t.TempDir()
	startGateway(t, dir, GatewayOptions{})
	log := &logBuf{}
	_, err := StartGateway(context.Background(), GatewayOptions{Command: testCommand(), Dir: dir, Log: log, StartTimeout: 10 * time.Second})
	if err == nil || !strings.Contains(err.Error(), "in use by another storyguard") {
		t.Fatalf("second gateway over one dir: %v", err)
	}
}

func TestGatewayChildDiesWithParentPipe(t *testing.T) {
	// The child exits when its stdin closes, which is what happens when
	// the parent dies: close the pipe and the process must be gone.
	g, _ := startGateway(t, "", GatewayOptions{})
	g.stdin.Close()
	select {
	case <-g.waited:
	case <-time.After(10 * time.Second):
		t.Fatalf("gateway pid %d still running 10s after its stdin closed", g.Pid())
	}
}

func TestGatewaySidecarMeta(t *testing.T) {
	dir := t.TempDir()
	_, s := startGateway(t, dir, GatewayOptions{Meta: MetaSidecar})
	ctx := context.Background()
	body := []byte("sidecar")
	u := upload("media/st-7q2k9m/", body)
	if _, err := Sync(ctx, s, "media/", []Upload{u}, SyncOptions{}); err != nil {
		t.Fatal(err)
	}
	o, err := s.Stat(ctx, u.Key)
	if err != nil || o.SHA256 != u.SHA256 || o.CacheControl != CacheStoryMedia || o.ContentType != "image/png" {
		t.Fatalf("stat = %+v, %v", o, err)
	}
	if _, err := os.Stat(filepath.Join(dir, "meta")); err != nil {
		t.Fatalf("sidecar folder: %v", err)
	}
	rep, err := PurgePrefix(ctx, s, "media/st-7q2k9m/")
	if err != nil || rep.Versions != 1 {
		t.Fatalf("purge on sidecar store = %+v, %v", rep, err)
	}
	// The layout is fixed: serving it with xattr metadata is refused.
	log := &logBuf{}
	_, err = StartGateway(ctx, GatewayOptions{Command: testCommand(), Dir: dir, Meta: MetaXattr, Log: log, StartTimeout: 10 * time.Second})
	if err == nil || !strings.Contains(log.String(), "cannot be served with --meta xattr") {
		t.Fatalf("restart with other meta: err %v, log %q", err, log)
	}
}

func TestServeRefusesNonLoopback(t *testing.T) {
	err := ServeGateway(context.Background(), GatewayConfig{Dir: t.TempDir(), Addr: "0.0.0.0:0", AccessKey: "a", SecretKey: "b"})
	if err == nil || !strings.Contains(err.Error(), "not a loopback address") {
		t.Fatalf("err = %v", err)
	}
	err = ServeGateway(context.Background(), GatewayConfig{Dir: t.TempDir(), Addr: "127.0.0.1:0"})
	if err == nil || !strings.Contains(err.Error(), "AWS_ACCESS_KEY_ID") {
		t.Fatalf("no credentials: err = %v", err)
	}
}

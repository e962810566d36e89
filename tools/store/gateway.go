package store

import (
	"bufio"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/versity/versitygw/backend/meta"
	"github.com/versity/versitygw/backend/posix"
	"github.com/versity/versitygw/embedgw"

	"storyguard/tools/config"
)

// The embedded gateway's folder layout, under the store dir (default
// .storyguard/):
//
//	LAYOUT      "storyguard-store 1" and "meta=xattr" or "meta=sidecar",
//	            written once when the folder is first used
//	LOCK        held (flock) by the one gateway serving the folder
//	data/       the gateway root: data/<bucket>/<key> holds each current object
//	versions/   versitygw's versioning directory: noncurrent versions and
//	            delete markers (it must lie outside the root, hence a sibling)
//	meta/       sidecar metadata (meta=sidecar only): one folder per object
//	            holding its etag, content type, user metadata and version id
//
// Metadata goes into extended attributes (user.*) when the filesystem
// supports them (ext4, xfs, btrfs, tmpfs on Linux 6.6+), else into meta/.
// The choice is recorded in LAYOUT and never changes afterwards: switching
// would orphan every object's metadata.
const (
	layoutFile    = "LAYOUT"
	lockFile      = "LOCK"
	layoutHeader  = "storyguard-store 1"
	dataDir       = "data"
	versionsDir   = "versions"
	sidecarDir    = "meta"
	readyLine     = "storyguard-store-ready "
	defaultRegion = "us-east-1"
)

// Metadata modes of the embedded gateway (GatewayConfig.Meta, `store serve
// --meta`): MetaAuto picks MetaXattr when the filesystem stores user.*
// extended attributes, else MetaSidecar (files under meta/).
const (
	MetaAuto    = "auto"
	MetaXattr   = "xattr"
	MetaSidecar = "sidecar"
)

// GatewayConfig configures ServeGateway.
type GatewayConfig struct {
	// Dir is the store dir (layout above); created if missing.
	Dir string
	// Addr is the listen address host:port. Port 0 picks a free port.
	// The host must be loopback unless AllowRemote is set.
	Addr string
	// AllowRemote permits a non-loopback Addr.
	AllowRemote bool
	// AccessKey and SecretKey are the root credentials. Required.
	AccessKey, SecretKey string
	// Region reported to clients; default "us-east-1".
	Region string
	// Bucket, when set, is created if missing and has versioning enabled
	// before Ready is called.
	Bucket string
	// Meta is MetaAuto (default), MetaXattr or MetaSidecar; it must agree
	// with the store dir's LAYOUT if one exists.
	Meta string
	// Ready is called once with the endpoint URL ("http://127.0.0.1:PORT")
	// when the gateway answers signed requests with these credentials.
	Ready func(endpoint string)
	// Log receives versitygw's own start-up messages (nil: discarded).
	Log io.Writer
}

// ServeGateway runs versitygw (embedgw, posix backend, versioning on) over
// c.Dir until ctx is done, then shuts it down and returns nil. Only one may
// run per process, and it changes the process's working directory
// (posix.New calls os.Chdir): run it in a child process (StartGateway,
// `storyguard store serve`). Errors name the dir or the address.
func ServeGateway(ctx context.Context, c GatewayConfig) error {
	if c.AccessKey == "" || c.SecretKey == "" {
		return errors.New("gateway: AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY must both be set")
	}
	host, _, err := net.SplitHostPort(c.Addr)
	if err != nil {
		return fmt.Errorf("gateway address %q: want host:port: %w", c.Addr, err)
	}
	if !c.AllowRemote && !config.IsLoopback(host) {
		return fmt.Errorf("gateway address %q: not a loopback address; refusing to expose the store without --allow-remote", c.Addr)
	}
	if c.Region == "" {
		c.Region = defaultRegion
	}
	dir, err := filepath.Abs(c.Dir)
	if err != nil {
		return fmt.Errorf("store dir %s: %w", c.Dir, err)
	}
	metaMode, err := prepareLayout(dir, c.Meta)
	if err != nil {
		return err
	}
	unlock, err := lockDir(dir)
	if err != nil {
		return err
	}
	defer unlock()
	var ms meta.MetadataStorer = meta.XattrMeta{}
	popts := posix.PosixOpts{VersioningDir: filepath.Join(dir, versionsDir)}
	if metaMode == MetaSidecar {
		sc, err := meta.NewSideCar(filepath.Join(dir, sidecarDir))
		if err != nil {
			return fmt.Errorf("store dir %s: sidecar: %w", dir, err)
		}
		ms = sc
		popts.SideCarDir = filepath.Join(dir, sidecarDir)
	}
	log := c.Log
	if log == nil {
		log = io.Discard
	}

	// The front server listens on c.Addr and passes every request to
	// versitygw on a private loopback port, refusing anonymous requests
	// for a version (guardVersions).
	front, err := net.Listen("tcp", c.Addr)
	if err != nil {
		return fmt.Errorf("gateway address %s: %w", c.Addr, err)
	}
	defer front.Close()

	// embedgw cannot report the port it bound for ":0", so pick a free
	// port, and pick again if another process takes it first.
	for attempt := 0; ; attempt++ {
		addr, err := freePort("127.0.0.1")
		if err != nil {
			return err
		}
		be, err := newPosix(filepath.Join(dir, dataDir), ms, popts, log)
		if err != nil {
			return fmt.Errorf("store dir %s: %w", dir, err)
		}
		runCtx, cancel := context.WithCancel(ctx)
		done := make(chan error, 1)
		go func() {
			done <- embedgw.RunVersityGW(runCtx, be, &embedgw.Config{
				RootUserAccess: c.AccessKey, RootUserSecret: c.SecretKey, Region: c.Region,
				Ports: []string{addr}, MaxConnections: 1000, MaxRequests: 500,
				MultipartMaxParts: 10000, Quiet: true, KeepAlive: true,
			})
		}()
		err = waitReady(ctx, "http://"+addr, c, done)
		if err == nil {
			srv := &http.Server{Handler: guardVersions(addr), ReadHeaderTimeout: 30 * time.Second}
			served := make(chan error, 1)
			go func() { served <- srv.Serve(front) }()
			if c.Ready != nil {
				c.Ready("http://" + front.Addr().String())
			}
			select {
			case err = <-done:
			case err = <-served:
			}
			cancel()
			shut, stop := context.WithTimeout(context.Background(), 5*time.Second)
			srv.Shutdown(shut)
			stop()
			if ctx.Err() != nil {
				return nil
			}
			if err == nil || errors.Is(err, http.ErrServerClosed) {
				return errors.New("gateway stopped unexpectedly")
			}
			return fmt.Errorf("gateway on %s: %w", front.Addr(), err)
		}
		cancel()
		<-done
		if attempt < 5 && strings.Contains(err.Error(), "address already in use") {
			continue
		}
		return fmt.Errorf("gateway on %s: %w", c.Addr, err)
	}
}

// guardVersions returns the front server's handler: a reverse proxy to
// versitygw at backend (host:port) that refuses, with 403 AccessDenied, an
// anonymous request (no Authorization header, no presigned-URL signature)
// whose query names a version ("versionId", in any case or escaping).
//
// Why: S3 lets a request read a version by id only with
// s3:GetObjectVersion (Amazon S3 User Guide, "Retrieving object versions
// from a versioning-enabled bucket"), which Storyguard's bucket policy
// never grants; versitygw v1.8.0 checks anonymous requests against
// s3:GetObject alone (s3api/middlewares/public-bucket.go), so without this
// guard a noncurrent version (left by a publish interrupted before its
// purge) would be readable by anyone holding its id. Signed requests pass
// untouched (the Host header is kept, so SigV4 signatures still verify).
func guardVersions(backend string) http.Handler {
	proxy := &httputil.ReverseProxy{
		Rewrite: func(r *httputil.ProxyRequest) {
			r.SetURL(&url.URL{Scheme: "http", Host: backend})
			r.Out.Host = r.In.Host
		},
		ErrorLog: nil,
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if anonymous(r) && namesVersion(r.URL.RawQuery) {
			w.Header().Set("Content-Type", "application/xml")
			w.WriteHeader(http.StatusForbidden)
			io.WriteString(w, `<?xml version="1.0" encoding="UTF-8"?>`+"\n"+
				`<Error><Code>AccessDenied</Code><Message>Access Denied</Message></Error>`)
			return
		}
		proxy.ServeHTTP(w, r)
	})
}

// anonymous reports whether r carries no credentials: no Authorization
// header and no presigned-URL signature (SigV4 X-Amz-Signature, SigV2
// Signature) in its query.
func anonymous(r *http.Request) bool {
	if r.Header.Get("Authorization") != "" {
		return false
	}
	q := strings.ToLower(unescapeAll(r.URL.RawQuery))
	return !strings.Contains(q, "x-amz-signature") && !strings.Contains(q, "signature=")
}

// namesVersion reports whether a raw query mentions versionId in any case
// or percent-escaping (stricter than any server's parser, by design).
func namesVersion(raw string) bool {
	return strings.Contains(strings.ToLower(unescapeAll(raw)), "versionid")
}

// unescapeAll percent-decodes s repeatedly until it no longer changes (at
// most 4 rounds), keeping undecodable sequences as they are.
func unescapeAll(s string) string {
	for range 4 {
		u, err := url.QueryUnescape(s)
		if err != nil || u == s {
			return s
		}
		s = u
	}
	return s
}

func newPosix(root string, ms meta.MetadataStorer, opts posix.PosixOpts, log io.Writer) (*posix.Posix, error) {
	// posix.New prints its settings on stdout; StartGateway's reader
	// forwards every line but the ready line to its log.
	_ = log
	return posix.New(root, ms, opts)
}

// waitReady polls the gateway with a signed request until it answers, the
// gateway fails (done), or 15 s pass. A signed request also proves the
// port is ours and not another server's.
func waitReady(ctx context.Context, endpoint string, c GatewayConfig, done <-chan error) error {
	s, err := NewS3(S3Config{Endpoint: endpoint, Bucket: bucketOr(c.Bucket), Region: c.Region,
		AccessKey: c.AccessKey, SecretKey: c.SecretKey})
	if err != nil {
		return err
	}
	deadline := time.Now().Add(15 * time.Second)
	var last error
	for time.Now().Before(deadline) {
		select {
		case err := <-done:
			if err == nil {
				err = errors.New("gateway stopped before it was ready")
			}
			return err
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(20 * time.Millisecond):
		}
		pctx, cancel := context.WithTimeout(ctx, 2*time.Second)
		_, last = s.client.ListBuckets(pctx)
		cancel()
		if last == nil {
			if c.Bucket != "" {
				if err := s.EnsureBucket(ctx, true); err != nil {
					return err
				}
			}
			return nil
		}
		if errors.Is(s.wrap("", "", last), ErrAccessDenied) {
			return fmt.Errorf("another server answers on %s", endpoint)
		}
	}
	return fmt.Errorf("not ready after 15s: %v", last)
}

func bucketOr(b string) string {
	if b == "" {
		return "storyguard"
	}
	return b
}

func freePort(host string) (string, error) {
	l, err := net.Listen("tcp", net.JoinHostPort(host, "0"))
	if err != nil {
		return "", fmt.Errorf("find a free port on %s: %w", host, err)
	}
	addr := l.Addr().String()
	l.Close()
	return addr, nil
}

// lockDir takes an exclusive advisory lock on dir/LOCK, so that two
// gateways never serve one store dir at once (versitygw's posix backend
// does not promise to be safe for that).
func lockDir(dir string) (func(), error) {
	p := filepath.Join(dir, lockFile)
	f, err := os.OpenFile(p, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("lock store dir: %w", err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		f.Close()
		return nil, fmt.Errorf("store dir %s is in use by another storyguard (a running preview or store serve?): %w", dir, err)
	}
	return func() { f.Close() }, nil
}

// prepareLayout creates the store dir's folders and LAYOUT, or checks an
// existing LAYOUT, and returns the metadata mode in force.
func prepareLayout(dir, want string) (string, error) {
	if want == "" {
		want = MetaAuto
	}
	if want != MetaAuto && want != MetaXattr && want != MetaSidecar {
		return "", fmt.Errorf("meta %q: want auto, xattr or sidecar", want)
	}
	for _, d := range []string{dataDir, versionsDir} {
		if err := os.MkdirAll(filepath.Join(dir, d), 0o700); err != nil {
			return "", fmt.Errorf("store dir %s: %w", dir, err)
		}
	}
	lf := filepath.Join(dir, layoutFile)
	b, err := os.ReadFile(lf)
	switch {
	case err == nil:
		lines := strings.Split(strings.TrimSpace(string(b)), "\n")
		if len(lines) != 2 || lines[0] != layoutHeader || !strings.HasPrefix(lines[1], "meta=") {
			return "", fmt.Errorf("%s: not a storyguard store layout (want %q and a meta= line)", lf, layoutHeader)
		}
		have := strings.TrimPrefix(lines[1], "meta=")
		if have != MetaXattr && have != MetaSidecar {
			return "", fmt.Errorf("%s: meta=%s: want xattr or sidecar", lf, have)
		}
		if want != MetaAuto && want != have {
			return "", fmt.Errorf("%s: this store keeps metadata as %s; it cannot be served with --meta %s", lf, have, want)
		}
		if have == MetaSidecar {
			if err := os.MkdirAll(filepath.Join(dir, sidecarDir), 0o700); err != nil {
				return "", fmt.Errorf("store dir %s: %w", dir, err)
			}
		}
		return have, nil
	case !errors.Is(err, os.ErrNotExist):
		return "", fmt.Errorf("%s: %w", lf, err)
	}
	mode := want
	if mode == MetaAuto {
		mode = MetaSidecar
		if xattrWorks(filepath.Join(dir, dataDir)) {
			mode = MetaXattr
		}
	} else if mode == MetaXattr && !xattrWorks(filepath.Join(dir, dataDir)) {
		return "", fmt.Errorf("store dir %s: the filesystem does not support extended attributes; use --meta sidecar", dir)
	}
	if mode == MetaSidecar {
		if err := os.MkdirAll(filepath.Join(dir, sidecarDir), 0o700); err != nil {
			return "", fmt.Errorf("store dir %s: %w", dir, err)
		}
	}
	if err := os.WriteFile(lf, []byte(layoutHeader+"\nmeta="+mode+"\n"), 0o600); err != nil {
		return "", fmt.Errorf("%s: %w", lf, err)
	}
	return mode, nil
}

// xattrWorks sets and reads back a user.* attribute on a probe file in dir.
func xattrWorks(dir string) bool {
	f, err := os.CreateTemp(dir, ".xattr-probe-*")
	if err != nil {
		return false
	}
	name := f.Name()
	f.Close()
	defer os.Remove(name)
	if err := syscall.Setxattr(name, "user.storyguard.probe", []byte("1"), 0); err != nil {
		return false
	}
	buf := make([]byte, 4)
	n, err := syscall.Getxattr(name, "user.storyguard.probe", buf)
	return err == nil && n == 1
}

// Command is how to run the storyguard executable: Path and the arguments
// that precede "store serve ...". The zero value means os.Executable() with
// no prefix. Tests set Path to their own test binary (os.Args[0]) and
// dispatch to ServeMain from TestMain.
type Command struct {
	Path string
	Args []string
	// Env is added to the child's environment (for example a marker that
	// makes a test binary act as the gateway).
	Env []string
}

// GatewayOptions configures StartGateway.
type GatewayOptions struct {
	Command Command
	// Dir is the store dir.
	Dir string
	// Bucket is created with versioning enabled before StartGateway
	// returns; default "storyguard".
	Bucket string
	Region string
	// Meta as in GatewayConfig.
	Meta string
	// Addr to listen on; default "127.0.0.1:0" (a free loopback port).
	Addr string
	// AccessKey and SecretKey; default fresh random ones for this run.
	AccessKey, SecretKey string
	// Log receives the child's stderr and extra stdout (nil: discarded;
	// the last 4 KiB are quoted in a start failure's error either way).
	Log io.Writer
	// StartTimeout bounds the start (0: 20 s).
	StartTimeout time.Duration
}

// Gateway is a running child gateway process.
type Gateway struct {
	// Endpoint is the gateway's base URL, "http://127.0.0.1:PORT".
	Endpoint             string
	Bucket               string
	Region               string
	AccessKey, SecretKey string

	cmd     *exec.Cmd
	stdin   io.WriteCloser
	waited  chan struct{}
	waitErr error
	once    sync.Once
}

// StartGateway starts `<exe> [args] store serve --dir DIR --addr ADDR
// --bucket B --region R --meta M --exit-with-stdin` as a child process,
// credentials passed in AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY (never in
// argv, which other users can read), and waits for its ready line. The
// child exits when its stdin closes, so it dies with its parent even if the
// parent is killed. Stop it with Close.
func StartGateway(ctx context.Context, o GatewayOptions) (*Gateway, error) {
	if o.Command.Path == "" {
		exe, err := os.Executable()
		if err != nil {
			return nil, fmt.Errorf("start gateway: find own executable: %w", err)
		}
		o.Command.Path = exe
	}
	o.Bucket = bucketOr(o.Bucket)
	if o.Region == "" {
		o.Region = defaultRegion
	}
	if o.Addr == "" {
		o.Addr = "127.0.0.1:0"
	}
	if o.Meta == "" {
		o.Meta = MetaAuto
	}
	if o.AccessKey == "" {
		o.AccessKey, o.SecretKey = "sg"+randomHex(9), randomHex(24)
	}
	if o.StartTimeout == 0 {
		o.StartTimeout = 20 * time.Second
	}
	// Keep the child's last messages for a start failure's error.
	tail := &tailBuffer{max: 4 << 10}
	if o.Log == nil {
		o.Log = tail
	} else {
		o.Log = io.MultiWriter(o.Log, tail)
	}
	dir, err := filepath.Abs(o.Dir)
	if err != nil {
		return nil, fmt.Errorf("store dir %s: %w", o.Dir, err)
	}
	args := append(append([]string{}, o.Command.Args...), "store", "serve",
		"--dir", dir, "--addr", o.Addr, "--bucket", o.Bucket, "--region", o.Region,
		"--meta", o.Meta, "--exit-with-stdin")
	cmd := exec.Command(o.Command.Path, args...)
	cmd.Env = append(append(envWithout(os.Environ(), "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"),
		o.Command.Env...), "AWS_ACCESS_KEY_ID="+o.AccessKey, "AWS_SECRET_ACCESS_KEY="+o.SecretKey)
	cmd.Stderr = o.Log
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return nil, fmt.Errorf("start gateway: %w", err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, fmt.Errorf("start gateway: %w", err)
	}
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start gateway %s: %w", o.Command.Path, err)
	}
	g := &Gateway{Bucket: o.Bucket, Region: o.Region, AccessKey: o.AccessKey, SecretKey: o.SecretKey,
		cmd: cmd, stdin: stdin, waited: make(chan struct{})}
	go func() { g.waitErr = cmd.Wait(); close(g.waited) }()

	ready := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		sent := false
		for sc.Scan() {
			line := sc.Text()
			if !sent && strings.HasPrefix(line, readyLine) {
				ready <- strings.TrimPrefix(line, readyLine)
				sent = true
				continue
			}
			fmt.Fprintln(o.Log, line)
		}
		io.Copy(io.Discard, stdout)
	}()
	timer := time.NewTimer(o.StartTimeout)
	defer timer.Stop()
	select {
	case ep := <-ready:
		g.Endpoint = ep
		return g, nil
	case <-g.waited:
		return nil, fmt.Errorf("gateway over %s exited before it was ready (%v): %s", dir, g.waitErr, strings.TrimSpace(tail.String()))
	case <-timer.C:
		g.Close()
		return nil, fmt.Errorf("gateway over %s not ready after %s", dir, o.StartTimeout)
	case <-ctx.Done():
		g.Close()
		return nil, ctx.Err()
	}
}

// Store returns an S3 store on the gateway's bucket.
func (g *Gateway) Store() (*S3, error) {
	return NewS3(S3Config{Endpoint: g.Endpoint, Bucket: g.Bucket, Region: g.Region,
		AccessKey: g.AccessKey, SecretKey: g.SecretKey})
}

// Pid returns the child's process id.
func (g *Gateway) Pid() int { return g.cmd.Process.Pid }

// Kill stops the child at once with SIGKILL, as a crash would (for fault
// tests), and waits for it.
func (g *Gateway) Kill() {
	g.once.Do(func() {
		g.cmd.Process.Kill()
		<-g.waited
		g.stdin.Close()
	})
}

// Close stops the child: SIGTERM, then SIGKILL after 5 s. It waits for the
// process to exit and is safe to call more than once. It returns nil when
// the child stopped.
func (g *Gateway) Close() error {
	g.once.Do(func() {
		g.cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-g.waited:
		case <-time.After(5 * time.Second):
			g.cmd.Process.Kill()
			<-g.waited
		}
		g.stdin.Close()
	})
	return nil
}

func randomHex(n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic(err) // crypto/rand never fails on Linux (Go 1.24+ crashes instead)
	}
	return hex.EncodeToString(b)
}

func envWithout(env []string, names ...string) []string {
	out := env[:0:0]
next:
	for _, e := range env {
		for _, n := range names {
			if strings.HasPrefix(e, n+"=") {
				continue next
			}
		}
		out = append(out, e)
	}
	return out
}

// ServeIfChild runs this process as the gateway child (ServeMain with the
// process's arguments after "store serve", stopping on SIGINT or SIGTERM)
// and exits, when the environment variable env is "1"; otherwise it
// returns at once. Test binaries call it first in TestMain, so that
// StartGateway with Command{Path: os.Args[0], Env: []string{env + "=1"}}
// runs the real gateway without building cmd/storyguard (which links Hugo).
func ServeIfChild(env string) {
	if os.Getenv(env) != "1" {
		return
	}
	args := os.Args[1:]
	if len(args) < 2 || args[0] != "store" || args[1] != "serve" {
		fmt.Fprintln(os.Stderr, "gateway child: want store serve ...")
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := ServeMain(ctx, args[2:], os.Getenv, os.Stdin, os.Stdout, os.Stderr)
	stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, "gateway child:", err)
		os.Exit(2)
	}
	os.Exit(0)
}

// ServeMain is `store serve` as StartGateway invokes it, for a test binary
// acting as the gateway: args are everything after "store serve" (--dir,
// --addr, --bucket, --region, --meta, --allow-remote, --exit-with-stdin);
// credentials come from getenv("AWS_ACCESS_KEY_ID") and
// getenv("AWS_SECRET_ACCESS_KEY"). It prints the ready line on stdout and
// runs until ctx is done or, with --exit-with-stdin, stdin closes.
// cmd/storyguard's cobra command does the same with its own flag parsing.
func ServeMain(ctx context.Context, args []string, getenv func(string) string, stdin io.Reader, stdout, stderr io.Writer) error {
	c := GatewayConfig{Addr: "127.0.0.1:9000", AccessKey: getenv("AWS_ACCESS_KEY_ID"), SecretKey: getenv("AWS_SECRET_ACCESS_KEY"), Log: stderr}
	exitWithStdin := false
	for i := 0; i < len(args); i++ {
		a := args[i]
		val := func() string {
			if i+1 < len(args) {
				i++
				return args[i]
			}
			return ""
		}
		switch a {
		case "--dir":
			c.Dir = val()
		case "--addr":
			c.Addr = val()
		case "--bucket":
			c.Bucket = val()
		case "--region":
			c.Region = val()
		case "--meta":
			c.Meta = val()
		case "--allow-remote":
			c.AllowRemote = true
		case "--exit-with-stdin":
			exitWithStdin = true
		default:
			return fmt.Errorf("store serve: unknown argument %q", a)
		}
	}
	if c.Dir == "" {
		return errors.New("store serve: --dir is required")
	}
	return RunServe(ctx, c, exitWithStdin, stdin, stdout)
}

// RunServe runs ServeGateway for `store serve`: it prints
// "storyguard-store-ready <endpoint>" on stdout when ready, and stops on
// ctx or, when exitWithStdin is set, when stdin reaches end of file (the
// parent closed it or died).
func RunServe(ctx context.Context, c GatewayConfig, exitWithStdin bool, stdin io.Reader, stdout io.Writer) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	if exitWithStdin {
		go func() { io.Copy(io.Discard, stdin); cancel() }()
	}
	prev := c.Ready
	c.Ready = func(ep string) {
		fmt.Fprintln(stdout, readyLine+ep)
		if prev != nil {
			prev(ep)
		}
	}
	return ServeGateway(ctx, c)
}

// tailBuffer keeps the last max bytes written to it.
type tailBuffer struct {
	mu  sync.Mutex
	max int
	b   []byte
}

func (t *tailBuffer) Write(p []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.b = append(t.b, p...)
	if len(t.b) > t.max {
		t.b = append([]byte(nil), t.b[len(t.b)-t.max:]...)
	}
	return len(p), nil
}

func (t *tailBuffer) String() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return string(t.b)
}

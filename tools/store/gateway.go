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
	"runtime"
	"slices"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/versity/versitygw/backend/meta"
	"github.com/versity/versitygw/backend/posix"
	"github.com/versity/versitygw/embedgw"

	"storyguard/tools/endpoint"
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
	if !c.AllowRemote && !endpoint.IsLoopback(host) {
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
	// versitygw through guardVersions. versitygw itself listens only on a
	// unix socket (mode 0600) in a fresh private folder (mode 0700), so
	// nothing but this process can reach it without going through the
	// guard: no second TCP port.
	front, err := net.Listen("tcp", c.Addr)
	if err != nil {
		return fmt.Errorf("gateway address %s: %w", c.Addr, err)
	}
	defer front.Close()
	sockDir, err := os.MkdirTemp(socketBase(), "sggw-")
	if err != nil {
		return fmt.Errorf("gateway socket folder: %w", err)
	}
	defer os.RemoveAll(sockDir)
	if err := os.Chmod(sockDir, 0o700); err != nil {
		return fmt.Errorf("gateway socket folder: %w", err)
	}
	sock := filepath.Join(sockDir, "s3.sock")
	be, err := newPosix(filepath.Join(dir, dataDir), ms, popts, log)
	if err != nil {
		return fmt.Errorf("store dir %s: %w", dir, err)
	}
	runCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	done := make(chan error, 1)
	go func() {
		done <- embedgw.RunVersityGW(runCtx, be, &embedgw.Config{
			RootUserAccess: c.AccessKey, RootUserSecret: c.SecretKey, Region: c.Region,
			Ports: []string{sock}, SocketPerm: "0600", MaxConnections: 1000, MaxRequests: 500,
			MultipartMaxParts: 10000, Quiet: true, KeepAlive: true,
		})
	}()
	var d net.Dialer
	dial := func(ctx context.Context) (net.Conn, error) { return d.DialContext(ctx, "unix", sock) }
	srv := &http.Server{Handler: guardVersions(dial), ReadHeaderTimeout: 30 * time.Second}
	// The front serves only once the gateway answers and the bucket exists
	// (the probe reaches versitygw straight through the socket): a client
	// that connects as soon as the port is open waits in the listen
	// backlog instead of meeting "the specified bucket does not exist".
	endpoint := "http://" + front.Addr().String()
	if err := waitReady(ctx, endpoint, c, dial, done); err != nil {
		cancel()
		<-done
		if ctx.Err() != nil {
			return nil
		}
		return fmt.Errorf("gateway on %s: %w", front.Addr(), err)
	}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(front) }()
	defer func() {
		shut, stop := context.WithTimeout(context.Background(), 5*time.Second)
		srv.Shutdown(shut)
		stop()
	}()
	if c.Ready != nil {
		c.Ready(endpoint)
	}
	select {
	case err = <-done:
	case err = <-served:
	case <-ctx.Done():
	}
	cancel()
	if ctx.Err() != nil {
		return nil
	}
	if err == nil || errors.Is(err, http.ErrServerClosed) {
		return errors.New("gateway stopped unexpectedly")
	}
	return fmt.Errorf("gateway on %s: %w", front.Addr(), err)
}

// guardVersions returns the front server's handler: a reverse proxy to
// versitygw, reached through dial (the gateway's private unix socket),
// that lets only signed requests (signedRequest) pass untouched and turns
// every other request into a plain anonymous read of the current object:
//
//   - only GET and HEAD; any other method gets 405 and never reaches the
//     gateway;
//   - the query string is dropped entirely (RawQuery and ForceQuery
//     cleared), so no spelling of versionId and no sub-resource (?versions,
//     ?acl, ?uploads, ?list-type=2, ?partNumber=...) can reach the gateway:
//     readers of a static site need none;
//   - the Authorization header and every X-Amz-* request header are
//     removed;
//   - the response keeps only the headers a reader of a static site needs
//     (anonymousResponseHeaders): every X-Amz-* header (X-Amz-Version-Id,
//     X-Amz-Delete-Marker, request ids), Server (VERSITYGW), the gateway's
//     own Content-Encoding aws-chunked and any other header is removed,
//     so no anonymous reader learns a version id, which software serves
//     the store, or, from an error, when an object was deleted.
//
// Why: S3 lets a request read a version by id only with
// s3:GetObjectVersion (Amazon S3 User Guide, "Retrieving object versions
// from a versioning-enabled bucket"), which Storyguard's bucket policy
// never grants; versitygw v1.8.0 checks anonymous requests against
// s3:GetObject alone (s3api/middlewares/public-bucket.go), so without this
// guard a noncurrent version (left by a publish or withdrawal interrupted
// before its purge) would be readable by anyone holding its id. Signed
// requests pass untouched (the Host header is kept, so SigV4 signatures
// still verify). The decision is taken again on the outgoing request,
// after the proxy has removed hop-by-hop headers and cleaned the query,
// so that what the guard calls signed is what versitygw sees as signed.
func guardVersions(dial func(ctx context.Context) (net.Conn, error)) http.Handler {
	proxy := &httputil.ReverseProxy{
		Rewrite: func(r *httputil.ProxyRequest) {
			r.SetURL(&url.URL{Scheme: "http", Host: "versitygw"})
			r.Out.Host = r.In.Host
			if !signedRequest(r.Out.Header, r.Out.URL.RawQuery) {
				anonymize(r.Out)
			}
		},
		Transport: &http.Transport{
			DialContext:         func(ctx context.Context, _, _ string) (net.Conn, error) { return dial(ctx) },
			MaxIdleConnsPerHost: 64,
			IdleConnTimeout:     90 * time.Second,
		},
		ModifyResponse: func(resp *http.Response) error {
			if !signedRequest(resp.Request.Header, resp.Request.URL.RawQuery) {
				anonymousResponseHeaders(resp.StatusCode, resp.Header)
			}
			return nil
		},
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// The proxy removes the headers that Connection names before it
		// forwards the request; decide on what will be forwarded.
		h := r.Header.Clone()
		for _, v := range h.Values("Connection") {
			for _, name := range strings.Split(v, ",") {
				h.Del(strings.TrimSpace(name))
			}
		}
		if !signedRequest(h, r.URL.RawQuery) && r.Method != http.MethodGet && r.Method != http.MethodHead {
			w.Header().Set("Allow", "GET, HEAD")
			w.Header().Set("Content-Type", "application/xml")
			w.WriteHeader(http.StatusMethodNotAllowed)
			io.WriteString(w, `<?xml version="1.0" encoding="UTF-8"?>`+"\n"+
				`<Error><Code>MethodNotAllowed</Code><Message>The specified method is not allowed against this resource.</Message></Error>`)
			return
		}
		proxy.ServeHTTP(w, r)
	})
}

// sigV4QueryParams are the query parameters of a SigV4 presigned URL that
// must all be present, each once and non-empty, for a query to count as
// signed (AWS, "Authenticating Requests: Using Query Parameters (AWS
// Signature Version 4)"). versitygw treats a request carrying any one of
// them as presigned and verifies it (internal/sigv4auth IsQueryAuth), so a
// request the guard counts as signed is always verified by the gateway.
var sigV4QueryParams = []string{"X-Amz-Algorithm", "X-Amz-Credential", "X-Amz-Date", "X-Amz-SignedHeaders", "X-Amz-Signature"}

// signedRequest reports whether a request with header h and raw query
// rawQuery carries credentials the gateway will verify: exactly one
// non-empty Authorization header, or a query that parses cleanly
// (url.ParseQuery: no ';', no bad escape) holding every SigV4 presign
// parameter (sigV4QueryParams) by its exact name, each once and non-empty.
// Anything else is anonymous: a lookalike (signature=, xsignature,
// x=x-amz-signature, X-AMZ-SIGNATURE), SigV2's Signature/AWSAccessKeyId
// (versitygw v1.8.0 refuses SigV2 outright:
// s3api/middlewares/presign-auth.go), or a signature hidden behind a
// malformed escape.
func signedRequest(h http.Header, rawQuery string) bool {
	if a := h.Values("Authorization"); len(a) == 1 && strings.TrimSpace(a[0]) != "" {
		return true
	}
	q, err := url.ParseQuery(rawQuery)
	if err != nil {
		return false
	}
	for _, p := range sigV4QueryParams {
		if v := q[p]; len(v) != 1 || v[0] == "" {
			return false
		}
	}
	return true
}

// anonymize turns out into a plain anonymous read: no query string, no
// Authorization, no X-Amz-* header.
func anonymize(out *http.Request) {
	out.URL.RawQuery = ""
	out.URL.ForceQuery = false
	out.Header.Del("Authorization")
	stripAmzHeaders(out.Header)
}

// anonymousSuccessHeaders are the response headers an anonymous read of
// an object keeps (status 2xx or 304): what a browser or CDN needs to show
// and cache a static file (RFC 9110 and RFC 9111 fields). Everything else
// the gateway sends is dropped: X-Amz-* (version ids, delete markers,
// request ids, user metadata), Server, and any header a later gateway
// version adds. anonymousErrorHeaders are the few an error keeps: not
// Last-Modified or ETag, which on a 404 would tell when a deleted page
// (a withdrawn story's) was deleted.
var (
	anonymousSuccessHeaders = []string{"Accept-Ranges", "Cache-Control", "Content-Encoding", "Content-Language", "Content-Length", "Content-Range", "Content-Type", "Date", "Etag", "Expires", "Last-Modified"}
	anonymousErrorHeaders   = []string{"Allow", "Content-Length", "Content-Type", "Date", "Retry-After"}
)

// httpContentCodings are the content codings (RFC 9110 section 8.4.1,
// IANA registry) a Content-Encoding may keep for an anonymous reader;
// S3's aws-chunked (a transfer framing of signed uploads, which versitygw
// stores and returns as if it were the object's coding) is not one.
var httpContentCodings = []string{"gzip", "x-gzip", "deflate", "br", "zstd", "compress", "identity"}

// anonymousResponseHeaders reduces h, the headers of a response with
// status code to an anonymous request, to anonymousSuccessHeaders (2xx
// and 304) or anonymousErrorHeaders (anything else), and drops from
// Content-Encoding every coding that is not an HTTP content coding
// (httpContentCodings), the header itself when none is left.
func anonymousResponseHeaders(code int, h http.Header) {
	keep := anonymousErrorHeaders
	if code >= 200 && code < 300 || code == http.StatusNotModified {
		keep = anonymousSuccessHeaders
	}
	for k := range h {
		if !slices.Contains(keep, http.CanonicalHeaderKey(k)) {
			delete(h, k)
		}
	}
	var codings []string
	for _, v := range h.Values("Content-Encoding") {
		for _, c := range strings.Split(v, ",") {
			if c = strings.ToLower(strings.TrimSpace(c)); slices.Contains(httpContentCodings, c) {
				codings = append(codings, c)
			}
		}
	}
	h.Del("Content-Encoding")
	if len(codings) > 0 {
		h.Set("Content-Encoding", strings.Join(codings, ", "))
	}
}

// stripAmzHeaders deletes every header whose name starts with "x-amz-" in
// any case.
func stripAmzHeaders(h http.Header) {
	for k := range h {
		if len(k) >= 6 && strings.EqualFold(k[:6], "x-amz-") {
			delete(h, k)
		}
	}
}

// socketBase is the folder the gateway's private socket folder goes in:
// $TMPDIR, or /tmp when $TMPDIR is so long that the socket's path would not
// fit in sun_path (108 bytes on Linux, 104 on the BSDs; man 7 unix). The
// folder is named sggw-*, apart from the storyguard-* work folders.
func socketBase() string {
	base := os.TempDir()
	if len(base)+len("/sggw-0123456789/s3.sock") > 100 {
		return "/tmp"
	}
	return base
}

func newPosix(root string, ms meta.MetadataStorer, opts posix.PosixOpts, log io.Writer) (*posix.Posix, error) {
	// posix.New prints its settings on stdout; StartGateway's reader
	// forwards every line but the ready line to its log.
	_ = log
	return posix.New(root, ms, opts)
}

// waitReady waits until versitygw accepts connections on its socket (dial)
// and answers a signed request sent straight through that socket (signed
// requests pass the guard untouched, so this is the answer a client will
// get), and creates the bucket when c names one; it gives up when the
// gateway fails (done), or after 15 s.
func waitReady(ctx context.Context, endpoint string, c GatewayConfig, dial func(context.Context) (net.Conn, error), done <-chan error) error {
	s, err := newS3(S3Config{Endpoint: endpoint, Bucket: bucketOr(c.Bucket), Region: c.Region,
		AccessKey: c.AccessKey, SecretKey: c.SecretKey}, dial)
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
		conn, err := dial(pctx)
		if err != nil {
			cancel()
			last = err
			continue
		}
		conn.Close()
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
			return fmt.Errorf("gateway behind %s refuses its own credentials", endpoint)
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
	dieWithParent(cmd.SysProcAttr)
	// The parent-death signal follows the OS thread that forked the child:
	// keep this goroutine on one thread until the child has started.
	runtime.LockOSThread()
	err = cmd.Start()
	runtime.UnlockOSThread()
	if err != nil {
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

package main

import (
	"bytes"
	"compress/gzip"
	"context"
	"fmt"
	"io"
	"io/fs"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"
	"github.com/rogpeppe/go-internal/testscript"
)

// TestScriptsE2E runs testdata/script/e2e/*.txtar on a copy of the shipped
// site (config.toml, content/, themes/, static/, data/) and the demo vault,
// against a real versitygw gateway the script starts with `storyguard store
// serve`. The commands below read the bucket with a separate minio-go
// client, as an independent witness of what storyguard claims.
func TestScriptsE2E(t *testing.T) {
	testscript.Run(t, testscript.Params{
		Dir: "testdata/script/e2e",
		Setup: func(env *testscript.Env) error {
			site := filepath.Join(env.WorkDir, "site")
			for _, d := range []string{"config.toml", "content", "themes", "static", "data", "examples/vault"} {
				if err := copyPath(filepath.Join("..", "..", d), filepath.Join(site, d)); err != nil {
					return err
				}
			}
			port, err := freePort()
			if err != nil {
				return err
			}
			env.Setenv("PORT", port)
			previewPort, err := freePort()
			if err != nil {
				return err
			}
			env.Setenv("PREVIEW_PORT", previewPort)
			env.Setenv("AWS_ACCESS_KEY_ID", "e2e-admin")
			env.Setenv("AWS_SECRET_ACCESS_KEY", "e2e-secret-0123456789abcdef")
			env.Setenv("STORYGUARD_ENDPOINT", "http://127.0.0.1:"+port)
			env.Setenv("STORYGUARD_VAULT", "examples/vault")
			env.Setenv("STORYGUARD_AGE_IDENTITY_FILE", filepath.Join(site, "examples", "vault", "demo-identity.txt"))
			// The copy has no node_modules: point at the repository's
			// Pagefind (scripts/install-test-deps.sh installs it).
			pf, err := filepath.Abs(filepath.Join("..", "..", "tools", "site", "search", "node_modules", "@pagefind", "linux-x64", "bin", "pagefind_extended"))
			if err != nil {
				return err
			}
			env.Setenv("STORYGUARD_PAGEFIND", pf)
			return nil
		},
		Cmds: map[string]func(ts *testscript.TestScript, neg bool, args []string){
			"waitport":       cmdWaitPort,
			"httpget":        cmdHTTPGet,
			"s3ls":           cmdS3List,
			"s3grep":         cmdS3Grep,
			"search":         cmdSearch,
			"s3put":          cmdS3Put,
			"exits":          cmdExits,
			"plantbeforeeoi": cmdPlantBeforeEOI,
		},
	})
}

func freePort() (string, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer l.Close()
	_, port, err := net.SplitHostPort(l.Addr().String())
	return port, err
}

func copyPath(src, dst string) error {
	if _, err := os.Stat(src); os.IsNotExist(err) {
		return nil // data/ exists only after a publish
	}
	return filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		target := filepath.Join(dst, rel)
		if d.IsDir() {
			if d.Name() == "node_modules" {
				return filepath.SkipDir
			}
			return os.MkdirAll(target, 0o755)
		}
		if !d.Type().IsRegular() || d.Name() == "audit.log" {
			return nil
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		if err := os.MkdirAll(filepath.Dir(target), 0o755); err != nil {
			return err
		}
		return os.WriteFile(target, data, 0o644)
	})
}

// waitport HOST:PORT waits up to 30 s for a TCP listener.
func cmdWaitPort(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) != 1 {
		ts.Fatalf("usage: waitport host:port")
	}
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		if c, err := net.DialTimeout("tcp", args[0], time.Second); err == nil {
			c.Close()
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
	ts.Fatalf("nothing listens on %s after 30 s", args[0])
}

// httpget URL fetches URL anonymously; the body goes to stdout. It fails
// unless the status is 200 (with !, unless it is not).
func cmdHTTPGet(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) != 1 {
		ts.Fatalf("usage: httpget url")
	}
	client := &http.Client{Timeout: 3 * time.Minute} // preview answers once its publish is done
	resp, err := client.Get(args[0])
	if err != nil {
		ts.Fatalf("GET %s: %v", args[0], err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	ts.Stdout().Write(body)
	if ok := resp.StatusCode == http.StatusOK; ok == neg {
		ts.Fatalf("GET %s: status %d", args[0], resp.StatusCode)
	}
}

func adminClient(ts *testscript.TestScript) *minio.Client {
	c, err := minio.New("127.0.0.1:"+ts.Getenv("PORT"), &minio.Options{
		Creds:  credentials.NewStaticV4(ts.Getenv("AWS_ACCESS_KEY_ID"), ts.Getenv("AWS_SECRET_ACCESS_KEY"), ""),
		Region: "us-east-1",
	})
	if err != nil {
		ts.Fatalf("minio client: %v", err)
	}
	return c
}

// s3ls PREFIX prints every version and delete marker under PREFIX in the
// bucket "storyguard", one per line: "key version-id latest|old [marker]".
func cmdS3List(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 1 {
		ts.Fatalf("usage: s3ls prefix")
	}
	out := ts.Stdout() // taken even when nothing is printed, so stdout is this command's
	c := adminClient(ts)
	for o := range c.ListObjects(context.Background(), "storyguard", minio.ListObjectsOptions{Prefix: args[0], Recursive: true, WithVersions: true}) {
		if o.Err != nil {
			ts.Fatalf("list %s: %v", args[0], o.Err)
		}
		state := "old"
		if o.IsLatest {
			state = "latest"
		}
		if o.IsDeleteMarker {
			state += " marker"
		}
		fmt.Fprintf(out, "%s %s %s\n", o.Key, o.VersionID, state)
	}
}

// s3put KEY FILE stores FILE under KEY in the bucket "storyguard", as
// another machine's run would (the lease object, for example).
func cmdS3Put(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 2 {
		ts.Fatalf("usage: s3put key file")
	}
	data, err := os.ReadFile(ts.MkAbs(args[1]))
	ts.Check(err)
	_, err = adminClient(ts).PutObject(context.Background(), "storyguard", args[0], bytes.NewReader(data), int64(len(data)), minio.PutObjectOptions{})
	ts.Check(err)
}

// s3grep TEXT reads every version of every object in the bucket (keys and
// bodies) and succeeds when one holds TEXT, printing those keys, like grep;
// with !, it fails if any does.
func cmdS3Grep(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) != 1 {
		ts.Fatalf("usage: s3grep text")
	}
	out := ts.Stdout()
	ctx := context.Background()
	c := adminClient(ts)
	found, n := 0, 0
	for o := range c.ListObjects(ctx, "storyguard", minio.ListObjectsOptions{Recursive: true, WithVersions: true}) {
		if o.Err != nil {
			ts.Fatalf("list: %v", o.Err)
		}
		if o.IsDeleteMarker {
			continue
		}
		obj, err := c.GetObject(ctx, "storyguard", o.Key, minio.GetObjectOptions{VersionID: o.VersionID})
		if err != nil {
			ts.Fatalf("get %s@%s: %v", o.Key, o.VersionID, err)
		}
		body, err := io.ReadAll(obj)
		obj.Close()
		if err != nil {
			ts.Fatalf("read %s@%s: %v", o.Key, o.VersionID, err)
		}
		n++
		// Compressed objects (the Pagefind index) are read decompressed.
		if zr, err := gzip.NewReader(bytes.NewReader(body)); err == nil {
			if plain, err := io.ReadAll(zr); err == nil {
				body = append(body, plain...)
			}
		}
		if bytes.Contains(body, []byte(args[0])) || strings.Contains(o.Key, args[0]) {
			found++
			fmt.Fprintf(out, "%s %s\n", o.Key, o.VersionID)
		}
	}
	if n == 0 {
		ts.Fatalf("the bucket holds no object versions at all")
	}
	if (found > 0) == neg {
		ts.Fatalf("%d of %d object versions hold %q", found, n, args[0])
	}
}

// cmdPlantBeforeEOI is the testscript command "plantbeforeeoi FILE TEXT":
// it inserts TEXT just before a JPEG's final end marker, inside the
// entropy-coded data, where no metadata segment is.
func cmdPlantBeforeEOI(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 2 {
		ts.Fatalf("usage: plantbeforeeoi FILE TEXT")
	}
	p := ts.MkAbs(args[0])
	data, err := os.ReadFile(p)
	ts.Check(err)
	if len(data) < 4 || !bytes.HasSuffix(data, []byte{0xFF, 0xD9}) {
		ts.Fatalf("%s: does not end with a JPEG EOI", args[0])
	}
	out := append(append(slices.Clone(data[:len(data)-2]), args[1]...), 0xFF, 0xD9)
	ts.Check(os.WriteFile(p, out, 0o644))
}

// cmdSearch is the testscript command "search LANG WORD": it searches the
// site's Pagefind index as published in the bucket, read anonymously over
// HTTP with Pagefind's own pagefind.js (tools/site/testdata/pagefind-search.mjs,
// run by node), and prints the URL of each page found, one a line.
func cmdSearch(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) != 2 {
		ts.Fatalf("usage: search LANG WORD")
	}
	script, err := filepath.Abs(filepath.Join("..", "..", "tools", "site", "testdata", "pagefind-search.mjs"))
	if err != nil {
		ts.Fatalf("%v", err)
	}
	bundle := "http://127.0.0.1:" + ts.Getenv("PORT") + "/storyguard/site/pagefind/"
	out, err := exec.Command("node", script, bundle, args[0], args[1]).CombinedOutput()
	ts.Stdout().Write(out)
	if (err != nil) != neg {
		ts.Fatalf("search %s %s: %v", args[0], args[1], err)
	}
}

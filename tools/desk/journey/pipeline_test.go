package journey

import (
	"context"
	"io"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"storyguard/tools/identity"
	"storyguard/tools/pipeline"
	"storyguard/tools/publish"
	"storyguard/tools/store"
	"storyguard/tools/stories"
	"storyguard/tools/vault"
)

const gatewayChildEnv = "STORYGUARD_JOURNEY_TEST_GATEWAY"

// TestMain lets the test binary act as `storyguard store serve`, so the
// journey publishes to, and withdraws from, the real versitygw gateway.
func TestMain(m *testing.M) {
	store.ServeIfChild(gatewayChildEnv)
	os.Exit(m.Run())
}

// livePipeline is the real pipeline of tools/pipeline (as storyguard
// publish and withdraw run it) over a copy of the shipped site and of the
// demo vault, deploying to a real gateway.
type livePipeline struct {
	cfg    pipeline.Config
	opts   func() publish.Options
	s3     *store.S3
	bucket string
}

func newLivePipeline(t *testing.T, repo string) *livePipeline {
	t.Helper()
	site, vdir := t.TempDir(), t.TempDir()
	for _, d := range []string{"config.toml", "content", "themes", "static"} {
		copyPath(t, filepath.Join(repo, d), filepath.Join(site, d))
	}
	for _, d := range []string{"registry.age", "media", "demo-identity.txt"} {
		copyPath(t, filepath.Join(repo, "examples", "vault", d), filepath.Join(vdir, d))
	}
	ids, err := identity.LoadIdentities(filepath.Join(vdir, "demo-identity.txt"), func(string) string { return "" })
	if err != nil {
		t.Fatal(err)
	}
	reg, err := identity.OpenRegistry(filepath.Join(vdir, "registry.age"), ids)
	if err != nil {
		t.Fatal(err)
	}
	v, err := vault.New(vdir, reg)
	if err != nil {
		t.Fatal(err)
	}
	g, err := store.StartGateway(context.Background(), store.GatewayOptions{
		Command: store.Command{Path: os.Args[0], Env: []string{gatewayChildEnv + "=1"}}, Dir: t.TempDir()})
	if err != nil {
		t.Fatalf("start gateway: %v", err)
	}
	t.Cleanup(func() { g.Close() })
	s3, err := g.Store()
	if err != nil {
		t.Fatal(err)
	}
	lp := &livePipeline{s3: s3, bucket: "storyguard"}
	lp.cfg = pipeline.Config{Root: site, Vault: v, Log: testLog{t},
		Store: func(context.Context) (publish.Store, io.Closer, error) { return s3, io.NopCloser(nil), nil }}
	lp.opts = func() publish.Options {
		return publish.Options{Root: site, Vault: vdir, Now: time.Now(), BaseURL: "https://stories.example.org/", MediaBaseURL: "/", Log: testLog{t}}
	}
	return lp
}

// publish runs storyguard publish's pipeline with the stories of ss.
func (lp *livePipeline) publish(t *testing.T, ss *stories.Store) *publish.Result {
	t.Helper()
	stored, err := publish.OpenStored(t.Context(), ss, lp.cfg.Vault.Dir, "en")
	if err != nil {
		t.Fatal(err)
	}
	defer stored.Close()
	c := lp.cfg
	c.Stored = stored
	res, err := publish.PublishStored(t.Context(), pipeline.Parts(c), lp.opts(), stored)
	if err != nil {
		for _, d := range res.Diagnostics {
			t.Logf("%s:%d:%d: %s %s: %s", d.File, d.Line, d.Col, d.Severity, d.Rule, d.Message)
		}
		t.Fatalf("publish: %v", err)
	}
	return res
}

// get is an anonymous GET of a key, as the public reads the bucket.
func (lp *livePipeline) get(t *testing.T, key string) (int, string) {
	t.Helper()
	resp, err := http.Get(lp.s3.Endpoint + "/" + lp.bucket + "/" + key)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

type testLog struct{ t *testing.T }

func (l testLog) Write(p []byte) (int, error) {
	l.t.Log(strings.TrimRight(string(p), "\n"))
	return len(p), nil
}

// copyPath copies a file or a folder tree (node_modules left out).
func copyPath(t *testing.T, src, dst string) {
	t.Helper()
	err := filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
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
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		if err := os.MkdirAll(filepath.Dir(target), 0o755); err != nil {
			return err
		}
		return os.WriteFile(target, data, 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
}

package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"os"
	"testing"

	"github.com/rogpeppe/go-internal/testscript"

	"storyguard/tools/store"
)

// TestScriptsStore runs cmd/storyguard/testdata/script/store/*.txtar: the
// store subcommands end to end. Each script also gets a real gateway of
// its own (`storyguard store serve` as a child process over a temporary
// folder) holding two objects, its address and credentials in
// $REMOTE_ENDPOINT, $REMOTE_KEY and $REMOTE_SECRET.
func TestScriptsStore(t *testing.T) {
	testscript.Run(t, testscript.Params{
		Dir: "testdata/script/store",
		Setup: func(env *testscript.Env) error {
			dir, err := os.MkdirTemp("", "storyguard-remote-")
			if err != nil {
				return err
			}
			g, err := store.StartGateway(context.Background(), store.GatewayOptions{
				Command: store.Command{Path: "storyguard"}, Dir: dir, Bucket: "remote"})
			if err != nil {
				os.RemoveAll(dir)
				return err
			}
			env.Defer(func() { g.Close(); os.RemoveAll(dir) })
			st, err := g.Store()
			if err != nil {
				return err
			}
			var ups []store.Upload
			for _, body := range []string{"<p>home</p>", "<p>about</p>"} {
				b := []byte(body)
				h := sha256.Sum256(b)
				key := "site/index.html"
				if body == "<p>about</p>" {
					key = "site/about/index.html"
				}
				ups = append(ups, store.Upload{Key: key, Size: int64(len(b)), SHA256: hex.EncodeToString(h[:]),
					Open: func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(b)), nil }})
			}
			if _, err := store.Sync(context.Background(), st, "site/", ups, store.SyncOptions{}); err != nil {
				return err
			}
			env.Setenv("REMOTE_ENDPOINT", g.Endpoint)
			env.Setenv("REMOTE_KEY", g.AccessKey)
			env.Setenv("REMOTE_SECRET", g.SecretKey)
			return nil
		},
	})
}

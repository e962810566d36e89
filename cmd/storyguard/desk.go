package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"time"

	"github.com/spf13/cobra"

	"storyguard/tools/check"
	"storyguard/tools/config"
	"storyguard/tools/content"
	"storyguard/tools/desk"
	"storyguard/tools/pipeline"
	"storyguard/tools/publish"
	"storyguard/tools/site"
	"storyguard/tools/stories"
)

func init() { register(newDeskCmd) }

func newDeskCmd(a *app) *cobra.Command {
	var demo bool
	var addr string
	c := &cobra.Command{
		Use:   "desk",
		Short: "Serve the web desk for storytellers and staff",
		Long: `desk serves the web desk (DESIGN.md "The desk") on a loopback address until
interrupted: storytellers enrol with a code from staff, choose a secret
phrase, write their story, answer the consent questions, read it as the
public will (the real theme, built by Hugo in-process), approve that exact
text, and stop sharing it.

--demo uses the demo vault (examples/vault and its committed demo key), a
fresh story store (tools/stories, SQLite in a temporary folder, removed on
exit), and four demo accounts (the storyteller "marta", and the staff
"editor", "publisher" and "admin"), whose one-time enrolment codes are
printed here. Photos staff attach are scrubbed on upload and kept,
scrubbed, in the temporary folder's media/, and the admin's registry
forms edit a copy of the demo registry there (never examples/vault). Without --demo, desk needs the durable story store
(tools/stories), which it does not use yet: it refuses to start.

` + helpExitCodes,
		Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			if !demo {
				return withHint(errors.New("desk: the durable story store is not wired into the desk yet"), "run 'storyguard desk --demo'")
			}
			if host, _, err := net.SplitHostPort(addr); err != nil || !config.IsLoopback(host) {
				return withHint(fmt.Errorf("--addr %q: the demo desk serves on loopback only (127.0.0.1, ::1 or localhost)", addr), "pass --addr 127.0.0.1:0 to pick a free port")
			}
			a.vault = filepath.Join(a.root, "examples", "vault")
			a.identityFile = filepath.Join(a.vault, "demo-identity.txt")
			cfg, err := a.config()
			if err != nil {
				return err
			}
			v, err := a.openVault(cfg)
			if err != nil {
				return err
			}
			reg, regPath, ids, err := a.openRegistry()
			if err != nil {
				return err
			}
			// A fresh demo store in a temporary folder, never the
			// database of STORYGUARD_DATABASE_URL.
			dir, err := os.MkdirTemp("", "storyguard-desk-demo-")
			if err != nil {
				return err
			}
			defer os.RemoveAll(dir)
			// The registry forms edit a copy: examples/vault stays as
			// committed.
			regCopy := filepath.Join(dir, "registry.age")
			if raw, err := os.ReadFile(regPath); err != nil {
				return err
			} else if err := os.WriteFile(regCopy, raw, 0o600); err != nil {
				return err
			}
			ss, err := stories.OpenForVault(c.Context(), dir, reg, ids, func(string) string { return "" })
			if err != nil {
				return err
			}
			defer ss.Close()
			// The embedded object store, as preview starts it: the demo
			// site publishes there and "stop sharing" takes it down there.
			cfg.Endpoint = ""
			obj, objCloser, err := a.openStore(c.Context(), cfg)
			if err != nil {
				return fmt.Errorf("embedded object store: %w", err)
			}
			defer objCloser.Close()
			store := desk.StoryStore{S: ss}
			accounts, err := desk.SeedDemo(c.Context(), store, time.Now())
			if err != nil {
				return err
			}
			srv, err := desk.New(desk.Config{
				Store:    store,
				SiteRoot: cfg.Root,
				MediaDir: filepath.Join(dir, "media"),
				Registry: &desk.RegistryFile{Path: regCopy, Identities: ids},
				Build: func(ctx context.Context, src, dst, base string) error {
					return site.Build(ctx, site.BuildOptions{Source: src, Destination: dst, BaseURL: base})
				},
				Rules: func(*content.Site) (check.Options, error) { return check.VaultRules(v, cfg.AllowContacts) },
				// "Stop sharing" is storyguard withdraw's withdrawal.
				Withdraw: pipeline.DeskWithdraw(pipeline.Config{Root: cfg.Root, Vault: v, AllowContacts: cfg.AllowContacts,
					MaxMediaBytes: cfg.MaxMediaBytes, Pagefind: cfg.Pagefind, Log: a.stderr,
					Store: func(context.Context) (publish.Store, io.Closer, error) { return obj, io.NopCloser(nil), nil }},
					ss, func() publish.Options {
						// She waits on the page: wait for a running publish
						// less than the desk's write timeout, then say it is
						// pending (her request is recorded; staff finish it).
						return publish.Options{Root: cfg.Root, Vault: v.Dir, Now: time.Now(), BaseURL: cfg.BaseURL,
							MediaBaseURL: cfg.MediaBaseURL, Log: a.stderr, Workers: cfg.Workers, LeaseWait: 90 * time.Second}
					}),
				Log: log.New(a.stderr, "storyguard: desk: ", log.LstdFlags),
			})
			if err != nil {
				return err
			}
			defer srv.Close()
			ln, err := net.Listen("tcp", addr)
			if err != nil {
				return withHint(fmt.Errorf("listen on %s: %w", addr, err), "pass --addr 127.0.0.1:0 to pick a free port")
			}
			defer ln.Close()
			fmt.Fprintf(a.stdout, "Desk (demo, fictional people only): http://%s/\n", ln.Addr())
			valid, err := desk.CodeLifetimeText("en")
			if err != nil {
				return err
			}
			fmt.Fprintf(a.stdout, "One-time enrolment codes (valid %s, shown only here):\n", valid)
			for _, d := range accounts {
				fmt.Fprintf(a.stdout, "  %-11s sign-in name %-9s code %s\n", d.Role, d.Login, d.Code)
			}
			fmt.Fprintln(a.stdout, "Press Ctrl-C to stop; the demo store is deleted then.")
			hs := &http.Server{Handler: srv.Handler(), ReadHeaderTimeout: 10 * time.Second, ReadTimeout: time.Minute, WriteTimeout: 2 * time.Minute}
			errc := make(chan error, 1)
			go func() { errc <- hs.Serve(ln) }()
			select {
			case <-c.Context().Done():
				shutdown, cancel := context.WithTimeout(context.Background(), 5*time.Second)
				defer cancel()
				return hs.Shutdown(shutdown)
			case err := <-errc:
				return err
			}
		},
	}
	c.Flags().BoolVar(&demo, "demo", false, "demo vault, a fresh temporary story store and demo accounts")
	c.Flags().StringVar(&addr, "addr", "127.0.0.1:8080", "loopback address to serve the desk on")
	return c
}

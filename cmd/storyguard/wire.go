package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"strings"
	"time"

	"storyguard/tools/check"
	"storyguard/tools/config"
	"storyguard/tools/consent"
	"storyguard/tools/content"
	"storyguard/tools/diag"
	"storyguard/tools/pipeline"
	"storyguard/tools/publish"
	"storyguard/tools/store"
	"storyguard/tools/stories"
	"storyguard/tools/vault"
)

// openVault opens the registry as openRegistry does (failing closed, with a
// hint for each kind of failure) and builds its scanner (vault.New).
func (a *app) openVault(cfg config.Config) (*vault.Vault, error) {
	if v := a.armed; v != nil && v.Dir == cfg.Path(cfg.Vault) {
		return v, nil // opened by armRedactor for this configuration (same registry path)
	}
	reg, _, _, err := a.openRegistry()
	if err != nil {
		return nil, err
	}
	v, err := vault.New(cfg.Path(cfg.Vault), reg)
	if err != nil {
		return nil, err
	}
	if a.redactor != nil {
		a.redactor.set(v.Scanner.Redact)
	}
	return v, nil
}

// vaultRules is the one place where rules that need the identity
// registry join storyguard check: it opens the vault (failing closed) and
// returns check.VaultRules.
func (a *app) vaultRules(cfg config.Config) (check.Options, error) {
	v, err := a.openVault(cfg)
	if err != nil {
		return check.Options{}, err
	}
	return check.VaultRules(v, cfg.AllowContacts)
}

// wired is everything a pipeline command needs, built once.
type wired struct {
	cfg   config.Config
	vault *vault.Vault
	parts publish.Parts
	opts  publish.Options
	// stored are the vault's stored stories, materialised for this run
	// (nil: the vault has no story store); close removes them.
	stored *publish.Stored
	close  func()
}

// storedFor opens the vault (openVault) and its stored stories
// (openStored), for the commands that do not wire the whole pipeline.
func (a *app) storedFor(ctx context.Context, cfg config.Config) (*publish.Stored, func(), error) {
	v, err := a.openVault(cfg)
	if err != nil {
		return nil, func() {}, err
	}
	return a.openStored(ctx, cfg, v)
}

// openStored opens the vault's story store when it has one
// (stories.HasStore: STORYGUARD_DATABASE_URL or <vault>/desk.db) and
// materialises its stories into a work folder of this run
// (publish.OpenStored). Without a store it returns nil and a no-op
// closer. The closer removes the folder and closes the store.
func (a *app) openStored(ctx context.Context, cfg config.Config, v *vault.Vault) (*publish.Stored, func(), error) {
	none := func() {}
	has, err := stories.HasStore(v.Dir, a.getenv)
	if err != nil || !has {
		return nil, none, err
	}
	ids, err := a.loadIdentities(cfg)
	if err != nil {
		return nil, none, err
	}
	site, err := content.LoadConfig(cfg.Root)
	if err != nil {
		return nil, none, err
	}
	st, err := stories.OpenForVault(ctx, v.Dir, v.Registry, ids, a.getenv)
	if err != nil {
		return nil, none, err
	}
	s, err := publish.OpenStored(ctx, st, v.Dir, site.DefaultLanguage)
	if err != nil {
		st.Close()
		return nil, none, err
	}
	return s, func() { s.Close(); st.Close() }, nil
}

// wire loads the configuration and the vault and assembles the pipeline
// from the real parts. embedded forces the embedded local store (preview).
func (a *app) wire(ctx context.Context, f *pipelineFlags, embedded bool) (*wired, error) {
	cfg, now, base, err := a.runSettings(f)
	if err != nil {
		return nil, err
	}
	if embedded {
		cfg.Endpoint = ""
	}
	v, err := a.openVault(cfg)
	if err != nil {
		return nil, err
	}
	stored, closeStored, err := a.openStored(ctx, cfg, v)
	if err != nil {
		return nil, err
	}
	w := &wired{cfg: cfg, vault: v, stored: stored, close: closeStored}
	w.opts = publish.Options{
		Root: cfg.Root, Vault: v.Dir, Now: now, BaseURL: base,
		MediaBaseURL: cfg.MediaBaseURL, Log: a.stderr,
		Workers: cfg.Workers, Progress: store.ProgressWriter(os.Stderr),
		Overlay: stored.Overlay(),
	}
	w.parts = pipeline.Parts(pipeline.Config{
		Root: cfg.Root, Vault: v, Stored: stored, AllowContacts: cfg.AllowContacts,
		MaxMediaBytes: cfg.MaxMediaBytes, Pagefind: cfg.Pagefind,
		Store: a.storeOpener(cfg), Log: a.stderr,
	})
	return w, nil
}

// storeOpener returns publish.Parts.Store for cfg: the configured S3
// endpoint or the embedded gateway (openStore).
func (a *app) storeOpener(cfg config.Config) func(ctx context.Context) (publish.Store, io.Closer, error) {
	return func(ctx context.Context) (publish.Store, io.Closer, error) {
		return a.openStore(ctx, cfg)
	}
}

// runSettings loads the configuration and reads the pipeline flags: the
// date consent is judged against (--now) and the site's public URL.
func (a *app) runSettings(f *pipelineFlags) (config.Config, time.Time, string, error) {
	cfg, err := a.config()
	if err != nil {
		return cfg, time.Time{}, "", err
	}
	now, err := f.nowDate()
	if err != nil {
		return cfg, now, "", err
	}
	base, err := f.base(cfg)
	return cfg, now, base, err
}

// base returns the site's public URL: --base-url, else baseURL from
// config.toml, ending in "/".
func (f *pipelineFlags) base(cfg config.Config) (string, error) {
	base := f.baseURL
	if base == "" {
		base = cfg.BaseURL
	}
	if base == "" {
		return "", errors.New("no base URL: set baseURL in config.toml or pass --base-url")
	}
	if u, err := url.Parse(base); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || u.User != nil || u.RawQuery != "" || u.Fragment != "" {
		// Not repeated: it may be anything typed by mistake (issue #12).
		return "", errors.New("base URL (--base-url, else baseURL in config.toml): want an absolute http(s) URL such as https://stories.example.org/")
	}
	if !strings.HasSuffix(base, "/") {
		base += "/"
	}
	return base, nil
}

// wireWithoutKey assembles what an emergency withdrawal needs and nothing
// that reads the registry: the plan comes from the content alone (no
// rules run), and the object store and the content editor are the real
// ones. It never opens the registry or the age key.
func (a *app) wireWithoutKey(f *pipelineFlags) (*wired, error) {
	cfg, now, base, err := a.runSettings(f)
	if err != nil {
		return nil, err
	}
	// The audit log and the record of published stores live in the vault:
	// a vault folder that does not exist (no --vault in a fresh shell) would
	// be created and the withdrawal recorded where no later check looks.
	vdir := cfg.Path(cfg.Vault)
	if _, err := os.Stat(registryPath(cfg)); err != nil {
		return nil, withHint(fmt.Errorf("vault %s: no registry.age there, so this is not the vault the site is published from; nothing was changed", vdir),
			"pass --vault with the vault folder (or set STORYGUARD_VAULT); the key is not needed, the folder is")
	}
	w := &wired{cfg: cfg, close: func() {}}
	w.opts = publish.Options{Root: cfg.Root, Vault: vdir, Now: now, BaseURL: base, MediaBaseURL: cfg.MediaBaseURL, Log: a.stderr,
		Workers: cfg.Workers, Progress: store.ProgressWriter(os.Stderr)}
	w.parts = publish.Parts{
		Check: func(ctx context.Context, now time.Time) (*publish.Plan, []diag.Diagnostic, error) {
			s, err := content.LoadSite(cfg.Root)
			if err != nil {
				return nil, nil, err
			}
			plan, _ := publish.PlanSite(s, check.Report{})
			return plan, nil, nil
		},
		Store:        a.storeOpener(cfg),
		SetWithdrawn: consent.SetWithdrawn,
	}
	return w, nil
}

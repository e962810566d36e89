package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"storyguard/tools/check"
	"storyguard/tools/config"
	"storyguard/tools/consent"
	"storyguard/tools/content"
	"storyguard/tools/diag"
	"storyguard/tools/identity"
	"storyguard/tools/media"
	"storyguard/tools/publish"
	"storyguard/tools/site"
	"storyguard/tools/store"
)

// variantWidths are the srcset widths made for every image wider than them,
// in pixels: a phone in portrait (480) and a tablet or laptop column (960).
var variantWidths = []int{480, 960}

// vault holds the decrypted registry and its scanner for one command.
type vault struct {
	dir     string
	path    string // of registry.age
	reg     *identity.Registry
	scanner *identity.Scanner
}

// openVault opens the registry as openRegistry does (failing closed, with a
// hint for each kind of failure) and builds its scanner.
func (a *app) openVault(cfg config.Config) (*vault, error) {
	if v := a.armed; v != nil && v.path == registryPath(cfg) && v.dir == cfg.Path(cfg.Vault) {
		return v, nil // opened by armRedactor for this configuration
	}
	reg, path, _, err := a.openRegistry()
	if err != nil {
		return nil, err
	}
	sc, err := identity.NewScanner(reg)
	if err != nil {
		return nil, fmt.Errorf("registry %s: %w", path, err)
	}
	if a.redactor != nil {
		a.redactor.set(sc.Redact)
	}
	return &vault{dir: cfg.Path(cfg.Vault), path: path, reg: reg, scanner: sc}, nil
}

// checkSite loads the site and runs every rule, the registry's included.
func checkSite(cfg config.Config, v *vault, now time.Time) (*content.Site, []diag.Diagnostic, error) {
	s, err := content.LoadSite(cfg.Root)
	if err != nil {
		return nil, nil, err
	}
	rules, err := vaultRules(cfg, v, s)
	if err != nil {
		return nil, nil, err
	}
	return s, check.Run(s, check.Options{Now: now, Rules: rules}), nil
}

// vaultRules are the rules that read the vault: the registry's, the
// site-wide consistency rules, and the withdrawals of the audit log.
func vaultRules(cfg config.Config, v *vault, s *content.Site) ([]check.Rule, error) {
	withdrawn, records, err := publish.Withdrawals(filepath.Join(v.dir, "audit.log"))
	if err != nil {
		return nil, err
	}
	reused, err := publish.WithdrawalRecords(filepath.Join(v.dir, "audit.log"))
	if err != nil {
		return nil, err
	}
	return append(check.RegistryRules(v.reg, v.scanner, cfg.AllowContacts, v.dir),
		check.ConsistencyRule(v.reg, s), check.WithdrawnRule(withdrawn, records), check.WithdrawnContentRule(reused, v.dir)), nil
}

// registryRules is the one place where rules that need the identity
// registry join storyguard check: it loads the registry and fails closed.
func (a *app) registryRules(cfg config.Config, s *content.Site) ([]check.Rule, error) {
	v, err := a.openVault(cfg)
	if err != nil {
		return nil, err
	}
	return vaultRules(cfg, v, s)
}

// wired is everything a pipeline command needs, built once.
type wired struct {
	cfg   config.Config
	vault *vault
	parts publish.Parts
	opts  publish.Options
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
	w := &wired{cfg: cfg, vault: v}
	w.opts = publish.Options{
		Root: cfg.Root, Vault: v.dir, Now: now, BaseURL: base,
		MediaBaseURL: cfg.MediaBaseURL, Log: a.stderr,
	}
	// withdrawn collects the persons whose stories are withdrawn, so the
	// output scan also refuses their public names and pseudonyms.
	var withdrawn, live []string
	w.parts = publish.Parts{
		Check: func(ctx context.Context, now time.Time) (*publish.Plan, []diag.Diagnostic, error) {
			s, ds, err := checkSite(cfg, v, now)
			if err != nil {
				return nil, nil, err
			}
			var plan *publish.Plan
			plan, withdrawn, live = planFor(s, ds)
			return plan, ds, nil
		},
		ProcessMedia: func(ctx context.Context, storyID, src, work string) (publish.Media, []publish.Media, error) {
			return processMedia(storyID, src, work, media.Options{MaxBytes: cfg.MaxMediaBytes})
		},
		Build: func(ctx context.Context, src, dst, baseURL string) error {
			pf, err := site.FindPagefind(cfg.Root, cfg.Pagefind)
			if errors.Is(err, site.ErrNoPagefind) {
				fmt.Fprintf(a.stderr, "storyguard: warning: %v; this run publishes no search index, and the deploy removes the old one\n", err)
			} else if err != nil {
				return err
			}
			return site.Build(ctx, site.BuildOptions{Source: src, Destination: dst, BaseURL: baseURL, Pagefind: pf})
		},
		Leaks: func(p string, data []byte) []publish.Finding {
			var fs []publish.Finding
			for _, m := range v.scanner.ScanPage("", data, identity.ScanOptions{RestrictPublicNames: true, AllowPublicNames: live}) {
				fs = append(fs, publish.Finding{Start: m.Start, End: m.End, PersonID: m.PersonID, Kind: m.Kind})
			}
			for _, m := range v.scanner.PseudonymMentions(data) {
				if slices.Contains(withdrawn, m.PersonID) {
					fs = append(fs, publish.Finding{Start: m.Start, End: m.End, PersonID: m.PersonID, Kind: "pseudonym of a withdrawn storyteller"})
				}
			}
			return fs
		},
		VerifyImage: func(p string, data []byte) error {
			_, err := media.DeepVerify(data, media.Options{Name: path.Base(p)})
			return err
		},
		Store:        a.storeOpener(cfg),
		SetWithdrawn: setWithdrawn,
	}
	return w, nil
}

// storeOpener returns publish.Parts.Store for cfg: the configured S3
// endpoint or the embedded gateway, with the configured upload workers and
// a progress bar on stderr.
func (a *app) storeOpener(cfg config.Config) func(ctx context.Context) (publish.Store, io.Closer, error) {
	return func(ctx context.Context) (publish.Store, io.Closer, error) {
		s3, closer, err := a.openStore(ctx, cfg)
		if err != nil {
			return nil, nil, err
		}
		return publish.NewS3Store(s3, cfg.Workers, store.ProgressWriter(os.Stderr)), closer, nil
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
	w := &wired{cfg: cfg}
	w.opts = publish.Options{Root: cfg.Root, Vault: vdir, Now: now, BaseURL: base, MediaBaseURL: cfg.MediaBaseURL, Log: a.stderr}
	w.parts = publish.Parts{
		Check: func(ctx context.Context, now time.Time) (*publish.Plan, []diag.Diagnostic, error) {
			s, err := content.LoadSite(cfg.Root)
			if err != nil {
				return nil, nil, err
			}
			plan, _, _ := planFor(s, nil)
			return plan, nil, nil
		},
		Store:        a.storeOpener(cfg),
		SetWithdrawn: setWithdrawn,
	}
	return w, nil
}

// planFor turns the checker's results into the pipeline's plan, and
// returns the storytellers of publishable pages (live) and those of
// withdrawn or refused stories that no publishable page names (withdrawn),
// for the output scan.
func planFor(s *content.Site, ds []diag.Diagnostic) (plan *publish.Plan, withdrawn, live []string) {
	plan = &publish.Plan{}
	ok := map[string]bool{}
	// Pages whose photo files are not the approved ones (review-media,
	// computed by check from the vault) await approval like changed text.
	photosChanged := map[string]bool{}
	for _, d := range ds {
		if d.Rule == check.RuleReviewMedia {
			photosChanged[d.File] = true
		}
	}
	for _, p := range check.Publishable(s, ds) {
		plan.Pages = append(plan.Pages, p.Path)
		ok[p.Path] = true
	}
	for _, bundle := range s.Bundles() {
		var st *publish.Story
		for _, p := range bundle {
			if p.Invalid {
				continue
			}
			story, _ := consent.Parse(p)
			if !consent.IsStoryPage(p) {
				if ok[p.Path] {
					for _, m := range story.Media {
						if !slices.Contains(plan.OrgMedia, m.ID) {
							plan.OrgMedia = append(plan.OrgMedia, m.ID)
						}
					}
				}
				continue
			}
			if st == nil {
				st = &publish.Story{ID: story.ID, Bundle: p.Bundle, Approved: true}
			}
			if person := storytellerOf(story); person != "" {
				switch {
				case ok[p.Path]:
					live = append(live, person)
				case story.Consent != nil && (story.Consent.Status == consent.Withdrawn || story.Consent.Status == consent.Refused):
					withdrawn = append(withdrawn, person)
				}
			}
			st.Files = append(st.Files, p.Path)
			st.Langs = append(st.Langs, p.Lang)
			if ok[p.Path] {
				st.Publishable = true
				for _, m := range story.Media {
					if !slices.Contains(st.Media, m.ID) {
						st.Media = append(st.Media, m.ID)
					}
				}
			}
			if ok[p.Path] && story.Consent.Covers("social", p.Lang) {
				st.Social = append(st.Social, p.Lang)
			}
			if ok[p.Path] && story.Consent != nil && !story.Consent.SearchEngines {
				st.Unindexed = append(st.Unindexed, unindexedTexts(story)...)
			}
			if story.Consent != nil && story.Consent.Record != "" && !slices.Contains(st.ConsentRecords, story.Consent.Record) {
				st.ConsentRecords = append(st.ConsentRecords, story.Consent.Record)
			}
			if story.Consent != nil && (st.Status == "" || p.Lang == s.DefaultLanguage) {
				st.Status = string(story.Consent.Status)
				st.Expires = story.Consent.Expires
			}
			if story.Review.ApprovedSHA256 == "" || story.Review.ApprovedSHA256 != consent.ApprovalDigest(p) || photosChanged[p.Path] {
				st.Approved = false
			}
			st.PagePrefixes = append(st.PagePrefixes, pagePrefix(s, p))
		}
		if st != nil && st.ID != "" {
			plan.Stories = append(plan.Stories, *st)
		}
	}
	withdrawn = slices.DeleteFunc(withdrawn, func(id string) bool { return slices.Contains(live, id) })
	slices.Sort(live)
	slices.Sort(withdrawn)
	return plan, slices.Compact(withdrawn), slices.Compact(live)
}

// pagePrefix is the site key prefix of a page's own output folder, as Hugo
// places it: "site/[<lang>/]<section>/<slug>/", honouring front-matter url
// and slug.
func pagePrefix(s *content.Site, p *content.Page) string {
	lang := ""
	if p.Lang != s.DefaultLanguage {
		lang = p.Lang + "/"
	}
	if u, ok := p.Get("url"); ok {
		if us, ok := u.(string); ok && us != "" {
			return "site/" + strings.Trim(path.Clean("/"+us), "/") + "/"
		}
	}
	dir := p.Bundle
	if sl, ok := p.Get("slug"); ok {
		if ss, ok := sl.(string); ok && ss != "" {
			dir = path.Join(path.Dir(p.Bundle), ss)
		}
	}
	return "site/" + lang + dir + "/"
}

// storytellerOf returns the story's storyteller person id, or "".
func storytellerOf(story *consent.Story) string {
	if story.Storyteller == nil {
		return ""
	}
	return story.Storyteller.Person
}

// processMedia scrubs the original src into work, proves the result clean
// with media.Verify (an independent parser), names it by its digest, and
// makes the srcset variants, each verified too.
func processMedia(storyID, src, work string, opts media.Options) (publish.Media, []publish.Media, error) {
	if err := os.MkdirAll(work, 0o700); err != nil {
		return publish.Media{}, nil, err
	}
	in, err := os.Open(src)
	if err != nil {
		return publish.Media{}, nil, err
	}
	defer in.Close()
	tmp, err := os.CreateTemp(work, "scrub-*")
	if err != nil {
		return publish.Media{}, nil, err
	}
	defer os.Remove(tmp.Name())
	o := opts
	o.Name = filepath.Base(src)
	if _, err := media.Scrub(in, tmp, o); err != nil {
		tmp.Close()
		return publish.Media{}, nil, err
	}
	if err := tmp.Close(); err != nil {
		return publish.Media{}, nil, err
	}
	main, err := verifiedObject(storyID, mediaIDOf(src), tmp.Name(), work, opts)
	if err != nil {
		return publish.Media{}, nil, fmt.Errorf("scrubbed copy fails verification: %w", err)
	}
	var variants []publish.Media
	for _, width := range variantWidths {
		f, err := os.Open(main.File)
		if err != nil {
			return main, nil, err
		}
		data, _, err := media.Variant(f, width, opts)
		f.Close()
		if errors.Is(err, media.ErrNoVariantNeeded) {
			continue
		}
		if err != nil {
			return main, nil, fmt.Errorf("variant %dpx: %w", width, err)
		}
		vf, err := os.CreateTemp(work, "variant-*")
		if err != nil {
			return main, nil, err
		}
		_, werr := vf.Write(data)
		if cerr := vf.Close(); werr == nil {
			werr = cerr
		}
		if werr != nil {
			return main, nil, werr
		}
		v, err := verifiedObject(storyID, mediaIDOf(src), vf.Name(), work, opts)
		os.Remove(vf.Name())
		if err != nil {
			return main, nil, fmt.Errorf("variant %dpx fails verification: %w", width, err)
		}
		variants = append(variants, v)
	}
	return main, variants, nil
}

// verifiedObject verifies file, hashes it in the same read, and moves it to
// work/<sha256><ext> under its key "media/<story id>/<sha256><ext>".
func verifiedObject(storyID, mediaID, file, work string, opts media.Options) (publish.Media, error) {
	// The scrubbed copy is within opts' size limit already. DeepVerify runs
	// Verify and then decodes the image data, refusing bytes hidden in it
	// (after a scan's last MCU, after a PNG's zlib stream, in a WebP
	// bitstream): slower than Verify, so here rather than in media scrub.
	data, err := os.ReadFile(file)
	if err != nil {
		return publish.Media{}, err
	}
	data, info, rewrote, err := media.DeepClean(data, opts)
	if err != nil {
		return publish.Media{}, err
	}
	if rewrote != nil {
		// Bytes the decoder never reads (left by some encoders, or hidden
		// on purpose): the same coefficients were written without them.
		if err := os.WriteFile(file, data, 0o600); err != nil {
			return publish.Media{}, err
		}
		fmt.Fprintf(os.Stderr, "storyguard: media %s of story %s held bytes its image data never uses (%v); rewritten losslessly without them\n", mediaID, storyID, rewrote)
	}
	fi, err := os.Stat(file)
	if err != nil {
		return publish.Media{}, err
	}
	h := sha256.Sum256(data)
	sum := hex.EncodeToString(h[:])
	dst := filepath.Join(work, sum+info.Ext)
	if err := os.Rename(file, dst); err != nil {
		return publish.Media{}, err
	}
	m := publish.Media{File: dst}
	m.Key = "media/" + storyID + "/" + sum + info.Ext
	m.ContentType, m.Width, m.Height, m.Bytes, m.SHA256 = info.ContentType, info.Width, info.Height, fi.Size(), sum
	return m, nil
}

// setWithdrawn writes consent.status: withdrawn and consent.withdrawn: date
// into one content file in place, atomically.
func setWithdrawn(file string, date time.Time) error {
	raw, err := os.ReadFile(file)
	if err != nil {
		return err
	}
	p, ds := content.LoadPage(filepath.ToSlash(file), "", raw)
	if p == nil || p.Invalid {
		msg := "cannot be loaded"
		if len(ds) > 0 {
			msg = ds[0].String()
		}
		return fmt.Errorf("%s: %s", file, msg)
	}
	out, err := content.SetFields(p, []content.Assignment{
		{Path: "consent.status", Value: string(consent.Withdrawn)},
		{Path: "consent.withdrawn", Value: consent.Day(date)},
	})
	if err != nil {
		return fmt.Errorf("%s: %w", file, err)
	}
	return content.WriteFileAtomic(file, out)
}

// mediaIDOf is the media id of a vault original: its file name without
// the extension (<vault>/media/<id>.<ext>).
func mediaIDOf(src string) string {
	base := filepath.Base(src)
	return strings.TrimSuffix(base, filepath.Ext(base))
}

// unindexedTexts returns what a reader sees of story in listings (title,
// description, byline unless anonymous), for publish's output-noindex scan.
func unindexedTexts(story *consent.Story) []publish.UnindexedText {
	out := []publish.UnindexedText{{StoryID: story.SafeID(), Field: "title", Text: story.Title}, {StoryID: story.SafeID(), Field: "description", Text: story.Description}}
	if st := story.Storyteller; st != nil && st.NameKind != "anonymous" {
		out = append(out, publish.UnindexedText{StoryID: story.SafeID(), Field: "byline", Text: st.DisplayName})
	}
	return out
}

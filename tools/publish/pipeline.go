// Package publish runs Storyguard's pipeline: check, scrub and verify media,
// build the site with Hugo from a stage holding only what passed, scan the
// built output, upload media, write data/media.json, deploy the site, prune
// what is no longer consented, and purge old versions. It also takes a story
// down on withdrawal.
//
// The package holds the order of the steps and the rules between them,
// the plan (PlanSite: which pages and key prefixes each story owns) and
// media processing for publish (ProcessMedia); the parts (the checker,
// the media scrubber, the object store, Hugo, the leak scanner, the
// withdrawal marker) are passed in as a Parts value, wired by
// cmd/storyguard, so that this package does not link Hugo and its tests
// stay quick.
//
// What it reads and writes besides the parts: the site root (content
// files copied into the stage, data/media.json written), the vault
// (<vault>/media originals through the parts, <vault>/audit.log read
// before upload and appended on withdrawal, the purge journal and work
// folders under <vault>/state) and the object store.
package publish

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"storyguard/tools/check"
	"storyguard/tools/consent"
	"storyguard/tools/content"
	"storyguard/tools/diag"
	"storyguard/tools/manifest"
	"storyguard/tools/store"
	"storyguard/tools/vault"
)

// ErrBlocked is returned, wrapped, when findings at error level stopped the
// pipeline before anything public changed. The findings are in the Result.
var ErrBlocked = errors.New("publication blocked by findings at error level")

// Plan is what the checker decided may be published.
type Plan struct {
	// Pages are the content files that passed every check, as slash paths
	// relative to the site root ("content/stories/x/index.es.md"), including
	// the site's own pages (home, advocacy, partners).
	Pages []string
	// Stories are every story the checker saw, publishable or not.
	Stories []Story
	// OrgMedia are the media ids placed by the organisation's own
	// publishable pages (advocacy, partners, about): no storyteller's
	// consent covers them, so their keys are "media/org/<sha256>.<ext>".
	OrgMedia []string
}

// OrgOwner is the owner id in the object keys of OrgMedia.
const OrgOwner = "org"

// Story is one story bundle as the pipeline needs it: ids and paths only.
type Story struct {
	ID     string
	Bundle string // "stories/<slug>", relative to content/
	// Files are the bundle's language files, slash paths from the site root.
	Files []string
	// Langs are the languages of Files, in the same order.
	Langs []string
	// Publishable reports whether at least one language passed every check.
	Publishable bool
	// Status is consent.status as written.
	Status string
	// Expires is consent.expires; zero when absent or unparseable.
	Expires time.Time
	// Approved reports whether every language's approval digest matches.
	Approved bool
	// Media are the media ids the story places, in order, without repeats.
	Media []string
	// PagePrefixes are the site object key prefixes of the story's own pages
	// ("site/stories/<slug>/", "site/es/stories/<slug>/").
	PagePrefixes []string
	// ConsentRecords are the consent.record ids of the language files,
	// without repeats.
	ConsentRecords []string
	// Unindexed are the title, description and byline of each publishable
	// language file whose consent says search_engines: false: no
	// indexable built page may carry them (ScanOutput, output-noindex).
	// Never logged or printed.
	Unindexed []UnindexedText
	// Social are the languages of the publishable files whose consent
	// includes the social channel: only pages in these languages may carry
	// the story's photo in a share preview (ScanOutput, output-social).
	Social []string
}

// Media is one processed medium, ready to upload: File is a scrubbed and
// verified file in the pipeline's work folder.
type Media struct {
	manifest.Object
	File string
}

// MediaProcessor scrubs the original at src into a file in workDir, proves
// it clean with an independent verifier, and makes the variants for
// srcset. It returns the main object first, then the variants narrowest
// first. Keys follow "media/<story id>/<sha256>.<ext>".
type MediaProcessor func(ctx context.Context, storyID, src, workDir string) (Media, []Media, error)

// Store is the object storage as the pipeline uses it: the core store
// (store.Store), over which the pipeline runs store.Sync, store.PurgePrefix,
// store.PurgeNoncurrentUnder and the run lease (store.AcquireLease), plus
// the bucket policy, which only an S3 server has (*store.S3 is one).
type Store interface {
	store.Store
	// EnsurePolicy sets (or verifies) anonymous read on media/ and site/
	// only, with no listing.
	EnsurePolicy(ctx context.Context) error
}

// Parts are the pipeline's components.
type Parts struct {
	// Check loads and checks the site as of now.
	Check func(ctx context.Context, now time.Time) (*Plan, []diag.Diagnostic, error)
	// ProcessMedia scrubs and verifies one original.
	ProcessMedia MediaProcessor
	// Build runs Hugo on the stage src into the empty folder dst.
	Build func(ctx context.Context, src, dst, baseURL string) error
	// Leaks and VerifyImage scan the built output (see OutputScan).
	Leaks       func(path string, data []byte) []Finding
	VerifyImage func(path string, data []byte) error
	// Store opens the object store; the closer stops an embedded gateway.
	Store func(ctx context.Context) (Store, io.Closer, error)
	// SetWithdrawn sets consent.status to withdrawn and consent.withdrawn
	// to the date in one content file, keeping the rest of it as it is.
	SetWithdrawn func(file string, date time.Time) error
}

// Options are one run's settings.
type Options struct {
	// Root is the site root; Vault the vault folder (absolute or relative to
	// the working directory).
	Root, Vault string
	// Now is the date consent is judged against.
	Now time.Time
	// BaseURL is the public URL of the site, ending in "/".
	BaseURL string
	// MediaBaseURL is the prefix media keys are served under ("/" or a CDN).
	MediaBaseURL string
	// DryRun computes and prints the plan and changes nothing: no upload,
	// no deletion, no data/media.json.
	DryRun bool
	// Log receives one line per step; nil discards.
	Log io.Writer
	// KeepWork keeps the work folder (stage, output, scrubbed media, under
	// <vault>/state/work) for inspection until the next run, which removes
	// it as stale; its output path is in the Result.
	KeepWork bool
	// Lenient leaves failing pages out instead of blocking (withdrawal's
	// rebuild: taking something down must never wait on unrelated errors).
	Lenient bool
	// LeaseWait is how long to wait for the bucket's lease while another
	// run holds it: 0 for Publish refuses at once (store.ErrLeaseHeld);
	// Withdraw waits DefaultWithdrawLeaseWait when it is 0, since a
	// withdrawal must not fail because a publish is running.
	LeaseWait time.Duration
	// LeaseTTL is the lease's lifetime between renewals (0:
	// store.DefaultLeaseTTL).
	LeaseTTL time.Duration
	// Hook, if set, is called before each step with the step's name (see
	// Steps and WithdrawSteps; a withdrawal's rebuild calls it with
	// "rebuild " and the publish step). A hook may block (tests pause a run
	// there) and an error it returns stops the run as a failure at that
	// step would. For tests and progress display; nil in normal runs.
	Hook func(ctx context.Context, step string) error
	// Workers is how many uploads run in parallel (store.SyncOptions;
	// 0: its default).
	Workers int
	// Progress receives the upload progress bar (store.ProgressWriter);
	// nil: none.
	Progress io.Writer
	// Overlay is a folder holding content files at the paths they have
	// under Root ("content/stories/<slug>/index.md"), read from there
	// instead: the stored stories of this run, materialised into its work
	// folder (Stored.Dir). Staging, the recheck of withdrawals and a
	// withdrawal's marking read and write them there, never under Root.
	// "" for none.
	Overlay string
	// MediaProgress, if set, is called in the media step after each medium is
	// scrubbed, verified and scanned, with the media done and the total of
	// this run (1..total). For a progress bar on a terminal; nil in logs.
	MediaProgress func(step string, done, total int)
}

// file returns the path content file rel (slash path relative to Root)
// is read and written at: under Overlay when it holds it, else under Root.
func (o *Options) file(rel string) string { return sourceFile(o.Root, o.Overlay, rel) }

// Steps are the names Publish passes to Options.Hook, in order: before
// taking the lease, before check, before scrubbing media, before staging
// and building, before re-reading the withdrawals, before uploading media,
// before deploying site/, before pruning media, before purging old
// versions.
var Steps = []string{"lease", "check", "media", "build", "recheck", "upload-media", "deploy-site", "prune-media", "purge-versions"}

// step calls the hook for name, if any.
func (o *Options) step(ctx context.Context, name string) error {
	if o.Hook == nil {
		return nil
	}
	if err := o.Hook(ctx, name); err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	return nil
}

// Result is what a run did.
type Result struct {
	Diagnostics []diag.Diagnostic
	Plan        *Plan
	Manifest    *manifest.Manifest
	Media       store.SyncReport
	Site        store.SyncReport
	MediaPruned store.SyncReport
	Purged      store.PurgeReport
	// OutputDir is Hugo's output (kept only with KeepWork).
	OutputDir string
	// ChangedURLs are the public URLs whose content changed or went away.
	ChangedURLs []string
}

func (o *Options) logf(format string, args ...any) {
	if o.Log != nil {
		fmt.Fprintf(o.Log, format+"\n", args...)
	}
}

// Publish runs the whole pipeline. Any failure before deployment leaves the
// bucket (but for its private lease object, state/lease.json) and
// data/media.json untouched; the order guarantees that:
//
//  1. check: findings at error level stop here (ErrBlocked);
//  2. scrub and verify every medium of every publishable story; compute the
//     manifest in memory;
//  3. stage only the passing pages with that manifest, build with Hugo into
//     a fresh folder, scan every built file (output-* rules): any finding
//     stops here (ErrBlocked), nothing was uploaded;
//  4. upload media (no pruning yet: the live site still points at them);
//  5. write data/media.json atomically, only now that its objects exist;
//  6. deploy site/ with pruning;
//  7. prune media no longer in the manifest;
//  8. purge every noncurrent version and delete marker under site/ and
//     media/, so no stored byte still holds what is no longer consented.
//
// A run interrupted anywhere can be rerun and converges: uploads are
// content-addressed and compared by digest, and pruning follows the new
// state.
//
// Runs against one bucket never interleave: unless DryRun, Publish opens
// the store and takes the bucket's lease (store.AcquireLease) before the
// check and holds it until after the purge; while another run holds it,
// Publish refuses with an error wrapping store.ErrLeaseHeld that names the
// holder (or waits o.LeaseWait). Before uploading anything it reads the
// vault's audit log again and refuses, with ErrWithdrawnMeanwhile and
// nothing uploaded, any publishable story whose withdrawal was recorded
// (started or done) since the check. Every key it is about to change is
// added to the vault's purge journal first (PendingPurge); the Result's
// ChangedURLs hold the whole journal, earlier interrupted runs' included,
// and the journal is removed only when the run completes. The work folder
// lies under <vault>/state/work (NewWorkDir); stale ones are removed first
// (CleanWork).
func Publish(ctx context.Context, p Parts, o Options) (*Result, error) {
	res := &Result{}
	if err := o.step(ctx, "lease"); err != nil {
		return res, err
	}
	if o.DryRun {
		return publish(ctx, p, o, nil, res)
	}
	st, closer, err := p.Store(ctx)
	if err != nil {
		return res, fmt.Errorf("object storage: %w", err)
	}
	defer closer.Close()
	lease, err := store.AcquireLease(ctx, st, store.LeaseOptions{Operation: "publish", Wait: o.LeaseWait, TTL: o.LeaseTTL, Log: o.Log})
	if err != nil {
		return res, fmt.Errorf("publish: %w", err)
	}
	defer lease.Release(context.WithoutCancel(ctx))
	res, err = publish(lease.Context(), p, o, st, res)
	if err != nil {
		return res, leaseErr(lease, err)
	}
	if err := clearPurge(o.Vault); err != nil {
		return res, err
	}
	return res, nil
}

// leaseErr adds the lease's loss to err when the lease was lost: the
// run's context was cancelled because of it.
func leaseErr(l *store.Lease, err error) error {
	if cause := context.Cause(l.Context()); errors.Is(cause, store.ErrLeaseLost) && !errors.Is(err, store.ErrLeaseLost) {
		return fmt.Errorf("%w (%w)", err, cause)
	}
	return err
}

// ErrWithdrawnMeanwhile is returned, wrapped, when a story that passed the
// check was withdrawn (or its withdrawal started) before the upload:
// nothing was uploaded.
var ErrWithdrawnMeanwhile = errors.New("withdrawn while this run was under way; nothing was uploaded")

// publish is Publish within a held lease (or a dry run, st nil), on the
// store st, which withdrawal opens once for all its steps (one embedded
// gateway per folder at a time). res is filled in and returned.
func publish(ctx context.Context, p Parts, o Options, st Store, res *Result) (*Result, error) {
	if _, err := CleanWork(o.Vault, "", o.Overlay); err != nil {
		return res, err
	}
	if err := o.step(ctx, "check"); err != nil {
		return res, err
	}
	// What the audit log records before the check, so that the recheck
	// below can tell which withdrawals are new.
	before, err := vault.WithdrawalRecords(vault.AuditLogPath(o.Vault))
	if err != nil {
		return res, err
	}
	plan, ds, err := p.Check(ctx, o.Now)
	if err != nil {
		return res, err
	}
	res.Plan, res.Diagnostics = plan, ds
	o.logf("check: %d pages publishable, %d errors, %d warnings", len(plan.Pages), diag.Count(ds, diag.Error), diag.Count(ds, diag.Warning))
	if diag.HasErrors(ds) && !o.Lenient {
		return res, fmt.Errorf("check: %d errors: %w", diag.Count(ds, diag.Error), ErrBlocked)
	}
	wd, err := NewWorkDir(o.Vault)
	if err != nil {
		return res, err
	}
	work := wd.Path
	if o.KeepWork {
		o.logf("work folder kept until the next run: %s", work)
	}
	defer wd.Close(o.KeepWork)
	var held []string
	for _, s := range plan.Stories {
		if s.Publishable {
			held = append(held, s.ID)
		}
	}
	if err := wd.Hold(held); err != nil {
		return res, err
	}
	if err := o.step(ctx, "media"); err != nil {
		return res, err
	}

	// 2. Media.
	m := &manifest.Manifest{Version: manifest.Version, Media: map[string]manifest.Entry{}}
	var mediaUploads []store.Upload
	owners := plan.Stories
	if len(plan.OrgMedia) > 0 {
		owners = append(slices.Clip(owners), Story{ID: OrgOwner, Publishable: true, Media: plan.OrgMedia})
	}
	total, done := 0, 0
	for _, s := range owners {
		if s.Publishable {
			total += len(s.Media)
		}
	}
	for _, s := range owners {
		if !s.Publishable {
			continue
		}
		for _, id := range s.Media {
			if _, dup := m.Media[id]; dup {
				return res, fmt.Errorf("media %s: placed by two stories; a medium belongs to one story's consent", id)
			}
			src, err := vault.FindOriginal(o.Vault, id)
			if err != nil {
				return res, err
			}
			main, variants, err := p.ProcessMedia(ctx, s.ID, src, filepath.Join(work, "media"))
			if err != nil {
				return res, fmt.Errorf("media %s of story %s: %w", id, s.ID, err)
			}
			// Verify proves there is no metadata; text hidden inside the
			// image data is caught here, by the registry scan.
			if p.Leaks != nil {
				for _, obj := range append([]Media{main}, variants...) {
					fs, err := MediaTextLeaks(obj.File, p.Leaks)
					if err != nil {
						return res, fmt.Errorf("media %s of story %s: %w", id, s.ID, err)
					}
					if len(fs) > 0 {
						return res, mediaTextError(id, s.ID, fs[0])
					}
				}
			}
			e := manifest.Entry{StoryID: s.ID, Object: main.Object}
			mediaUploads = appendUnique(mediaUploads, fileUpload(main))
			for _, v := range variants {
				e.Variants = append(e.Variants, v.Object)
				mediaUploads = appendUnique(mediaUploads, fileUpload(v))
			}
			m.Media[id] = e
			if done++; o.MediaProgress != nil {
				o.MediaProgress("media", done, total)
			}
		}
	}
	res.Manifest = m
	o.logf("media: %d media, %d objects scrubbed and verified", len(m.Media), len(mediaUploads))

	// 3. Stage, build, scan.
	if err := o.step(ctx, "build"); err != nil {
		return res, err
	}
	stageDir, out := filepath.Join(work, "stage"), filepath.Join(work, "public")
	if err := stage(o.Root, o.Overlay, stageDir, plan.Pages, m); err != nil {
		return res, err
	}
	o.logf("build: %d pages staged; running Hugo", len(plan.Pages))
	if err := p.Build(ctx, stageDir, out, o.BaseURL); err != nil {
		return res, fmt.Errorf("build: %w", &buildError{err})
	}
	if o.KeepWork {
		res.OutputDir = out
	}
	keys := map[string]bool{}
	for _, k := range m.Keys() {
		keys[k] = true
	}
	var unindexed []UnindexedText
	social := map[string][]string{}
	for _, s := range plan.Stories {
		unindexed = append(unindexed, s.Unindexed...)
		social[s.ID] = s.Social
	}
	scan, err := ScanOutput(OutputScan{
		Dir: out, Leaks: p.Leaks, VerifyImage: p.VerifyImage,
		MediaPrefix: mediaPrefix(o.MediaBaseURL), MediaKeys: keys, BaseURL: o.BaseURL,
		Unindexed: unindexed, Social: social,
	})
	if err != nil {
		return res, fmt.Errorf("scan of built output: %w", err)
	}
	for i := range scan {
		scan[i].File = "public/" + scan[i].File
	}
	res.Diagnostics = append(res.Diagnostics, scan...)
	if len(scan) > 0 {
		return res, fmt.Errorf("scan of built output: %d findings, nothing deployed: %w", len(scan), ErrBlocked)
	}
	objs, err := SiteObjects(out)
	if err != nil {
		return res, err
	}
	o.logf("scan: %d built files clean", len(objs))
	if o.DryRun {
		o.logf("dry run: would upload up to %d media objects and %d site objects, prune the rest; nothing changed", len(mediaUploads), len(objs))
		return res, nil
	}

	// Re-read the withdrawals: one recorded since the check (by a run that
	// did not hold the lease, or one that took over a lapsed lease) wins.
	if err := o.step(ctx, "recheck"); err != nil {
		return res, err
	}
	if err := refuseWithdrawn(o.file, o.Vault, plan, before); err != nil {
		return res, err
	}

	// 4-8. Deploy, each change journaled for the CDN purge first.
	journal := func(keys []string) error { return journalPurge(o.Vault, PublicURLs(o.BaseURL, keys)) }
	if err := st.EnsurePolicy(ctx); err != nil {
		return res, fmt.Errorf("bucket policy: %w", err)
	}
	if err := o.step(ctx, "upload-media"); err != nil {
		return res, partly(err)
	}
	sync := func(prefix string, want []store.Upload, prune bool) (store.SyncReport, error) {
		return store.Sync(ctx, st, prefix, want, store.SyncOptions{Workers: o.Workers, Prune: prune, Progress: o.Progress, BeforeChange: journal})
	}
	if res.Media, err = sync("media/", mediaUploads, false); err != nil {
		return res, partly(fmt.Errorf("upload media: %w", err))
	}
	o.logf("media: %d uploaded, %d unchanged", res.Media.Uploaded, res.Media.Unchanged)
	if err := manifest.Write(filepath.Join(o.Root, "data", "media.json"), m); err != nil {
		return res, partly(fmt.Errorf("write data/media.json: %w", err))
	}
	siteUploads := make([]store.Upload, len(objs))
	for i, ob := range objs {
		// ContentType left empty: the store sets it by extension.
		siteUploads[i] = store.Upload{Key: ob.Key, SHA256: ob.SHA256, Size: ob.Size, Open: opener(ob.File)}
	}
	if err := o.step(ctx, "deploy-site"); err != nil {
		return res, partly(err)
	}
	if res.Site, err = sync("site/", siteUploads, true); err != nil {
		return res, partly(fmt.Errorf("deploy site: %w", err))
	}
	o.logf("site: %d uploaded, %d unchanged, %d removed", res.Site.Uploaded, res.Site.Unchanged, len(res.Site.Pruned))
	if err := o.step(ctx, "prune-media"); err != nil {
		return res, partly(err)
	}
	if res.MediaPruned, err = sync("media/", mediaUploads, true); err != nil {
		return res, partly(fmt.Errorf("prune media: %w", err))
	}
	if err := o.step(ctx, "purge-versions"); err != nil {
		return res, partly(err)
	}
	for _, prefix := range []string{"site/", "media/"} {
		pr, err := store.PurgeNoncurrentUnder(ctx, st, prefix)
		if err != nil {
			return res, partly(fmt.Errorf("purge old versions under %s: %w", prefix, err))
		}
		res.Purged.Versions += pr.Versions
		res.Purged.DeleteMarkers += pr.DeleteMarkers
		res.Purged.Uploads += pr.Uploads
	}
	o.logf("prune: %d media removed; %d old versions and %d delete markers purged", len(res.MediaPruned.Pruned), res.Purged.Versions, res.Purged.DeleteMarkers)
	changed := slices.Concat(res.Site.Changed, res.Site.Pruned, res.MediaPruned.Pruned)
	if res.ChangedURLs, err = withPending(o.Vault, PublicURLs(o.BaseURL, changed)); err != nil {
		return res, err
	}
	return res, nil
}

// refuseWithdrawn returns an error wrapping ErrWithdrawnMeanwhile naming
// every publishable story of plan that the vault's audit log now records
// as withdrawn (any withdraw entry, started or done), or whose consent
// record a withdrawal ended, and every publishable page (plan.Pages,
// files under root) that check.WithdrawnContentRule refuses for a
// withdrawal recorded, or added to, since before (WithdrawalRecords read
// before the check): a copy of the withdrawn story's text or photos, or
// its storyteller's earlier consent. A page that cannot be read now is
// refused too. file maps a page's path to where it is read (Options.file).
func refuseWithdrawn(file func(string) string, vaultDir string, plan *Plan, before []check.Withdrawal) error {
	stories, records, err := vault.Withdrawals(vault.AuditLogPath(vaultDir))
	if err != nil {
		return err
	}
	var ids []string
	for _, s := range plan.Stories {
		if s.Publishable && (stories[s.ID] || slices.ContainsFunc(s.ConsentRecords, func(r string) bool { return records[r] })) {
			ids = append(ids, s.ID)
		}
	}
	now, err := vault.WithdrawalRecords(vault.AuditLogPath(vaultDir))
	if err != nil {
		return err
	}
	if fresh := newWithdrawals(before, now); len(fresh) > 0 {
		rule := check.WithdrawnContentRule(fresh, vaultDir)
		for _, f := range plan.Pages {
			raw, err := os.ReadFile(file(f))
			if err != nil {
				ids = append(ids, f)
				continue
			}
			pg, _ := content.LoadPage(f, "", raw)
			if pg == nil || pg.Invalid {
				ids = append(ids, f)
				continue
			}
			cs, _ := consent.Parse(pg)
			if len(rule.Check(&check.Context{}, cs)) > 0 {
				id := f // by id when the page has a valid one
				if cs.ID != "" && consent.SafeStoryID(cs.ID) == cs.ID {
					id = cs.ID
				}
				if !slices.Contains(ids, id) {
					ids = append(ids, id)
				}
			}
		}
	}
	if len(ids) > 0 {
		return fmt.Errorf("story %s: %w; run publish again", strings.Join(ids, ", "), ErrWithdrawnMeanwhile)
	}
	return nil
}

// newWithdrawals returns the withdrawals of now that before does not
// hold as they are: new stories, or ones that recorded more since.
func newWithdrawals(before, now []check.Withdrawal) []check.Withdrawal {
	var out []check.Withdrawal
	for _, w := range now {
		i := slices.IndexFunc(before, func(b check.Withdrawal) bool { return b.StoryID == w.StoryID })
		if i < 0 || !before[i].Day.Equal(w.Day) || len(before[i].Persons) != len(w.Persons) ||
			len(before[i].ApprovalDigests) != len(w.ApprovalDigests) || len(before[i].MediaSHA256) != len(w.MediaSHA256) {
			out = append(out, w)
		}
	}
	return out
}

// ErrPartial marks an error after deployment began: some objects may be
// updated and others not. Every step is idempotent, so running the same
// command again converges.
// ErrBuild is matched (errors.Is) by every error of Parts.Build, that is of
// Hugo: its text may quote a page, so the audit log records only this
// category (vault.FailBuild).
var ErrBuild = errors.New("hugo build failed")

// buildError marks an error of Parts.Build as ErrBuild, keeping its text.
type buildError struct{ err error }

func (e *buildError) Error() string        { return e.err.Error() }
func (e *buildError) Unwrap() error        { return e.err }
func (e *buildError) Is(target error) bool { return target == ErrBuild }

var ErrPartial = errors.New("the deployment stopped part way; run the same command again: it converges")

func partly(err error) error { return fmt.Errorf("%w (%w)", err, ErrPartial) }

// appendUnique appends u unless an upload of the same key is there: two
// media ids of one story with identical scrubbed bytes share one object.
func appendUnique(us []store.Upload, u store.Upload) []store.Upload {
	if slices.ContainsFunc(us, func(x store.Upload) bool { return x.Key == u.Key }) {
		return us
	}
	return append(us, u)
}

func fileUpload(m Media) store.Upload {
	return store.Upload{Key: m.Key, SHA256: m.SHA256, Size: m.Bytes, ContentType: m.ContentType, Open: opener(m.File)}
}

func opener(file string) func() (io.ReadCloser, error) {
	return func() (io.ReadCloser, error) { return os.Open(file) }
}

// mediaPrefix is the URL prefix media keys appear under in the built site.
func mediaPrefix(base string) string {
	if base == "" {
		base = "/"
	}
	return strings.TrimSuffix(base, "/") + "/media/"
}

// HashFile returns the lowercase hex SHA-256 of a file and its size.
func HashFile(p string) (string, int64, error) {
	f, err := os.Open(p)
	if err != nil {
		return "", 0, err
	}
	defer f.Close()
	h := sha256.New()
	n, err := io.Copy(h, f)
	if err != nil {
		return "", 0, fmt.Errorf("%s: %w", p, err)
	}
	return hex.EncodeToString(h.Sum(nil)), n, nil
}

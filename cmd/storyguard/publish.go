package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"path"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"storyguard/tools/check"
	"storyguard/tools/config"
	"storyguard/tools/consent"
	"storyguard/tools/diag"
	"storyguard/tools/publish"
	"storyguard/tools/store"
	"storyguard/tools/stories"
	"storyguard/tools/vault"
)

func init() {
	register(newPublishCmd)
	register(newPreviewCmd)
	register(newWithdrawCmd)
	register(newStatusCmd)
}

// pipelineFlags are the flags publish, preview, withdraw and status share.
type pipelineFlags struct {
	now     string
	baseURL string
	format  string
}

func (f *pipelineFlags) add(c *cobra.Command, base bool) {
	c.Flags().StringVar(&f.now, "now", "", "judge consent as of this date (YYYY-MM-DD); default today")
	if base {
		c.Flags().StringVar(&f.baseURL, "base-url", "", "public URL of the site; default baseURL from config.toml")
	}
}

// nowDate parses --now (consent.ParseNow).
func (f *pipelineFlags) nowDate() (time.Time, error) {
	t, err := consent.ParseNow(f.now)
	if err != nil {
		return t, fmt.Errorf("flag --now: %w", err)
	}
	return t, nil
}

// printDiagnostics writes findings (warnings and errors; info only with
// verbose) to stderr as text.
func (a *app) printDiagnostics(ds []diag.Diagnostic) {
	diag.Sort(ds)
	var shown []diag.Diagnostic
	for _, d := range ds {
		if d.Severity >= diag.Warning {
			shown = append(shown, d)
		}
	}
	diag.Write(a.stderr, diag.Text, shown)
}

func newPublishCmd(a *app) *cobra.Command {
	var f pipelineFlags
	var dryRun, keep, timings bool
	c := &cobra.Command{
		Use:   "publish",
		Short: "Check, scrub, build, scan and deploy the site to object storage",
		Long: `publish runs the whole pipeline: check (with the registry scan), scrub and verify
media, build the site with Hugo from a stage holding only the pages that passed,
scan every built file for registry names and unconsented images, upload media,
write data/media.json, deploy site/ incrementally and prune what is no longer
consented. Nothing public changes unless every step before deployment passed.

` + helpExitCodes,
		Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			w, err := a.wire(c.Context(), &f, false)
			if err != nil {
				return err
			}
			defer w.close()
			w.opts.DryRun = dryRun
			w.opts.KeepWork = keep
			clock := newStepClock(a.stderr, timings)
			clock.attach(&w.opts)
			t := targetOf(w.cfg)
			fmt.Fprintf(a.stderr, "storyguard: publishing to %s\n", t)
			res, err := publish.PublishStored(c.Context(), w.parts, w.opts, w.stored)
			clock.finish()
			a.printDiagnostics(res.Diagnostics)
			if errors.Is(err, publish.ErrBlocked) {
				fmt.Fprintf(a.stderr, "storyguard: %v\n", err)
				return errFindings
			}
			if errors.Is(err, store.ErrLeaseHeld) {
				return withHint(err, "another publish or withdrawal is running against this bucket: run publish again when it has finished (a killed run's lease lapses 2 minutes after its last renewal)")
			}
			if errors.Is(err, publish.ErrPartial) {
				return withHint(err, "the CDN purge list of what changed is kept in the vault until a run completes; the next successful run prints all of it")
			}
			if err != nil {
				return err
			}
			if !dryRun {
				if err := vault.RecordPublished(w.opts.Vault, t, time.Now()); err != nil {
					return fmt.Errorf("published, but could not record where: %w", err)
				}
				fmt.Fprintf(a.stdout, "published: %d site objects uploaded, %d removed; %d media objects uploaded, %d removed\n",
					res.Site.Uploaded, len(res.Site.Pruned), res.Media.Uploaded, len(res.MediaPruned.Pruned))
				for _, u := range res.ChangedURLs {
					fmt.Fprintf(a.stdout, "purge %s\n", u)
				}
			}
			return nil
		},
	}
	f.add(c, true)
	c.Flags().BoolVar(&dryRun, "dry-run", false, "check, scrub, build and scan, print the plan, change nothing")
	c.Flags().BoolVar(&keep, "keep-work", false, "keep the work folder (stage, built output, under <vault>/state/work) until the next run and print its path")
	addTimings(c, &timings)
	return c
}

func newPreviewCmd(a *app) *cobra.Command {
	var f pipelineFlags
	var addr string
	var timings bool
	c := &cobra.Command{
		Use:   "preview",
		Short: "Publish into the embedded local store and serve the site on localhost",
		Long: `preview does all of publish into the embedded local object store (a real S3
gateway over .storyguard/), then serves the site on localhost exactly as the
bucket's anonymous-read policy serves it to the public, until interrupted.
A configured endpoint is ignored: preview never touches production.

` + helpExitCodes,
		Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			ctx := c.Context()
			if host, _, err := net.SplitHostPort(addr); err != nil || !config.IsLoopback(host) {
				return withHint(errors.New("flag --addr: preview serves on loopback only (127.0.0.1, ::1 or localhost)"), "preview is for your own eyes; to share the site, publish it to a real store")
			}
			ln, err := net.Listen("tcp", addr)
			if err != nil {
				return withHint(fmt.Errorf("listen on %s: %w", addr, err), "pass --addr 127.0.0.1:0 to pick a free port")
			}
			defer ln.Close()
			f.baseURL = "http://" + ln.Addr().String() + "/"
			w, err := a.wire(ctx, &f, true)
			if err != nil {
				return err
			}
			defer w.close()
			st, closer, err := a.openStore(ctx, w.cfg)
			if err != nil {
				return fmt.Errorf("embedded object store: %w", err)
			}
			defer closer.Close()
			w.parts.Store = func(context.Context) (publish.Store, io.Closer, error) { return st, io.NopCloser(nil), nil }
			clock := newStepClock(a.stderr, timings)
			clock.attach(&w.opts)
			fmt.Fprintf(a.stderr, "storyguard: publishing into the embedded store over %s\n", w.cfg.Path(w.cfg.StoreDir))
			// The stored stories are read (w.opts.Overlay), but what goes
			// live here is the local preview, not what the public sees: the
			// story store's record of published revisions is left alone.
			res, err := publish.Publish(ctx, w.parts, w.opts)
			clock.finish()
			a.printDiagnostics(res.Diagnostics)
			if errors.Is(err, publish.ErrBlocked) {
				fmt.Fprintf(a.stderr, "storyguard: %v\n", err)
				return errFindings
			}
			if err != nil {
				return err
			}
			endpoint, err := url.Parse(st.Endpoint)
			if err != nil {
				return err
			}
			srv := &http.Server{Handler: publish.PublicHandler(endpoint, w.cfg.Bucket), ReadHeaderTimeout: 10 * time.Second}
			fmt.Fprintf(a.stdout, "Serving the published site at %s (press Ctrl-C to stop)\n", f.baseURL)
			errc := make(chan error, 1)
			go func() { errc <- srv.Serve(ln) }()
			select {
			case <-ctx.Done():
				shutdown, cancel := context.WithTimeout(context.Background(), 5*time.Second)
				defer cancel()
				srv.Shutdown(shutdown)
				return nil
			case err := <-errc:
				return err
			}
		},
	}
	f.add(c, false)
	c.Flags().StringVar(&addr, "addr", "127.0.0.1:1313", "loopback address to serve the site on")
	addTimings(c, &timings)
	return c
}

func newWithdrawCmd(a *app) *cobra.Command {
	var f pipelineFlags
	var reason, role, level string
	var emergency, timings bool
	c := &cobra.Command{
		Use:   "withdraw STORY",
		Short: "Take a story down everywhere: pages, feeds, sitemap, every object and version",
		Long: `withdraw marks the story's consent withdrawn in every language file, deletes
every version and delete marker of its media and pages from the bucket, aborts
incomplete uploads, rebuilds and redeploys the rest of the site so no list,
feed or sitemap names it, purges old versions of everything that changed,
proves the story's prefixes are empty, appends to the audit log (ids, counts
and role only) and prints the URLs a CDN must purge.

STORY is the story id (st-...) or its bundle slug. If any step fails it says
so and exits 2; running it again finishes the job. It exits 1 when the
withdrawal is complete but other pages with errors were left out of the
rebuild (so they are no longer live); it names them, apart from those of a
story a withdrawal refuses, which no publish brings back.

It refuses to run against a store the site was never published to
(recorded in <vault>/published.json), so that a shell without the endpoint
cannot report a takedown that never reached the public, and exits 2 while
another store the site was published to still holds the story.

The rebuild publishes the working tree as publish would: other approved
changes go live with the takedown.

--level applies to a story in the story store: stop_new_uses records that
nothing new of it goes out (what is live stays, across publishes);
take_down (the default) is the withdrawal above, saved back and recorded in
the store; erase is the takedown followed by the story's erasure from the
store (key and rows). Each level is recorded in the audit log.

--emergency is for when the story must come down now and nobody with the
registry key can be reached: it reads neither the registry nor the key,
marks the story withdrawn, deletes every version of its own pages and media
and proves them gone, prints the URLs to purge, records "partial" in the
audit log (without the --reason text, which nothing could check for names)
and exits 2, because the home page, lists, feeds and sitemap still show the
story's title and summary until a full withdraw (or publish) with the key
rebuilds the site. The site search index is deleted, every version, so
search finds nothing until then.

` + helpExitCodes,
		Args: cobra.ExactArgs(1),
		RunE: func(c *cobra.Command, args []string) error {
			if !slices.Contains(publish.Roles, role) {
				return fmt.Errorf("flag --by: want one of %s", strings.Join(publish.Roles, ", "))
			}
			if emergency {
				if level != string(publish.LevelTakeDown) {
					return errors.New("flag --level: an emergency withdrawal only takes down (take_down); stop or erase with the registry key")
				}
				return a.emergencyWithdraw(c, &f, args[0], reason, role)
			}
			if strings.TrimSpace(reason) == "" {
				return withHint(errors.New("--reason is empty"), "say why, without names: for example --reason \"storyteller request\"")
			}
			w, err := a.wire(c.Context(), &f, false)
			if err != nil {
				// The argument only when it is a story id: a slug may carry a
				// name, and without the registry nothing redacts it.
				return withHint(err, "if the story must come down now and the registry key is out of reach, run: storyguard withdraw "+storyArg(args[0])+" --emergency")
			}
			defer w.close()
			t := targetOf(w.cfg)
			if err := checkTarget(w.opts.Vault, t); err != nil {
				return err
			}
			clock := newStepClock(a.stderr, timings)
			clock.attach(&w.opts)
			fmt.Fprintf(a.stderr, "storyguard: withdrawing from %s\n", t)
			sw, err := publish.WithdrawStored(c.Context(), w.parts, publish.WithdrawOptions{
				Options: w.opts, Story: args[0], Reason: reason, Role: role,
				AuditLog: vault.AuditLogPath(w.opts.Vault),
			}, w.stored, stories.WithdrawLevel(level), stories.SystemAccount)
			clock.finish()
			if errors.Is(err, publish.ErrNotStored) {
				return withHint(err, "withdraw it with --level take_down (the default)")
			}
			if sw.Level == publish.LevelStopNewUses {
				if err != nil {
					return err
				}
				fmt.Fprintf(a.stdout, "stopped: %s; nothing new of it goes out, and what is live stays until it is taken down (storyguard withdraw %s --reason ...)\n", storyArg(args[0]), storyArg(args[0]))
				return nil
			}
			res := sw.Takedown
			if res != nil && res.Rebuild != nil {
				a.printDiagnostics(res.Rebuild.Diagnostics)
			}
			if err != nil && res != nil {
				for _, u := range res.PurgeURLs {
					fmt.Fprintf(a.stdout, "purge %s\n", u)
				}
			}
			if errors.Is(err, publish.ErrUnlisted) {
				fmt.Fprintf(a.stderr, "storyguard: the rebuild failed, so these %d site objects still named the story and were deleted, every version; they are offline, with the search index, until a publish rebuilds them:\n", len(res.Unlisted))
				for _, k := range res.Unlisted {
					fmt.Fprintf(a.stderr, "  %s\n", k)
				}
				return withHint(err, "fix what stopped the rebuild (above), then run storyguard publish, or this withdraw again, to rebuild the site without the story")
			}
			if err != nil {
				return withHint(err, "run the same withdraw command again once the cause is fixed; every step is safe to repeat")
			}
			fmt.Fprintf(a.stdout, "withdrawn: %s; %d object versions, %d delete markers, %d incomplete uploads removed from %s; site redeployed\n",
				res.StoryID, res.Removed.Versions, res.Removed.DeleteMarkers, res.Removed.Uploads, t)
			if sw.Erased {
				fmt.Fprintf(a.stdout, "erased: %s; its key and every row are destroyed in the story store\n", res.StoryID)
			}
			for _, u := range res.PurgeURLs {
				fmt.Fprintf(a.stdout, "purge %s\n", u)
			}
			if err := vault.RecordWithdrawn(w.opts.Vault, t, res.StoryID); err != nil {
				return fmt.Errorf("withdrawn, but could not record it: %w", err)
			}
			others, err := vault.StillHolding(w.opts.Vault, t, res.StoryID)
			if err != nil {
				return err
			}
			if len(others) > 0 {
				var runs []string
				for _, o := range others {
					runs = append(runs, fmt.Sprintf("STORYGUARD_ENDPOINT=%s STORYGUARD_BUCKET=%s storyguard withdraw %s --reason ...", o.Endpoint, o.Bucket, res.StoryID))
				}
				return withHint(fmt.Errorf("withdrawal incomplete: the site was also published to %d other store(s), which still hold the story", len(others)),
					"run, with that store's credentials: "+strings.Join(runs, "; "))
			}
			if res.Rebuild == nil {
				return nil
			}
			// The rebuild leaves out every page with an error rather than
			// wait on it: those pages are no longer live. Say which, and
			// apart those a withdrawal refuses: no fix brings them back.
			left, withdrawn := leftOut(res.Rebuild.Diagnostics)
			if len(left) > 0 {
				fmt.Fprintf(a.stderr, "storyguard: the withdrawal is complete, but %d other page(s) have errors and were left out of the rebuild, so they are no longer live:\n", len(left))
				for _, f := range left {
					fmt.Fprintf(a.stderr, "  %s\n", f)
				}
				fmt.Fprintln(a.stderr, "storyguard: fix them (storyguard check) and run storyguard publish to bring them back")
			}
			if len(withdrawn) > 0 {
				fmt.Fprintf(a.stderr, "storyguard: %d page(s) carry a withdrawn story, its text, photos or an earlier consent of its storyteller, and stay down (%s, %s); publish cannot bring them back, only a new consent given after the withdrawal:\n",
					len(withdrawn), check.RuleWithdrawnBefore, check.RuleWithdrawnReused)
				for _, f := range withdrawn {
					fmt.Fprintf(a.stderr, "  %s\n", f)
				}
			}
			if len(left)+len(withdrawn) > 0 {
				return errFindings
			}
			return nil
		},
	}
	f.add(c, true)
	c.Flags().StringVar(&reason, "reason", "", "why, for the audit log; names nobody (required, except with --emergency, which does not record it)")
	c.Flags().StringVar(&role, "by", "storyteller", "who asked, as a role: "+strings.Join(publish.Roles, ", "))
	c.Flags().StringVar(&level, "level", string(publish.LevelTakeDown), "how far, for a story in the story store: stop_new_uses (nothing new goes out, what is live stays), take_down, or erase (take down, then destroy it in the story store)")
	addTimings(c, &timings)
	c.Flags().BoolVar(&emergency, "emergency", false, "without the registry key: delete the story's own pages and media now (every version), mark it withdrawn, skip the rebuild; finish with a full withdraw later")
	return c
}

// storyArg is a story argument as a message may repeat it: itself when it
// is a well-formed story id, else STORY (a slug or a mistyped argument may
// carry a name).
func storyArg(s string) string {
	if consent.SafeStoryID(s) == s {
		return s
	}
	return "STORY"
}

// emergencyWithdraw runs publish.EmergencyWithdraw: the story's own
// objects come down without the registry key, and the command exits 2
// saying what is left to do.
func (a *app) emergencyWithdraw(c *cobra.Command, f *pipelineFlags, story, reason, role string) error {
	a.armTried = true // it never opens the registry, not even to redact
	w, err := a.wireWithoutKey(f)
	if err != nil {
		return err
	}
	t := targetOf(w.cfg)
	if err := checkTarget(w.opts.Vault, t); err != nil {
		return err
	}
	if strings.TrimSpace(reason) != "" {
		fmt.Fprintf(a.stderr, "storyguard: --reason is not recorded in an emergency withdrawal (without the registry nothing can check it for names); the audit log says %q\n", publish.EmergencyReason)
	}
	fmt.Fprintf(a.stderr, "storyguard: emergency withdrawal from %s, without the registry key\n", t)
	res, err := publish.EmergencyWithdraw(c.Context(), w.parts, publish.WithdrawOptions{
		Options: w.opts, Story: story, Role: role, AuditLog: vault.AuditLogPath(w.opts.Vault),
	})
	if res != nil {
		for _, u := range res.PurgeURLs {
			fmt.Fprintf(a.stdout, "purge %s\n", u)
		}
	}
	if !errors.Is(err, publish.ErrRebuildPending) {
		if err != nil && res == nil {
			return err // nothing was changed (no such story, a bad role)
		}
		if err != nil {
			return withHint(err, "run the same command again once the cause is fixed; every step is safe to repeat")
		}
		return errors.New("emergency withdrawal: no result")
	}
	fmt.Fprintf(a.stdout, "removed: %s; %d object versions, %d delete markers, %d incomplete uploads removed from %s; the site was NOT rebuilt\n",
		res.StoryID, res.Removed.Versions, res.Removed.DeleteMarkers, res.Removed.Uploads, t)
	fmt.Fprintf(a.stderr, "storyguard: %d site objects named the story and were deleted, every version; they are offline, with the search index, until the site is rebuilt:\n", len(res.Unlisted))
	for _, k := range res.Unlisted {
		fmt.Fprintf(a.stderr, "  %s\n", k)
	}
	if rerr := vault.RecordWithdrawn(w.opts.Vault, t, res.StoryID); rerr != nil {
		return fmt.Errorf("removed, but could not record it: %w", rerr)
	}
	return withHint(err, "as soon as the registry key is at hand, run: storyguard withdraw "+res.StoryID+" --reason ... (it rebuilds the site and removes every mention)")
}

func newStatusCmd(a *app) *cobra.Command {
	var f pipelineFlags
	c := &cobra.Command{
		Use:   "status",
		Short: "List live stories, approvals pending and consents expiring within 60 days",
		Long: `status lists every story with its consent status and expiry, whether its
approval is current, whether it may be published, and whether its pages are
live in the bucket. Expiring within 60 days and awaiting approval are noted.

` + helpExitCodes,
		Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			ctx := c.Context()
			format, err := diag.ParseFormat(f.format)
			if err != nil || format == diag.SARIF {
				return errors.New("flag --format: want text or json")
			}
			w, err := a.wire(ctx, &f, false)
			if err != nil {
				return err
			}
			defer w.close()
			plan, _, err := w.parts.Check(ctx, w.opts.Now)
			if err != nil {
				return err
			}
			st, closer, err := w.parts.Store(ctx)
			if err != nil {
				return fmt.Errorf("object storage: %w", err)
			}
			defer closer.Close()
			t := targetOf(w.cfg)
			fmt.Fprintf(a.stderr, "storyguard: LIVE is what %s holds\n", t)
			if p, err := vault.ReadPublished(w.opts.Vault); err == nil && len(p.Targets) > 0 && !slices.ContainsFunc(p.Targets, func(x vault.PublishedTarget) bool { return x.Target == t }) {
				fmt.Fprintf(a.stderr, "storyguard: warning: the site was published to %s, not to this store: set the endpoint to see what the public sees\n", p.Targets[len(p.Targets)-1].Target)
			}
			rows, err := publish.Status(ctx, st, plan, w.opts.Now)
			if err != nil {
				return err
			}
			if format == diag.JSON {
				enc := json.NewEncoder(a.stdout)
				enc.SetIndent("", "  ")
				if rows == nil {
					rows = []publish.StoryStatus{}
				}
				return enc.Encode(rows)
			}
			tw := tabwriter.NewWriter(a.stdout, 2, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "STORY\tBUNDLE\tLANG\tSTATUS\tEXPIRES\tAPPROVED\tLIVE\tNOTE")
			yes := map[bool]string{true: "yes", false: "no"}
			for _, r := range rows {
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", r.Story, r.Bundle, r.Langs, r.Status, r.Expires, yes[r.Approved], yes[r.Live], r.Note)
			}
			return tw.Flush()
		},
	}
	f.add(c, false)
	c.Flags().StringVar(&f.format, "format", "text", "output format: text or json")
	return c
}

// leftOut returns the files with an error among ds, in order: those that
// a fix and a publish can bring back (left), and those of a story a
// withdrawal refuses (withdrawn): every file of a page bundle in which one
// file has an error of check.IsWithdrawalRule, which no fix brings back.
// A file reported not-published (a draft, or consent withdrawn or
// refused) is in neither list unless its bundle is withdrawn: publish
// would not bring it back either, and it was not live.
func leftOut(ds []diag.Diagnostic) (left, withdrawn []string) {
	// story is the key of a file's story: its bundle folder for a page
	// bundle's language file (index.md, index.es.md), else the file.
	story := func(f string) string {
		if strings.HasPrefix(path.Base(f), "index.") {
			return path.Dir(f)
		}
		return f
	}
	refused, skipped := map[string]bool{}, map[string]bool{}
	for _, d := range ds {
		if d.Severity == diag.Error && check.IsWithdrawalRule(d.Rule) {
			refused[story(d.File)] = true
		}
		if d.Rule == check.RuleNotPublished {
			skipped[d.File] = true
		}
	}
	for _, d := range ds {
		switch {
		case d.Severity != diag.Error:
		case refused[story(d.File)]:
			if !slices.Contains(withdrawn, d.File) {
				withdrawn = append(withdrawn, d.File)
			}
		case !skipped[d.File] && !slices.Contains(left, d.File):
			left = append(left, d.File)
		}
	}
	return left, withdrawn
}

package main

import (
	"fmt"
	"runtime/debug"

	"github.com/spf13/cobra"

	"storyguard/tools/check"
	"storyguard/tools/consent"
	"storyguard/tools/diag"
	"storyguard/tools/publish"
)

func init() { register(newCheckCmd) }

func newCheckCmd(a *app) *cobra.Command {
	var format, now string
	cmd := &cobra.Command{
		Use:   "check",
		Short: "Report every reason a page may not be published",
		Long: `Check loads every page under content/ in every language and reports every
reason it may not be published: consent missing, pending, expired or not
covering the website or the page's language; a minor without a guardian
record; a pseudonym byline without its marker; text changed since the
storyteller approved it; media placed by path; and warnings (consent
expiring within 60 days, missing alt text, a sensitive topic without a
content warning, language the storyteller did not choose).

Each finding is printed as "file:line:col: severity rule: message", sorted
by position, or as JSON or SARIF 2.1.0 with --format. Drafts and withdrawn
or refused stories are reported at info level and not checked further.

` + helpExitCodes,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			f, err := diag.ParseFormat(format)
			if err != nil {
				return withHint(err, "use --format text, json or sarif")
			}
			day, err := consent.ParseNow(now)
			if err != nil {
				return fmt.Errorf("flag --now: %w", err)
			}
			cfg, err := a.config()
			if err != nil {
				return err
			}
			// A check is short-lived and allocates many small objects it
			// keeps to the end: collect garbage less often (the heap of a
			// 10,000-story site stays well under a gigabyte).
			defer debug.SetGCPercent(debug.SetGCPercent(400))
			stored, closeStored, err := a.storedFor(cmd.Context(), cfg)
			if err != nil {
				return err
			}
			defer closeStored()
			site, err := stored.LoadSite(cfg.Root)
			if err != nil {
				return err
			}
			opts, err := a.vaultRules(cfg)
			if err != nil {
				return err
			}
			opts.Now = day
			ds := check.Run(site, opts).Diagnostics
			publishable := len(check.Publishable(site, ds))
			stored.Name(ds)
			tracked, err := publish.StoriesInGit(cfg.Root)
			if err != nil {
				return err
			}
			ds = append(ds, tracked...)
			diag.Sort(ds)
			if err := diag.Write(a.stdout, f, ds); err != nil {
				return fmt.Errorf("write findings: %w", err)
			}
			if f == diag.Text {
				fmt.Fprintf(a.stderr, "storyguard: checked %d pages: %d errors, %d warnings, %d notes; %d pages publishable\n",
					len(site.Pages), diag.Count(ds, diag.Error), diag.Count(ds, diag.Warning), diag.Count(ds, diag.Info),
					publishable)
			}
			if diag.HasErrors(ds) {
				return errFindings
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&format, "format", "text", "output format: text, json or sarif")
	cmd.Flags().StringVar(&now, "now", "", "check as of this date (YYYY-MM-DD) instead of today")
	return cmd
}

package main

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"storyguard/tools/consent"
	"storyguard/tools/content"
	"storyguard/tools/publish"
	"storyguard/tools/stories"
	"storyguard/tools/vault"
)

func init() { register(newApproveCmd) }

func newApproveCmd(a *app) *cobra.Command {
	var langs []string
	var date string
	cmd := &cobra.Command{
		Use:   "approve STORY",
		Short: "Record the storyteller's approval of a story's current text",
		Long: `Approve records that the storyteller has read and approved the current text
of a story: it computes the approval digest of each language file (title,
description, byline, preferred term, content warnings, countries, themes,
body, and each medium's id, alt text and caption; see
tools/consent.ApprovalDigest) and writes review.approved and
review.approved_sha256 into its front matter, leaving every other line,
comment and key order as it was. For a story with photos it also pins the
photo files themselves (review.approved_media_sha256: the SHA-256 of each
original in the vault's media/ folder, --vault), so replacing a photo in
the vault needs a new approval too. STORY is a story_id (st-...) or a slug.
Run it only after the storyteller approved exactly this text: any later
change makes storyguard check fail until they approve again. --date may not
be in the future, nor before the story's consent.given.

` + helpExitCodes,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			day, err := consent.ParseNow(date)
			if err != nil {
				return fmt.Errorf("flag --date: %w", err)
			}
			if date != "" {
				if today := consent.Day(time.Now().UTC()); consent.Day(day).After(today) {
					return fmt.Errorf("flag --date: %s is in the future (today is %s); give the day the storyteller approved the text",
						consent.Day(day).Format(time.DateOnly), today.Format(time.DateOnly))
				}
			}
			cfg, err := a.config()
			if err != nil {
				return err
			}
			// Stored stories are read with the vault key; a vault without
			// a story store needs no key to approve (issue #12).
			var stored *publish.Stored
			if has, err := stories.HasStore(cfg.Path(cfg.Vault), a.getenv); err != nil {
				return err
			} else if has {
				s, closeStored, err := a.storedFor(cmd.Context(), cfg)
				if err != nil {
					return err
				}
				defer closeStored()
				stored = s
			}
			site, err := stored.LoadSite(cfg.Root)
			if err != nil {
				return err
			}
			pages, err := consent.FindStory(site, args[0])
			if err != nil {
				return withHint(err, "storyguard check lists every story with its file")
			}
			if len(langs) > 0 {
				var keep []*content.Page
				var has []string
				for _, p := range pages {
					has = append(has, p.Lang)
				}
				slices.Sort(has)
				for _, l := range langs {
					i := slices.IndexFunc(pages, func(p *content.Page) bool { return p.Lang == l })
					if i < 0 {
						// Neither the argument nor the flag's value is
						// repeated: either may be a name typed by mistake.
						return fmt.Errorf("flag --lang: the story has no translation in a language given (it has %s)", strings.Join(has, ", "))
					}
					keep = append(keep, pages[i])
				}
				pages = keep
			}
			type out struct {
				p      *content.Page
				raw    []byte
				digest string
			}
			var outs []out
			vm := vault.NewOriginals(cfg.Path(cfg.Vault))
			// Compute every file first, so an error writes nothing.
			for _, p := range pages {
				raw, digest, err := consent.Approve(p, day, vm.Sum)
				if err != nil {
					if date != "" {
						return fmt.Errorf("flag --date: %w", err)
					}
					return err
				}
				outs = append(outs, out{p, raw, digest})
			}
			var lines []string
			for _, o := range outs {
				if err := content.WriteFileAtomic(stored.Path(cfg.Root, o.p.Path), o.raw); err != nil {
					return err
				}
				// By story id, not by file: a bundle folder may carry a
				// name, and approve needs no key to redact it (issue #12).
				id, _ := o.p.Get("story_id")
				sid, _ := id.(string)
				lines = append(lines, fmt.Sprintf("approved %s (%s) on %s: sha256 %s\n", consent.SafeStoryID(sid), o.p.Lang, consent.Day(day).Format(time.DateOnly), o.digest))
			}
			// A stored story's approval exists once it is saved back: say
			// "approved" only then.
			saved, err := stored.SaveBack(cmd.Context(), stories.SystemAccount)
			for _, n := range saved {
				fmt.Fprintf(a.stdout, "saved %s in the story store\n", n)
			}
			if errors.Is(err, stories.ErrStale) {
				return withHint(fmt.Errorf("approval not saved (only the pages printed as saved are): %w", err), "the story was edited in the desk meanwhile: have the storyteller read the new text, then run approve again")
			}
			if err != nil {
				return fmt.Errorf("approval not saved (only the pages printed as saved are): %w", err)
			}
			for _, l := range lines {
				fmt.Fprint(a.stdout, l)
			}
			return nil
		},
	}
	cmd.Flags().StringSliceVar(&langs, "lang", nil, "languages to approve, for example en or en,es (default: every language of the story)")
	cmd.Flags().StringVar(&date, "date", "", "date of the approval, YYYY-MM-DD (default: today); not in the future, not before consent.given")
	return cmd
}

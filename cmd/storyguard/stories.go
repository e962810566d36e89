package main

import (
	"fmt"
	"sort"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"storyguard/tools/content"
	"storyguard/tools/stories"
)

func init() { register(newStoriesCmd) }

func newStoriesCmd(a *app) *cobra.Command {
	c := &cobra.Command{
		Use:   "stories",
		Short: "Move page bundles into the story store, list and print stored stories",
		Long: `The story store keeps stories outside git: the SQLite file <vault>/desk.db,
or the PostgreSQL database named by STORYGUARD_DATABASE_URL. Every story is
encrypted with its own key, wrapped to the vault's recipients; reading one
needs the vault key (see README, "The story store: keys and backups").

` + helpExitCodes,
	}
	c.AddCommand(newStoriesImportCmd(a), newStoriesLsCmd(a), newStoriesShowCmd(a))
	return c
}

// withStories opens the registry (failing closed as every command does)
// and the vault's story store, runs fn on it and closes it.
func (a *app) withStories(c *cobra.Command, fn func(st *stories.Store) error) error {
	st, err := a.openStories(c)
	if err != nil {
		return err
	}
	defer st.Close()
	return fn(st)
}

func (a *app) openStories(c *cobra.Command) (*stories.Store, error) {
	cfg, err := a.config()
	if err != nil {
		return nil, err
	}
	v, err := a.openVault(cfg)
	if err != nil {
		return nil, err
	}
	ids, err := a.loadIdentities(cfg)
	if err != nil {
		return nil, err
	}
	return stories.OpenForVault(c.Context(), v.Dir, v.Registry, ids, a.getenv)
}

func newStoriesImportCmd(a *app) *cobra.Command {
	return &cobra.Command{
		Use:   "import",
		Short: "Copy every page bundle under content/stories/ into the story store",
		Long: `Copy every page bundle under content/stories/ into the story store, keeping
its story_id, one revision per language, byte for byte (so its approval
stays valid). A story the store already holds is skipped. The files are
not deleted: remove them from the work tree and purge them from git
history, as the command prints, or the text lives on in every clone.

A bundle that cannot be stored byte for byte (TOML front matter, CRLF line
ends, a byte-order mark, files other than index.md and index.<lang>.md)
stops the import with the file, line and field.

` + helpExitCodes,
		Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			return a.withStories(c, func(st *stories.Store) error {
				cfg, err := a.config()
				if err != nil {
					return err
				}
				site, err := content.LoadSite(cfg.Root) // for its default language
				if err != nil {
					return err
				}
				res, err := st.Import(c.Context(), cfg.Root, site.DefaultLanguage, stories.SystemAccount)
				var dirs []string
				for _, r := range res {
					what := "imported"
					if r.Skipped {
						what = "already stored"
					}
					fmt.Fprintf(a.stdout, "%s %s (%d files)\n", what, r.StoryID, len(r.Files))
					if len(r.Files) > 0 {
						dirs = append(dirs, r.Files[0][:strings.LastIndex(r.Files[0], "/")])
					}
				}
				if err != nil {
					return err
				}
				if len(dirs) > 0 {
					fmt.Fprintf(a.stdout, "next: remove the bundles from the work tree and from git history, for example:\n")
					fmt.Fprintf(a.stdout, "  git rm -r -- %s\n", strings.Join(dirs, " "))
					fmt.Fprintf(a.stdout, "  git filter-repo --invert-paths --path %s\n", strings.Join(dirs, " --path "))
					fmt.Fprintf(a.stdout, "then have every clone deleted and cloned again.\n")
				}
				return nil
			})
		},
	}
}

func newStoriesLsCmd(a *app) *cobra.Command {
	return &cobra.Command{
		Use:   "ls",
		Short: "List stored stories: ids, states, languages, dates (nothing decrypted)",
		Args:  cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			return a.withStories(c, func(st *stories.Store) error {
				list, err := st.List(c.Context())
				if err != nil {
					return err
				}
				w := tabwriter.NewWriter(a.stdout, 0, 4, 2, ' ', 0)
				fmt.Fprintln(w, "STORY\tSTATE\tLANGUAGES\tUPDATED")
				for _, s := range list {
					var langs []string
					for l, rev := range s.Languages {
						langs = append(langs, fmt.Sprintf("%s:%d", l, rev))
					}
					sort.Strings(langs)
					fmt.Fprintf(w, "%s\t%s\t%s\t%s\n", s.ID, s.State, strings.Join(langs, " "), s.UpdatedAt.Format(time.RFC3339))
				}
				return w.Flush()
			})
		},
	}
}

func newStoriesShowCmd(a *app) *cobra.Command {
	var lang string
	c := &cobra.Command{
		Use:   "show STORY",
		Short: "Print a stored story's current page (front matter and body) in one language",
		Args:  cobra.ExactArgs(1),
		RunE: func(c *cobra.Command, args []string) error {
			return a.withStories(c, func(st *stories.Store) error {
				r, err := st.Revision(c.Context(), args[0], lang, 0)
				if err != nil {
					return err
				}
				_, err = a.stdout.Write(r.Source())
				return err
			})
		},
	}
	c.Flags().StringVar(&lang, "lang", "en", "language of the page (en, es)")
	return c
}

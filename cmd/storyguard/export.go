package main

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/gohugoio/hugo/parser/metadecoders"
	"github.com/spf13/cobra"

	"storyguard/tools/consent"
	"storyguard/tools/content"
	"storyguard/tools/diag"
	"storyguard/tools/export"
	"storyguard/tools/manifest"
	"storyguard/tools/publish"
)

func init() { register(newExportCmd) }

func newExportCmd(a *app) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "export",
		Short: "Write a story for a channel other than the website",
	}
	var f pipelineFlags
	var lang, outFile string
	nl := &cobra.Command{
		Use:   "newsletter STORY --lang L",
		Short: "Write an e-mail-safe HTML fragment of an approved story",
		Long: `Export newsletter writes one language of a story as an HTML fragment for the
newsletter tool: inline styles only, no script or stylesheet, every URL
absolute, the content warnings first, each photo by the public URL of its
scrubbed object (data/media.json: publish the story first). STORY is a
story_id (st-...) or a slug.

It refuses (exit 1) unless storyguard check finds that language file
publishable (consent valid, text approved, no leak) and its consent
includes the newsletter channel and that language; the finished fragment
is scanned against the registry like the built site, and nothing is
written when anything fails. Without -o the fragment goes to stdout.

` + helpExitCodes,
		Args: cobra.ExactArgs(1),
		RunE: func(c *cobra.Command, args []string) error {
			if lang == "" {
				return withHint(errors.New("flag --lang: required"), "give the language of the fragment, for example --lang es")
			}
			out, err := a.exportNewsletter(c, &f, args[0], lang)
			if errors.Is(err, export.ErrNotConsented) || errors.Is(err, export.ErrLeak) || errors.Is(err, export.ErrNotPublished) || errors.Is(err, errRefused) {
				fmt.Fprintf(a.stderr, "storyguard: error: %v\n", err)
				return errFindings
			}
			if err != nil {
				return err
			}
			if outFile == "" {
				_, err = a.stdout.Write(out)
				return err
			}
			return content.WriteFileAtomic(outFile, out)
		},
	}
	f.add(nl, true)
	nl.Flags().StringVar(&lang, "lang", "", "language of the fragment (en, es)")
	nl.Flags().StringVarP(&outFile, "output", "o", "", "write the fragment to this file instead of stdout")
	cmd.AddCommand(nl)
	return cmd
}

// errRefused marks a story that check does not find publishable.
var errRefused = errors.New("not publishable")

// exportNewsletter checks the site as publish does and renders the story's
// lang file with export.NewsletterHTML.
func (a *app) exportNewsletter(c *cobra.Command, f *pipelineFlags, story, lang string) ([]byte, error) {
	w, err := a.wire(c.Context(), f, false)
	if err != nil {
		return nil, err
	}
	plan, ds, err := w.parts.Check(c.Context(), w.opts.Now)
	if err != nil {
		return nil, err
	}
	i := slices.IndexFunc(plan.Stories, func(s publish.Story) bool {
		return s.ID == story || filepath.Base(s.Bundle) == story
	})
	if i < 0 {
		// Not repeated: the argument may be a name typed by mistake (issue #12).
		return nil, withHint(errors.New("no story with that id or slug"), "storyguard status lists every story")
	}
	s := plan.Stories[i]
	j := slices.Index(s.Langs, lang)
	if j < 0 {
		return nil, fmt.Errorf("story %s: no translation in the language given by --lang (it has %s): %w", s.ID, strings.Join(slices.Sorted(slices.Values(s.Langs)), ", "), export.ErrNotConsented)
	}
	file := s.Files[j]
	if !slices.Contains(plan.Pages, file) {
		n := 0
		for _, d := range ds {
			if d.File == file && d.Severity == diag.Error {
				fmt.Fprintln(a.stderr, d.String())
				n++
			}
		}
		return nil, fmt.Errorf("story %s (%s): %s is not publishable (%d errors at check, or not approved, withdrawn or a draft); run storyguard check: %w", s.ID, lang, file, n, errRefused)
	}
	raw, err := os.ReadFile(filepath.Join(w.cfg.Root, filepath.FromSlash(file)))
	if err != nil {
		return nil, err
	}
	page, _ := content.LoadPage(file, lang, raw)
	parsed, _ := consent.Parse(page)
	m, err := manifest.Read(filepath.Join(w.cfg.Root, "data", "media.json"))
	if err != nil && len(parsed.Media) > 0 {
		return nil, withHint(fmt.Errorf("data/media.json: %w", err), "run storyguard publish first, so that the story's photos are public")
	}
	words, err := themeWords(w.cfg.Root, lang)
	if err != nil {
		return nil, err
	}
	base := w.opts.BaseURL
	pageURL := base
	if lang != defaultLang(w.cfg.Root) {
		pageURL += lang + "/"
	}
	pageURL += s.Bundle + "/"
	mediaBase := strings.TrimSuffix(w.cfg.MediaBaseURL, "/") + "/"
	if !strings.Contains(mediaBase, "://") {
		mediaBase = strings.TrimSuffix(base, "/") + mediaBase
	}
	return export.NewsletterHTML(export.Newsletter{
		Story: parsed, Manifest: m, PageURL: pageURL, MediaBaseURL: mediaBase, BaseURL: base, Words: words,
		Leaks: func(data []byte) []export.Leak {
			var ls []export.Leak
			for _, f := range w.parts.Leaks("newsletter.html", data) {
				ls = append(ls, export.Leak{PersonID: f.PersonID, Kind: f.Kind})
			}
			return ls
		},
	})
}

// themeWords reads the theme's i18n/<lang>.toml (themes/voices), the one
// source of every word of the interface.
func themeWords(root, lang string) (map[string]string, error) {
	p := filepath.Join(root, "themes", "voices", "i18n", lang+".toml")
	data, err := os.ReadFile(p)
	if err != nil {
		return nil, fmt.Errorf("interface words for %s: %w", lang, err)
	}
	m, err := metadecoders.Default.UnmarshalToMap(data, metadecoders.TOML)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", p, err)
	}
	words := map[string]string{}
	for _, k := range []string{"content_warning", "content_warning_intro", "told_by", "pseudonym_note", "newsletter_read_online"} {
		v, ok := m[k].(string)
		if !ok || v == "" {
			return nil, fmt.Errorf("%s: key %s: missing", p, k)
		}
		words[k] = v
	}
	return words, nil
}

// defaultLang is config.toml's defaultContentLanguage ("en" when unset).
func defaultLang(root string) string {
	site, err := content.LoadSite(root)
	if err != nil || site.DefaultLanguage == "" {
		return "en"
	}
	return site.DefaultLanguage
}

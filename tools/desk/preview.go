package desk

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"storyguard/tools/check"
	"storyguard/tools/consent"
	"storyguard/tools/content"
	"storyguard/tools/diag"
	"storyguard/tools/identity"
	"storyguard/tools/manifest"
	"storyguard/tools/media"
	"storyguard/tools/publish"
)

// BuildFunc builds the Hugo site at src into dst with baseURL (tools/site
// Build; the desk takes it as a function so that only the command and the
// journey test link Hugo).
type BuildFunc func(ctx context.Context, src, dst, baseURL string) error

// RulesFunc returns the rules that join check.DefaultRules for a site, as
// check.Options (its Now is set by the preview): the vault's page and
// site-wide rules in the real desk (check.VaultRules). An error fails the
// preview closed.
type RulesFunc func(site *content.Site) (check.Options, error)

// Finding is one problem that blocks (or, for a warning, concerns) a
// story, as shown to the storyteller: a message key of the message files
// and a line of her text (0 when it concerns no line of the body). The
// rule's own message, which may quote the text, is never shown.
type Finding struct {
	Key      string
	Line     int
	Blocking bool
}

// findingKey maps a check rule id to the plain-words message shown for it.
func findingKey(rule string) string {
	switch {
	case rule == check.RuleNotPublished, strings.HasPrefix(rule, "consent-status"), rule == "consent-missing",
		rule == "consent-invalid", rule == "consent-expiry-date", rule == "consent-term", rule == "storyteller-invalid":
		return "finding_consent"
	case rule == "consent-language", rule == "consent-translation":
		return "finding_language"
	case rule == "consent-channel":
		return "finding_channel"
	case strings.HasPrefix(rule, "review-"):
		return "finding_review"
	case rule == "registry-leak", rule == "identifying-detail", rule == "story-withdrawn-before":
		return "finding_leak"
	case rule == "location-too-precise":
		return "finding_location"
	case rule == identity.RuleBylineMismatch, rule == identity.RuleInconsistent:
		return "finding_byline_registry"
	case rule == identity.RuleRealNameByline:
		return "finding_byline_real"
	case rule == identity.RuleFirstMentionMarker:
		return "finding_pseudonym_mention"
	case rule == "byline-pseudonym", strings.Contains(rule, "pseudonym"):
		return "finding_pseudonym"
	case strings.Contains(rule, "contact"), strings.Contains(rule, "phone"), strings.Contains(rule, "email"), strings.Contains(rule, "address"):
		return "finding_contact"
	case rule == "preferred-term", rule == "sensational-language":
		return "finding_words"
	case rule == "content-warning":
		return "finding_warning"
	}
	return "finding_other"
}

// previewResult is a built preview of every language of one story.
type previewResult struct {
	key      string // what it was built from: the materialised files and base URL
	dir      string // holds out/, the built site; removed when replaced
	langs    map[string]*previewLang
	buildErr error // the build failed: no page to show, findings still valid
}

// previewLang is the preview of one language.
type previewLang struct {
	page     string // slash path of the story's page within out/ ("es/stories/st-x/index.html")
	digest   string // consent.ApprovalDigest of the materialised page
	findings []Finding
}

// blocked reports whether a finding at error level stops this language
// from being published: anything but the missing approval itself
// (finding_review, which approving answers).
func (pl *previewLang) blocked() bool {
	for _, f := range pl.findings {
		if f.Blocking && f.Key != "finding_review" {
			return true
		}
	}
	return false
}

// approvable says whether she may approve digest in lang of st: it must
// be the digest of the preview the desk built and showed for her, from
// the story as it is now (res.key), built without error, with no finding
// that blocks it, under a consent given for lang. It returns "" when she
// may, else the notice to send her back with: "stale" when the story
// changed since the preview (or there is none), "consent" when her
// consent does not cover lang, "not_ready" when the build failed or a
// finding blocks it.
func approvable(res *previewResult, st Story, person, baseURL, lang, digest string) string {
	if st.Answers.status() != consent.Given || !slices.Contains(st.Answers.Languages, lang) {
		return "consent"
	}
	if res == nil {
		return "stale"
	}
	if _, key := previewInputs(st, person, baseURL); key != res.key {
		return "stale"
	}
	pl := res.langs[lang]
	if pl == nil || pl.digest == "" || pl.digest != digest || Digest(st, lang, person) != digest {
		return "stale"
	}
	if res.buildErr != nil || pl.blocked() {
		return "not_ready"
	}
	return ""
}

// previewInputs returns the materialised page of every language of st
// with a revision, by language, and the cache key of a build from them.
func previewInputs(st Story, person, baseURL string) (map[string][]byte, string) {
	h := sha256.New()
	fmt.Fprintf(h, "%s\n", baseURL)
	raws := map[string][]byte{}
	for _, lang := range Languages {
		if raw, ok := Materialise(st, lang, person); ok {
			raws[lang] = raw
			fmt.Fprintf(h, "%s %d\n", lang, len(raw))
			h.Write(raw)
		}
	}
	return raws, hex.EncodeToString(h.Sum(nil))
}

// buildPreview materialises every language of story st into a one-story
// stage (the site root's config, themes, static and data, and this
// story's pages only: Stage of tools/publish), runs every check on it,
// and builds it with the real theme into a fresh folder with baseURL. A
// language whose consent is not yet given is built as if she said yes to
// the website in that language for a year (fields outside the approval
// digest), so she sees the text, byline and layout the public would; the
// findings come from the real materialisation and say what still blocks
// it. It returns errNoText when the story has no text yet.
func (s *Server) buildPreview(ctx context.Context, st Story, person, baseURL string) (*previewResult, error) {
	raws, key := previewInputs(st, person, baseURL)
	if len(raws) == 0 {
		return nil, errNoText
	}
	dir, err := os.MkdirTemp(s.cfg.WorkDir, "preview-")
	if err != nil {
		return nil, err
	}
	res := &previewResult{key: key, dir: dir, langs: map[string]*previewLang{}}
	fail := func(err error) (*previewResult, error) {
		os.RemoveAll(dir)
		return nil, err
	}
	stage := filepath.Join(dir, "stage")
	m, err := s.previewManifest(ctx, st)
	if err != nil {
		return fail(fmt.Errorf("preview %s: %w", st.ID, err))
	}
	if err := publish.Stage(s.cfg.SiteRoot, stage, nil, m); err != nil {
		return fail(fmt.Errorf("preview %s: %w", st.ID, err))
	}
	for lang, raw := range raws {
		if err := writePage(stage, PagePath(st.ID, lang), raw); err != nil {
			return fail(err)
		}
	}
	site, err := content.LoadSite(stage)
	if err != nil {
		return fail(fmt.Errorf("preview %s: %w", st.ID, err))
	}
	var opts check.Options
	if s.cfg.Rules != nil {
		if opts, err = s.cfg.Rules(site); err != nil {
			return fail(fmt.Errorf("preview %s: rules: %w", st.ID, err))
		}
	}
	opts.Now = s.now()
	ds := check.Run(site, opts).Diagnostics
	pages := map[string]*content.Page{}
	for _, p := range site.Pages {
		pages[p.Path] = p
	}
	given := st.Answers.status() == consent.Given
	for lang := range raws {
		rel := PagePath(st.ID, lang)
		page := pages[rel]
		if page == nil {
			return fail(fmt.Errorf("preview %s: page %s not loaded", st.ID, rel))
		}
		res.langs[lang] = &previewLang{page: builtPagePath(st.ID, lang), digest: consent.ApprovalDigest(page),
			findings: plainFindings(ds, rel, page)}
		if given && slices.Contains(st.Answers.Languages, lang) {
			continue
		}
		build, _ := Materialise(previewStory(st, lang, s.now()), lang, person)
		if err := writePage(stage, rel, build); err != nil {
			return fail(err)
		}
	}
	out := filepath.Join(dir, "out")
	start := time.Now()
	if err := s.cfg.Build(ctx, stage, out, baseURL); err != nil {
		res.buildErr = err
		s.logf("preview %s: build failed after %v", st.ID, time.Since(start).Round(time.Millisecond))
		return res, nil
	}
	s.logf("preview %s: built in %v", st.ID, time.Since(start).Round(time.Millisecond))
	for lang, pl := range res.langs {
		if _, err := os.Stat(filepath.Join(out, filepath.FromSlash(pl.page))); err != nil {
			res.buildErr = fmt.Errorf("preview %s: the build made no page in %s", st.ID, lang)
		}
	}
	return res, nil
}

// previewStory returns st with answers that give consent for the website
// in lang for a year, keeping the byline her answers give (no name at all
// while she has not clearly chosen one, or fears harm): what the preview
// builds while her consent is not given yet. Only fields outside the
// approval digest differ from the real materialisation.
func previewStory(st Story, lang string, now time.Time) Story {
	a := Answers{At: now, Share: "yes", Name: "none", Danger: "no", Search: "no", TermYears: 1,
		Channels: []string{"website"}, Languages: []string{lang}}
	if st.Answers != nil {
		if st.Answers.Danger == "no" && slices.Contains([]string{"chosen", "first", "full"}, st.Answers.Name) {
			a.Name, a.ChosenName, a.ShownName = st.Answers.Name, st.Answers.ChosenName, st.Answers.ShownName
		}
		if st.Answers.Search == "yes" {
			a.Search = "yes"
		}
	}
	st.Answers = &a
	return st
}

var errNoText = errors.New("no text in this language")

// previewManifest returns the site's data/media.json with an entry for
// every photo in the media lists of st, keyed as a publish would key it
// (media/<story id>/<sha256><ext>) so that the theme places it exactly as
// on the public site; the desk serves those keys to her session
// (previewMedia). Each file is verified clean again (media.Verify), which
// also gives its size in pixels; a photo that is missing or fails
// verification fails the preview closed.
func (s *Server) previewManifest(ctx context.Context, st Story) (*manifest.Manifest, error) {
	m, err := manifest.Read(filepath.Join(s.cfg.SiteRoot, "data", "media.json"))
	if err != nil {
		return nil, err
	}
	var ids []string
	for _, lang := range Languages {
		for _, it := range st.Current[lang].Media {
			if !slices.Contains(ids, it.ID) {
				ids = append(ids, it.ID)
			}
		}
	}
	if len(ids) == 0 {
		return m, nil
	}
	ss, err := s.staffStore()
	if err != nil {
		return nil, err
	}
	photos, err := ss.Photos(ctx, st.ID)
	if err != nil {
		return nil, err
	}
	for _, id := range ids {
		i := slices.IndexFunc(photos, func(p Photo) bool { return p.ID == id })
		if i < 0 || s.cfg.MediaDir == "" {
			return nil, fmt.Errorf("media %s: not one of the story's photos", id)
		}
		p := photos[i]
		data, err := os.ReadFile(filepath.Join(s.cfg.MediaDir, p.ID+p.Ext))
		if err != nil {
			return nil, fmt.Errorf("media %s: %w", id, err)
		}
		sum := sha256.Sum256(data)
		if hex.EncodeToString(sum[:]) != p.SHA256 {
			return nil, fmt.Errorf("media %s: the file is not the one attached", id)
		}
		info, err := media.Verify(bytes.NewReader(data), media.Options{})
		if err != nil {
			return nil, fmt.Errorf("media %s: %w", id, err)
		}
		m.Media[id] = manifest.Entry{StoryID: st.ID, Object: manifest.Object{Key: previewMediaKey(st.ID, p),
			ContentType: info.ContentType, Width: info.Width, Height: info.Height, Bytes: int64(len(data)), SHA256: p.SHA256}}
	}
	return m, nil
}

// previewMediaKey is the object key a publish gives photo p of story id,
// and the path under which the desk serves it to a preview.
func previewMediaKey(id string, p Photo) string {
	return "media/" + id + "/" + p.SHA256 + p.Ext
}

// builtPagePath is where Hugo writes the story page: under the language's
// folder except for the default language (defaultContentLanguageInSubdir
// false in config.toml).
func builtPagePath(id, lang string) string {
	if lang == Languages[0] {
		return "stories/" + id + "/index.html"
	}
	return lang + "/stories/" + id + "/index.html"
}

func writePage(stage, rel string, raw []byte) error {
	p := filepath.Join(stage, filepath.FromSlash(rel))
	if err := os.MkdirAll(filepath.Dir(p), 0o700); err != nil {
		return err
	}
	return os.WriteFile(p, raw, 0o600)
}

// plainFindings turns check's findings on the story's page into Findings:
// errors and warnings (info only for not-published), one per message key
// and line, errors first. Lines are made relative to the body, which is
// what she wrote (front matter lines are not hers; they become line 0).
func plainFindings(ds []diag.Diagnostic, rel string, p *content.Page) []Finding {
	bodyLine, _ := p.Position(p.BodyOffset)
	seen := map[Finding]bool{}
	var out []Finding
	for _, d := range ds {
		if d.File != rel {
			continue
		}
		if d.Severity == diag.Info && d.Rule != check.RuleNotPublished {
			continue
		}
		f := Finding{Key: findingKey(d.Rule), Blocking: d.Severity == diag.Error || d.Rule == check.RuleNotPublished}
		if d.Line >= bodyLine && bodyLine > 0 {
			f.Line = d.Line - bodyLine + 1
		}
		if !seen[f] {
			seen[f] = true
			out = append(out, f)
		}
	}
	slices.SortStableFunc(out, func(a, b Finding) int {
		if a.Blocking != b.Blocking {
			if a.Blocking {
				return -1
			}
			return 1
		}
		return a.Line - b.Line
	})
	return out
}

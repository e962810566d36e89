package content

import (
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/gohugoio/hugo/parser/metadecoders"

	"storyguard/tools/config"
	"storyguard/tools/diag"
)

// Site is every content file of a Hugo site, loaded.
type Site struct {
	// Root is the site root as given to LoadSite.
	Root string
	// Languages are the language codes of config.toml's [languages] table,
	// sorted, for example ["en", "es"]; just DefaultLanguage when the site
	// declares none.
	Languages []string
	// DefaultLanguage is defaultContentLanguage, "en" when unset (Hugo's
	// default).
	DefaultLanguage string
	// Taxonomies are the plural names of config.toml's [taxonomies]
	// table ("countries", "themes"), sorted: the front-matter lists Hugo
	// renders as public term pages. Hugo's default, categories and tags,
	// when the table is absent (gohugoio/hugo config/allconfig).
	Taxonomies []string
	// Themes are config.toml's theme (a name or a list of names), the
	// folders under ThemesDir ("themes" unless themesDir says otherwise).
	Themes    []string
	ThemesDir string
	// Shortcodes are the shortcode templates Hugo would find for this
	// site, by lowercase name (FindShortcodes).
	Shortcodes map[string]ShortcodeTemplate
	// Pages are the Markdown pages under content/, sorted by Path,
	// including those that could not be loaded (Page.Invalid).
	Pages []*Page
	// Diagnostics are the load problems, each naming a file, line and
	// field; sorted.
	Diagnostics []diag.Diagnostic
}

// Bundles groups the pages by Bundle (a story's translations together), in
// the order of Pages.
func (s *Site) Bundles() [][]*Page {
	idx := map[string]int{}
	var out [][]*Page
	for _, p := range s.Pages {
		i, ok := idx[p.Bundle]
		if !ok {
			i = len(out)
			idx[p.Bundle] = i
			out = append(out, nil)
		}
		out[i] = append(out[i], p)
	}
	return out
}

// LoadConfig reads only the site's configuration under root (config.toml
// or hugo.toml) as LoadSite does: a Site with Root, Languages,
// DefaultLanguage and Taxonomies set and no pages. Errors as LoadSite's
// for the configuration.
func LoadConfig(root string) (*Site, error) {
	s := &Site{Root: root}
	if err := s.readConfig(); err != nil {
		return nil, err
	}
	return s, nil
}

// ErrNoContent is returned by LoadSite when the site root has no content/
// folder.
var ErrNoContent = errors.New("no content folder")

// LoadSite loads every page under <root>/content in every language of
// <root>/config.toml (or hugo.toml), reading each file once, on all cores.
// A problem with one file (bad front matter, not UTF-8, too large, a
// symlink leading outside content/, a media file) is a diagnostic in
// Site.Diagnostics, never an abort. LoadSite returns an error only when the
// site cannot be read at all: no configuration, a configuration that does
// not parse, no content folder, or an I/O failure walking the tree.
func LoadSite(root string) (*Site, error) {
	s := &Site{Root: root}
	if err := s.readConfig(); err != nil {
		return nil, err
	}
	if err := s.refuseData(); err != nil {
		return nil, err
	}
	sc, err := FindShortcodes(root, s.ThemesDir, s.Themes)
	if err != nil {
		return nil, err
	}
	s.Shortcodes = sc
	contentDir := filepath.Join(root, "content")
	fi, err := os.Stat(contentDir)
	if err != nil || !fi.IsDir() {
		return nil, fmt.Errorf("%s: %w", contentDir, ErrNoContent)
	}
	realContent, err := filepath.EvalSymlinks(contentDir)
	if err != nil {
		return nil, fmt.Errorf("resolve %s: %w", contentDir, err)
	}
	realContent, _ = filepath.Abs(realContent)

	type job struct {
		rel  string
		abs  string
		size int64
	}
	var jobs []job
	err = filepath.WalkDir(contentDir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return fmt.Errorf("walk %s: %w", path, err)
		}
		relOS, _ := filepath.Rel(root, path)
		rel := filepath.ToSlash(relOS)
		if d.IsDir() {
			if path != contentDir && strings.HasPrefix(d.Name(), ".") {
				return filepath.SkipDir
			}
			return nil
		}
		if strings.HasPrefix(d.Name(), ".") {
			return nil
		}
		if d.Type()&fs.ModeSymlink != 0 {
			target, err := filepath.EvalSymlinks(path)
			if err != nil {
				s.add(rel, RuleSymlink, "symlink leads nowhere; remove it")
				return nil
			}
			target, _ = filepath.Abs(target)
			if target != realContent && !strings.HasPrefix(target, realContent+string(filepath.Separator)) {
				s.add(rel, RuleSymlink, "symlink leads outside content/; copy the file in or remove the link")
				return nil
			}
			// A link within content/: its target is loaded where it lives.
			return nil
		}
		if !d.Type().IsRegular() {
			s.add(rel, RuleFormat, "not a regular file")
			return nil
		}
		if isMediaFile(rel) {
			s.add(rel, RuleMediaFile, "media file in content/: originals live in the vault under their media id and are placed through the front-matter media list")
			return nil
		}
		if !isMarkdown(rel) {
			if strings.HasSuffix(d.Name(), ".gotmpl") {
				// Hugo runs _content.gotmpl as a content adapter: it makes
				// pages, with any fields, that no check ever reads.
				s.add(rel, RuleFormat, "a content adapter (.gotmpl) makes pages that check never reads; write each page as a Markdown file")
				return nil
			}
			if isContentFormat(rel) {
				s.add(rel, RuleFormat, fmt.Sprintf("content format %q is not one Storyguard checks; write the page in Markdown (.md)", ext(rel)))
			}
			return nil
		}
		info, err := d.Info()
		if err != nil {
			return fmt.Errorf("stat %s: %w", path, err)
		}
		jobs = append(jobs, job{rel: rel, abs: path, size: info.Size()})
		return nil
	})
	if err != nil {
		return nil, err
	}

	pages := make([]*Page, len(jobs))
	diags := make([][]diag.Diagnostic, len(jobs))
	var next atomic.Int64
	var wg sync.WaitGroup
	var ioErr error
	var ioOnce sync.Once
	for range max(1, runtime.GOMAXPROCS(0)) {
		wg.Go(func() {
			for {
				i := int(next.Add(1) - 1)
				if i >= len(jobs) {
					return
				}
				j := jobs[i]
				lang, ds := s.langOf(j.rel)
				if j.size > MaxFileSize {
					p := &Page{Path: j.rel, Lang: lang, FrontMatter: map[string]any{}, Invalid: true}
					p.Section, p.Bundle, p.IsIndex = placement(j.rel)
					pages[i] = p
					diags[i] = append(ds, diag.Diagnostic{File: j.rel, Rule: RuleTooLarge, Severity: diag.Error,
						Message: fmt.Sprintf("file is %d bytes, more than the %d a content file may hold", j.size, MaxFileSize)})
					continue
				}
				raw, err := os.ReadFile(j.abs)
				if err != nil {
					ioOnce.Do(func() { ioErr = fmt.Errorf("read %s: %w", j.rel, err) })
					return
				}
				p, pds := LoadPage(j.rel, lang, raw)
				if len(ds) > 0 {
					p.Invalid = true
				}
				pages[i] = p
				diags[i] = append(ds, pds...)
			}
		})
	}
	wg.Wait()
	if ioErr != nil {
		return nil, ioErr
	}
	s.Pages = pages
	slices.SortFunc(s.Pages, func(a, b *Page) int { return strings.Compare(a.Path, b.Path) })
	for _, ds := range diags {
		s.Diagnostics = append(s.Diagnostics, ds...)
	}
	diag.Sort(s.Diagnostics)
	return s, nil
}

func (s *Site) add(rel, rule, msg string) {
	s.Diagnostics = append(s.Diagnostics, diag.Diagnostic{File: rel, Rule: rule, Severity: diag.Error, Message: msg})
}

var langCode = regexp.MustCompile(`^[a-z]{2,3}(-[a-z0-9]{2,8})?$`)

// langOf returns the language of a content file from its name, as Hugo
// does: "index.es.md" is "es" when es is a site language; a name without
// a language is the default language. A name carrying a language code the
// site does not declare is an error: Hugo would not build it as the page
// its author meant.
func (s *Site) langOf(rel string) (string, []diag.Diagnostic) {
	base := rel[strings.LastIndexByte(rel, '/')+1:]
	parts := strings.Split(base, ".")
	if len(parts) >= 3 {
		code := strings.ToLower(parts[len(parts)-2])
		if slices.Contains(s.Languages, code) {
			return code, nil
		}
		if langCode.MatchString(code) {
			return s.DefaultLanguage, []diag.Diagnostic{{File: rel, Rule: RuleFormat, Severity: diag.Error,
				Message: fmt.Sprintf("file name names language %q, which config.toml does not declare", code)}}
		}
	}
	return s.DefaultLanguage, nil
}

// readConfig reads the languages from config.toml (or hugo.toml) with
// Hugo's metadecoders.
func (s *Site) readConfig() error {
	var data []byte
	var name string
	for _, n := range []string{"config.toml", "hugo.toml"} {
		b, err := os.ReadFile(filepath.Join(s.Root, n))
		if err == nil {
			data, name = b, n
			break
		}
		if !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("read %s: %w", n, err)
		}
	}
	if name == "" {
		return config.ErrNoConfig(s.Root)
	}
	m, err := metadecoders.Default.UnmarshalToMap(data, metadecoders.TOML)
	if err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	s.refuseConfig(name, data, m)
	s.DefaultLanguage = "en"
	if v, ok := lookupKey(m, "defaultContentLanguage"); ok {
		str, ok := v.(string)
		if !ok || str == "" {
			return fmt.Errorf("%s: field defaultContentLanguage: want a language code, got %T", name, v)
		}
		s.DefaultLanguage = strings.ToLower(str)
	}
	if v, ok := lookupKey(m, "languages"); ok {
		langs, ok := v.(map[string]any)
		if !ok {
			return fmt.Errorf("%s: field languages: want a table of languages, got %T", name, v)
		}
		for code, lv := range langs {
			if lm, ok := lv.(map[string]any); ok {
				if _, ok := lookupKey(lm, "contentDir"); ok {
					return fmt.Errorf("%s: field languages.%s.contentDir: a content folder per language is not supported; use index.<lang>.md file names", name, code)
				}
				if d, ok := lookupKey(lm, "disabled"); ok && d == true {
					continue
				}
			}
			s.Languages = append(s.Languages, strings.ToLower(code))
		}
	}
	if len(s.Languages) == 0 {
		s.Languages = []string{s.DefaultLanguage}
	}
	s.ThemesDir = "themes"
	if v, ok := lookupKey(m, "themesDir"); ok {
		str, ok := v.(string)
		if !ok || str == "" {
			return fmt.Errorf("%s: field themesDir: want a folder name", name)
		}
		s.ThemesDir = filepath.FromSlash(str)
	}
	if v, ok := lookupKey(m, "theme"); ok {
		switch t := v.(type) {
		case string:
			s.Themes = []string{t}
		case []any:
			for _, e := range t {
				str, ok := e.(string)
				if !ok {
					return fmt.Errorf("%s: field theme: want a theme name or a list of names", name)
				}
				s.Themes = append(s.Themes, str)
			}
		default:
			return fmt.Errorf("%s: field theme: want a theme name or a list of names", name)
		}
	}
	s.Taxonomies = []string{"categories", "tags"}
	if v, ok := lookupKey(m, "taxonomies"); ok {
		tax, ok := v.(map[string]any)
		if !ok {
			return fmt.Errorf("%s: field taxonomies: want a table of singular = plural names, got %T", name, v)
		}
		s.Taxonomies = s.Taxonomies[:0]
		for singular, pv := range tax {
			plural, ok := pv.(string)
			if !ok || plural == "" {
				return fmt.Errorf("%s: field taxonomies.%s: want the plural name as text", name, singular)
			}
			s.Taxonomies = append(s.Taxonomies, strings.ToLower(plural))
		}
		slices.Sort(s.Taxonomies)
	}
	slices.Sort(s.Languages)
	if !slices.Contains(s.Languages, s.DefaultLanguage) {
		return fmt.Errorf("%s: field defaultContentLanguage: %q is not among the languages %v", name, s.DefaultLanguage, s.Languages)
	}
	return nil
}

// refuseConfig reports, as frontmatter-refused, the configuration keys
// through which Hugo puts values into pages that check never reads there:
// cascade at the root or under a language (Hugo v0.165.0
// config/allconfig: "cascade" at both levels, "target"/"_target" to pick
// pages), and frontmatter, which remaps the dates (expiryDate) Hugo reads
// from other keys than the ones check compares with the consent.
func (s *Site) refuseConfig(name string, data []byte, m map[string]any) {
	cfg := &Page{Path: name, Raw: data}
	fields, _ := scanFields(data, 0, len(data), metadecoders.TOML)
	cfg.fields = fields
	at := func(path, msg string) {
		line, col := cfg.Position(cfg.FieldOffset(path))
		s.Diagnostics = append(s.Diagnostics, diag.Diagnostic{File: name, Line: line, Col: col, Rule: RuleRefused, Severity: diag.Error, Message: msg})
	}
	const cascade = "refused: Hugo copies these values into pages, where check does not read them; write each page's fields in that page"
	for _, k := range slices.Sorted(maps.Keys(m)) {
		switch strings.ToLower(k) {
		case "cascade":
			at("cascade", "config cascade: "+cascade)
		case "frontmatter":
			at("frontmatter", "config frontmatter: refused: it makes Hugo read a page's dates (expiryDate among them) from other keys than check compares with the consent; remove it")
		case "languages":
			langs, _ := m[k].(map[string]any)
			for _, code := range slices.Sorted(maps.Keys(langs)) {
				lm, _ := langs[code].(map[string]any)
				for _, lk := range slices.Sorted(maps.Keys(lm)) {
					if strings.EqualFold(lk, "cascade") {
						path := "languages." + strings.ToLower(code) + ".cascade"
						at(path, "config "+path+": "+cascade)
					}
				}
			}
		}
	}
}

// refuseData reports, as frontmatter-refused, every file under data/ other
// than data/media.json. Hugo merges all data files into hugo.Data, which
// templates read: data/media.yaml or data/media/x.json would put entries
// beside the media manifest that publish writes, and that the theme trusts.
func (s *Site) refuseData() error {
	dir := filepath.Join(s.Root, "data")
	if _, err := os.Lstat(dir); errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	return filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return fmt.Errorf("walk %s: %w", path, err)
		}
		relOS, _ := filepath.Rel(s.Root, path)
		rel := filepath.ToSlash(relOS)
		if d.IsDir() || rel == "data/media.json" {
			return nil
		}
		s.Diagnostics = append(s.Diagnostics, diag.Diagnostic{File: rel, Rule: RuleRefused, Severity: diag.Error,
			Message: "a data file: Hugo merges every file under data/ into what templates read, beside the media manifest; only data/media.json, written by storyguard publish, may be there"})
		return nil
	})
}

func isMediaFile(rel string) bool {
	switch ext(rel) {
	case "jpg", "jpeg", "png", "gif", "webp", "avif", "heic", "heif", "tif", "tiff", "bmp", "svg", "ico",
		"mp4", "m4v", "mov", "webm", "mkv", "avi", "mp3", "m4a", "wav", "ogg", "oga", "flac", "aac", "opus", "pdf":
		return true
	}
	return false
}

func isContentFormat(rel string) bool {
	switch ext(rel) {
	case "html", "htm", "org", "adoc", "asciidoc", "pdc", "pandoc", "rst", "mmark":
		return true
	}
	return false
}

// AddFiles loads the content files files (slash paths relative to a site
// root, "content/stories/<slug>/index.md", each under content/) from the
// folder dir instead of the site root, and adds them to s as if they lay
// under s.Root: the stored stories a command materialised into its work
// folder (tools/stories Materialise), checked by the same rules as the
// files under content/. Each is loaded as LoadSite loads a file (its
// language from its name, MaxFileSize, LoadPage); s.Pages stays sorted by
// Path and s.Diagnostics sorted. A file that s already holds is an error
// (a page bundle under content/ with the same path as a stored story:
// which one is the story would be a guess), as is one that cannot be
// read; nothing is added then.
func (s *Site) AddFiles(dir string, files []string) error {
	have := make(map[string]bool, len(s.Pages))
	for _, p := range s.Pages {
		have[p.Path] = true
	}
	var pages []*Page
	var diags []diag.Diagnostic
	for _, rel := range files {
		if !strings.HasPrefix(rel, "content/") || strings.Contains(rel, "..") || !isMarkdown(rel) {
			return fmt.Errorf("add %s: not a Markdown file under content/", rel)
		}
		if have[rel] {
			return fmt.Errorf("add %s: the site already has a file at that path; rename its bundle folder or import it into the story store", rel)
		}
		have[rel] = true
		lang, ds := s.langOf(rel)
		raw, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(rel)))
		if err != nil {
			return fmt.Errorf("read %s: %w", rel, err)
		}
		if len(raw) > MaxFileSize {
			return fmt.Errorf("add %s: file is %d bytes, more than the %d a content file may hold", rel, len(raw), MaxFileSize)
		}
		p, pds := LoadPage(rel, lang, raw)
		if len(ds) > 0 {
			p.Invalid = true
		}
		pages = append(pages, p)
		diags = append(diags, ds...)
		diags = append(diags, pds...)
	}
	s.Pages = append(s.Pages, pages...)
	slices.SortFunc(s.Pages, func(a, b *Page) int { return strings.Compare(a.Path, b.Path) })
	s.Diagnostics = append(s.Diagnostics, diags...)
	diag.Sort(s.Diagnostics)
	return nil
}

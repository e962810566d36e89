package stories

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"

	"storyguard/tools/content"
	"storyguard/tools/diag"

	"github.com/gohugoio/hugo/parser/metadecoders"
)

// SystemAccount is the author recorded for what the storyguard command
// itself does (stories import): not a person, so no account row.
const SystemAccount = "acct-storyguard"

// DeskName is how diagnostics name the page of a stored story:
// "desk:<story id>/index.<lang>.md" (DESIGN.md "Where stories live").
func DeskName(storyID, lang string) string {
	return "desk:" + storyID + "/index." + lang + ".md"
}

// Bundle is one stored story as Materialise wrote it.
type Bundle struct {
	StoryID string
	State   State
	// Dir is the bundle's folder relative to the content folder,
	// "stories/<slug>".
	Dir string
	// Files maps each language to the written file relative to the
	// content folder ("stories/<slug>/index.md" for the default language,
	// "stories/<slug>/index.es.md" for the others).
	Files map[string]string
	// Revs maps each language to the revision written: the base SaveBack
	// saves a changed file on.
	Revs map[string]int64
}

// Materialise writes the current revision of every language of every
// stored story that has one, as the page bundle Hugo reads, under
// contentDir/stories/<slug>/ (index.md for defaultLang, index.<lang>.md
// for the others), byte for byte what Revision.Source returns, so the
// check and publish rules run on the same bytes and the approval digest
// is the same. contentDir must be a build stage's content folder, never
// the project's: the text must not land where git could pick it up.
// Withdrawn stories (StateWithdrawn) are not written, so a publish from
// the stage takes them down. Of a stopped story (StopNewUses) only the
// revisions the last publish put live (MarkPublished) are written, so
// nothing newer and no new language goes out; a stopped story never
// marked published is not written at all (fail closed: it comes down
// until staff act). Bundle.State tells the caller which it was.
//
// Errors, naming story ids only: ErrLocked without the vault key; a folder
// that already exists in the stage (a page bundle under content/ with the
// same slug, or two stored stories with one slug); a revision whose front
// matter does not load as a page or whose story_id is not the stored
// story's (a copied story must not pass under another id's consent and
// withdrawal records). Nothing is left half-written: on error the folders
// written so far are removed.
func (s *Store) Materialise(ctx context.Context, contentDir, defaultLang string) (out []Bundle, err error) {
	list, err := s.List(ctx)
	if err != nil {
		return nil, err
	}
	var made []string
	defer func() {
		if err != nil {
			for _, d := range made {
				os.RemoveAll(d)
			}
			out = nil
		}
	}()
	for _, sm := range list {
		if len(sm.Languages) == 0 || sm.State == StateWithdrawn {
			continue
		}
		// A stopped story keeps what is live and nothing newer: the
		// revisions the last publish recorded (MarkPublished), and no
		// language that was never published.
		revs := sm.Languages
		if sm.State == StateStopped {
			revs = sm.Published
		}
		if len(revs) == 0 {
			continue
		}
		k, err := s.key(ctx, sm.ID)
		if err != nil {
			return nil, err
		}
		slug, err := s.slug(ctx, k, sm.ID)
		if err != nil {
			return nil, err
		}
		rel := path.Join("stories", slug)
		dir := filepath.Join(contentDir, filepath.FromSlash(rel))
		if _, err := os.Lstat(dir); err == nil {
			return nil, fmt.Errorf("materialise story %s: its bundle folder already exists in the stage (a page bundle with the same slug, or another stored story)", sm.ID)
		} else if !errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("materialise story %s: %w", sm.ID, err)
		}
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return nil, fmt.Errorf("materialise story %s: %w", sm.ID, err)
		}
		made = append(made, dir)
		b := Bundle{StoryID: sm.ID, State: sm.State, Dir: rel, Files: map[string]string{}, Revs: map[string]int64{}}
		langs := make([]string, 0, len(revs))
		for lang := range revs {
			langs = append(langs, lang)
		}
		sort.Strings(langs)
		for _, lang := range langs {
			name := "index." + lang + ".md"
			if lang == defaultLang {
				name = "index.md"
			}
			r, err := s.revision(ctx, k, sm.ID, lang, revs[lang])
			if err != nil {
				return nil, err
			}
			src := r.Source()
			if err := checkStoryID(sm.ID, lang, src); err != nil {
				return nil, err
			}
			file := path.Join(rel, name)
			if err := os.WriteFile(filepath.Join(contentDir, filepath.FromSlash(file)), src, 0o600); err != nil {
				return nil, fmt.Errorf("materialise story %s: %w", sm.ID, err)
			}
			b.Files[lang] = file
			b.Revs[lang] = revs[lang]
		}
		out = append(out, b)
	}
	return out, nil
}

// loadPage loads src as Hugo would (content.LoadPage); for a page that
// does not load it returns nil and "line:col: message" of the first
// diagnostic.
func loadPage(rel, lang string, src []byte) (*content.Page, string) {
	p, ds := content.LoadPage(rel, lang, src)
	if !p.Invalid {
		return p, ""
	}
	if len(ds) > 0 {
		return nil, fmt.Sprintf("%d:%d: %s", ds[0].Line, ds[0].Col, ds[0].Message)
	}
	return nil, "does not load as a page"
}

// checkStoryID loads src as Hugo would and refuses it unless its
// story_id is storyID. Errors name the page as DeskName.
func checkStoryID(storyID, lang string, src []byte) error {
	name := DeskName(storyID, lang)
	p, msg := loadPage("content/stories/x/index."+lang+".md", lang, src)
	if p == nil {
		return fmt.Errorf("%s: %s", name, msg)
	}
	id, _ := p.FrontMatter["story_id"].(string)
	if id != storyID {
		line, col := p.FieldPosition("story_id")
		return fmt.Errorf("%s:%d:%d: field story_id: not this stored story's id", name, line, col)
	}
	return nil
}

// ImportResult is what Import did with one page bundle.
type ImportResult struct {
	StoryID string
	// Files are the bundle's files that were imported, relative to the
	// site root ("content/stories/<slug>/index.md"): the ones to remove
	// from the work tree and purge from git history.
	Files []string
	// Skipped is true when the store already held the story (nothing
	// written).
	Skipped bool
}

// Import moves the page bundles under root/content/stories/ into the
// store: for each bundle folder, a story with the bundle's story_id and
// slug (CreateWithID) and revision 1 of each language file (index.md is
// defaultLang, index.<lang>.md the others), authored by by. It does not
// delete the files: the caller tells the operator to remove them and
// purge them from git history. A story the store already holds is skipped.
//
// Each file must be stored byte for byte: YAML front matter between "---"
// lines, as Revision.Source writes it (so the approval digest stays
// valid); anything else (TOML or JSON front matter, a byte-order mark,
// CRLF line ends, files other than index*.md in the bundle, a story_id
// that differs between languages or is not an opaque id) is refused with
// an error naming the file, line and field, before anything of that
// bundle is written. ErrInvalid wraps these.
func (s *Store) Import(ctx context.Context, root, defaultLang, by string) ([]ImportResult, error) {
	return s.ImportFrom(ctx, root, "content/stories", defaultLang, by)
}

// ImportFrom is Import of the bundle folders in root/dir (dir slash-
// separated and relative to root, as files are named in results and
// errors): "content/stories" for a site, "examples/vault/stories" for the
// demo's stories, which the demo desk imports into a fresh store.
func (s *Store) ImportFrom(ctx context.Context, root, dir, defaultLang, by string) ([]ImportResult, error) {
	entries, err := os.ReadDir(filepath.Join(root, filepath.FromSlash(dir)))
	if err != nil {
		return nil, fmt.Errorf("import: %w", err)
	}
	var out []ImportResult
	for _, e := range entries {
		if !e.IsDir() {
			continue // _index.md and the like are the section's, not a story's
		}
		res, err := s.importBundle(ctx, root, path.Join(dir, e.Name()), e.Name(), defaultLang, by)
		if err != nil {
			return out, err
		}
		out = append(out, res)
	}
	return out, nil
}

func (s *Store) importBundle(ctx context.Context, root, rel, slug, defaultLang, by string) (ImportResult, error) {
	entries, err := os.ReadDir(filepath.Join(root, filepath.FromSlash(rel)))
	if err != nil {
		return ImportResult{}, fmt.Errorf("import %s: %w", rel, err)
	}
	revs := map[string]Revision{}
	var files []string
	id := ""
	for _, e := range entries {
		file := path.Join(rel, e.Name())
		lang, ok := bundleLang(e.Name(), defaultLang)
		if !ok || !e.Type().IsRegular() {
			return ImportResult{}, fmt.Errorf("import %s: %w: only index.md and index.<lang>.md can be imported (move media to the vault)", file, ErrInvalid)
		}
		raw, err := os.ReadFile(filepath.Join(root, filepath.FromSlash(file)))
		if err != nil {
			return ImportResult{}, fmt.Errorf("import %s: %w", file, err)
		}
		fm, body, sid, err := SplitBundleFile(file, lang, raw)
		if err != nil {
			return ImportResult{}, err
		}
		if id != "" && sid != id {
			return ImportResult{}, fmt.Errorf("import %s: field story_id: %w: differs from the bundle's other language", file, ErrInvalid)
		}
		id = sid
		revs[lang] = Revision{Author: by, FrontMatter: fm, Body: body}
		files = append(files, file)
	}
	if len(revs) == 0 {
		return ImportResult{}, fmt.Errorf("import %s: %w: no index.md", rel, ErrInvalid)
	}
	res := ImportResult{StoryID: id, Files: files}
	if err := s.CreateWithID(ctx, id, slug, by); errors.Is(err, ErrExists) {
		res.Skipped = true
		return res, nil
	} else if err != nil {
		return ImportResult{}, fmt.Errorf("import %s: %w", rel, err)
	}
	for lang, r := range revs {
		if _, err := s.SaveRevision(ctx, id, lang, 0, r); err != nil {
			return ImportResult{}, fmt.Errorf("import %s: %w", rel, err)
		}
	}
	return res, nil
}

// bundleLang returns the language of a bundle file name: index.md is def,
// index.<xx>.md is xx.
func bundleLang(name, def string) (string, bool) {
	if name == "index.md" {
		return def, true
	}
	mid, ok := strings.CutPrefix(name, "index.")
	if !ok {
		return "", false
	}
	lang, ok := strings.CutSuffix(mid, ".md")
	return lang, ok && langRe.MatchString(lang)
}

// SplitBundleFile splits a page file read from outside (a bundle being
// imported) into front matter and body such that Revision{FrontMatter:
// fm, Body: body}.Source() is raw byte for byte, and returns its
// story_id. file names it in errors ("content/stories/x/index.md"), lang
// is its language. Errors wrap ErrInvalid and name file, line and field;
// a value that failed validation is never echoed. It never panics
// (FuzzSplitBundleFile).
func SplitBundleFile(file, lang string, raw []byte) (fm, body []byte, storyID string, err error) {
	p, msg := loadPage(file, lang, raw)
	if p == nil {
		return nil, nil, "", fmt.Errorf("import %s: %w: %s", file, ErrInvalid, msg)
	}
	// Take the split Hugo's parser made, and accept it only when the file
	// is exactly "---\n" + front matter + "---\n" + body.
	if p.Format != metadecoders.YAML || p.FrontMatterStart != 4 || p.FrontMatterEnd < 4 || p.BodyOffset > len(raw) || p.BodyOffset < p.FrontMatterEnd {
		return nil, nil, "", fmt.Errorf("import %s:1:1: %w: front matter must be YAML between --- lines, with LF line ends", file, ErrInvalid)
	}
	fm, body = raw[4:p.FrontMatterEnd], raw[p.BodyOffset:]
	if got := (Revision{FrontMatter: fm, Body: body}).Source(); !bytes.Equal(got, raw) {
		return nil, nil, "", fmt.Errorf("import %s:1:1: %w: front matter must be YAML between --- lines, with LF line ends and nothing after the closing ---", file, ErrInvalid)
	}
	id, _ := p.FrontMatter["story_id"].(string)
	if !storyIDRe.MatchString(id) {
		line, col := p.FieldPosition("story_id")
		return nil, nil, "", fmt.Errorf("import %s:%d:%d: field story_id: %w: not an opaque story id (st- and 4 to 32 lowercase letters or digits)", file, line, col, ErrInvalid)
	}
	return fm, body, id, nil
}

// NameDiagnostics renames, in place, the diagnostics of pages Materialise
// wrote (File "content/stories/<slug>/index[.<lang>].md", relative to the
// stage root, as the check rules name files) to DeskName(story id, lang),
// in File and wherever the path appears in Message, so a finding on a
// stored story reads "desk:<story id>/index.<lang>.md:line:col" and never
// shows the stage's folder. Other diagnostics are left as they are.
func NameDiagnostics(bundles []Bundle, ds []diag.Diagnostic) {
	names := map[string]string{}
	for _, b := range bundles {
		for lang, file := range b.Files {
			names["content/"+file] = DeskName(b.StoryID, lang)
		}
	}
	for i := range ds {
		if n, ok := names[ds[i].File]; ok {
			ds[i].File = n
		}
		for from, to := range names {
			ds[i].Message = strings.ReplaceAll(ds[i].Message, from, to)
		}
	}
}

// SaveBack saves, as new revisions by the account by, the materialised
// pages a command changed in the stage (storyguard approve writes the
// approval into the front matter, withdraw the withdrawn status), each on
// the revision Materialise wrote as its base, so an edit saved in the
// desk meanwhile is never overwritten: that page's save is refused with a
// *StaleError (errors.Is ErrStale) and the command must run again.
// Unchanged pages are left alone. It returns the DeskName of each page
// saved. A page that is gone from the stage, no longer splits as
// Import requires, or names another story_id, is refused (nothing of that
// page is saved; pages saved before it stay saved, each being a whole
// revision).
func (s *Store) SaveBack(ctx context.Context, contentDir string, bundles []Bundle, by string) ([]string, error) {
	var saved []string
	for _, b := range bundles {
		langs := make([]string, 0, len(b.Files))
		for lang := range b.Files {
			langs = append(langs, lang)
		}
		sort.Strings(langs)
		for _, lang := range langs {
			name := DeskName(b.StoryID, lang)
			raw, err := os.ReadFile(filepath.Join(contentDir, filepath.FromSlash(b.Files[lang])))
			if err != nil {
				return saved, fmt.Errorf("save back %s: the materialised page is gone from the stage", name)
			}
			cur, err := s.Revision(ctx, b.StoryID, lang, b.Revs[lang])
			if err != nil {
				return saved, err
			}
			if bytes.Equal(raw, cur.Source()) {
				continue
			}
			fm, body, id, err := SplitBundleFile(name, lang, raw)
			if err != nil {
				return saved, err
			}
			if id != b.StoryID {
				return saved, fmt.Errorf("save back %s: field story_id: %w: not this stored story's id", name, ErrInvalid)
			}
			if _, err := s.SaveRevision(ctx, b.StoryID, lang, b.Revs[lang], Revision{Author: by, FrontMatter: fm, Body: body}); err != nil {
				return saved, err
			}
			saved = append(saved, name)
		}
	}
	return saved, nil
}

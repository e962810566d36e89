package publish

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"slices"
	"time"

	"storyguard/tools/check"
	"storyguard/tools/consent"
	"storyguard/tools/content"
	"storyguard/tools/diag"
	"storyguard/tools/stories"
	"storyguard/tools/vault"
)

// Stored is the story store's stories (tools/stories) as one command run
// sees them: the current revisions materialised as page bundles into a
// work folder of the run's own under <vault>/state/work (NewWorkDir,
// holding the story ids, so a withdrawal finds it; never the project
// tree, where git could pick the text up), read by check, approve,
// publish, status and withdraw exactly as the files under content/
// (DESIGN.md "Where stories live: outside git"). A nil *Stored is a
// vault without a story store: every method is then a no-op.
type Stored struct {
	// Store is the open story store; the caller closes it.
	Store *stories.Store
	// Dir is the work folder: the materialised pages lie at
	// Dir/content/stories/<slug>/index[.<lang>].md. It is what
	// Options.Overlay must be set to.
	Dir string
	// Bundles are what Materialise wrote.
	Bundles []stories.Bundle
	// defaultLang is the site's default content language.
	defaultLang string
	wd          *WorkDir
}

// OpenStored materialises the current revisions of st's stories
// (stories.Materialise, defaultLang being the site's default content
// language) into a fresh work folder under vaultDir's state/work. Close
// removes the folder. Errors are Materialise's (story ids only) and the
// work folder's.
func OpenStored(ctx context.Context, st *stories.Store, vaultDir, defaultLang string) (*Stored, error) {
	list, err := st.List(ctx)
	if err != nil {
		return nil, err
	}
	wd, err := NewWorkDir(vaultDir)
	if err != nil {
		return nil, err
	}
	var ids []string
	for _, sm := range list {
		ids = append(ids, sm.ID)
	}
	if err := wd.Hold(ids); err != nil {
		wd.Close(false)
		return nil, err
	}
	bundles, err := st.Materialise(ctx, filepath.Join(wd.Path, "content"), defaultLang)
	if err != nil {
		wd.Close(false)
		return nil, err
	}
	return &Stored{Store: st, Dir: wd.Path, Bundles: bundles, defaultLang: defaultLang, wd: wd}, nil
}

// Close removes the work folder and the text in it; nil-safe.
func (s *Stored) Close() error {
	if s == nil || s.wd == nil {
		return nil
	}
	err := s.wd.Close(false)
	s.wd = nil
	return err
}

// Overlay is the value for Options.Overlay: Dir, or "" for nil.
func (s *Stored) Overlay() string {
	if s == nil {
		return ""
	}
	return s.Dir
}

// Path returns where the content file rel (slash path relative to root)
// is read and written: in the work folder for a materialised page, else
// under root. A command that edits a page (approve) writes there and then
// calls SaveBack.
func (s *Stored) Path(root, rel string) string { return sourceFile(root, s.Overlay(), rel) }

// Files are the materialised pages as slash paths relative to the site
// root ("content/stories/<slug>/index.md"), sorted.
func (s *Stored) Files() []string {
	if s == nil {
		return nil
	}
	var out []string
	for _, b := range s.Bundles {
		for _, f := range b.Files {
			out = append(out, path.Join("content", f))
		}
	}
	slices.Sort(out)
	return out
}

// LoadSite loads the site under root (content.LoadSite) with the
// materialised stories added at their paths (content.Site.AddFiles): a
// stored story whose bundle path a file under content/ already has is an
// error.
func (s *Stored) LoadSite(root string) (*content.Site, error) {
	site, err := content.LoadSite(root)
	if err != nil || s == nil {
		return site, err
	}
	if err := site.AddFiles(s.Dir, s.Files()); err != nil {
		return nil, fmt.Errorf("stored stories: %w", err)
	}
	return site, nil
}

// Name renames, in place, the diagnostics on materialised pages to
// "desk:<story id>/index.<lang>.md" (stories.NameDiagnostics).
func (s *Stored) Name(ds []diag.Diagnostic) {
	if s != nil {
		stories.NameDiagnostics(s.Bundles, ds)
	}
}

// SaveBack saves as new revisions, by the account by, the materialised
// pages a command changed (approve, a withdrawal's marking), each on the
// revision materialised (stories.SaveBack: a desk edit meanwhile is a
// *stories.StaleError, never overwritten). It returns the desk names of
// the pages saved.
func (s *Stored) SaveBack(ctx context.Context, by string) ([]string, error) {
	if s == nil {
		return nil, nil
	}
	return s.Store.SaveBack(ctx, filepath.Join(s.Dir, "content"), s.Bundles, by)
}

// MarkPublished records in the store, for every materialised story with a
// page among plan.Pages (what a deploy just put live), the revision of
// each such language (stories.MarkPublished): what "stop new uses" keeps.
// Call it only after the deploy succeeded.
func (s *Stored) MarkPublished(ctx context.Context, plan *Plan) error {
	if s == nil || plan == nil {
		return nil
	}
	live := map[string]bool{}
	for _, p := range plan.Pages {
		live[p] = true
	}
	for _, b := range s.Bundles {
		revs := map[string]int64{}
		for lang, f := range b.Files {
			if live[path.Join("content", f)] {
				revs[lang] = b.Revs[lang]
			}
		}
		if len(revs) == 0 {
			continue
		}
		if err := s.Store.MarkPublished(ctx, b.StoryID, revs); err != nil {
			return err
		}
	}
	return nil
}

// bundle returns the materialised bundle that name names (its story id,
// bundle path or slug: consent.NamesStory), if any.
func (s *Stored) bundle(name string) (stories.Bundle, bool) {
	if s == nil {
		return stories.Bundle{}, false
	}
	i := slices.IndexFunc(s.Bundles, func(b stories.Bundle) bool { return consent.NamesStory(name, b.StoryID, b.Dir) })
	if i < 0 {
		return stories.Bundle{}, false
	}
	return s.Bundles[i], true
}

// addForTakedown materialises the current revision of every language of
// the stored story id that Materialise left out because the store already
// records its withdrawal (the desk records the request before the
// takedown runs; a takedown that failed is run again), so that Withdraw
// finds its pages, media and prefixes and takes them down. It returns
// false, and writes nothing, when the store does not hold the story or
// it was materialised already.
func (s *Stored) addForTakedown(ctx context.Context, id string) (bool, error) {
	if s == nil || consent.SafeStoryID(id) != id {
		return false, nil
	}
	if _, ok := s.bundle(id); ok {
		return false, nil
	}
	st, err := s.Store.Get(ctx, id)
	if errors.Is(err, stories.ErrNotFound) || errors.Is(err, stories.ErrErased) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	b := stories.Bundle{StoryID: id, State: st.State, Dir: path.Join("stories", st.Slug), Files: map[string]string{}, Revs: map[string]int64{}}
	if st.Slug == "" || path.Base(b.Dir) != st.Slug {
		return false, fmt.Errorf("story %s: stored slug is not a folder name", id)
	}
	for lang, r := range st.Current {
		name := "index." + lang + ".md"
		if lang == s.defaultLang {
			name = "index.md"
		}
		file := path.Join(b.Dir, name)
		dst := filepath.Join(s.Dir, "content", filepath.FromSlash(file))
		if _, err := os.Lstat(dst); err == nil {
			return false, fmt.Errorf("story %s: its bundle folder is already used by another stored story", id)
		}
		src := r.Source()
		p, _ := content.LoadPage("content/"+file, lang, src)
		if got, _ := p.FrontMatter["story_id"].(string); p.Invalid || got != id {
			return false, fmt.Errorf("%s: field story_id: not this stored story's id", stories.DeskName(id, lang))
		}
		if err := os.MkdirAll(filepath.Dir(dst), 0o700); err != nil {
			return false, err
		}
		if err := os.WriteFile(dst, src, 0o600); err != nil {
			return false, err
		}
		b.Files[lang], b.Revs[lang] = file, r.Rev
	}
	if len(b.Files) == 0 {
		return false, nil
	}
	s.Bundles = append(s.Bundles, b)
	return true, nil
}

// StoriesInGit returns a warning (check.RuleStoryInGit) on line 1 of
// every story page file under root/content/stories/ that git tracks
// (stories.TrackedStoryFiles), with the way out: storyguard stories
// import, then purging the bundle from history (README "Stories in
// git"). None when git is not installed or root is not in a work tree;
// an error when git fails otherwise.
func StoriesInGit(root string) ([]diag.Diagnostic, error) {
	files, err := stories.TrackedStoryFiles(root)
	if err != nil {
		return nil, err
	}
	var ds []diag.Diagnostic
	for _, f := range files {
		ds = append(ds, diag.Diagnostic{File: f, Line: 1, Col: 1, Rule: check.RuleStoryInGit, Severity: diag.Warning,
			Message: "git tracks this story's text, so it lives on in every clone and in the history even after a withdrawal; run storyguard stories import, remove the bundle and purge it from git history (README, \"Stories in git\")"})
	}
	return ds, nil
}

// CheckSite loads the site under root with the stored stories
// (Stored.LoadSite), runs every rule on it, the vault's (check.VaultRules
// with allowContacts) included, as of now, and plans the publication
// (PlanSite). The diagnostics it returns name the stored stories' pages
// "desk:<story id>/index.<lang>.md" (Stored.Name); the plan keeps their
// paths. Story files git tracks are warned about (StoriesInGit). It is
// Parts.Check for every pipeline command, the desk's included.
func CheckSite(root string, s *Stored, v *vault.Vault, allowContacts []string, now time.Time) (*Plan, []diag.Diagnostic, Storytellers, error) {
	site, err := s.LoadSite(root)
	if err != nil {
		return nil, nil, Storytellers{}, err
	}
	opts, err := check.VaultRules(v, allowContacts)
	if err != nil {
		return nil, nil, Storytellers{}, err
	}
	opts.Now = now
	rep := check.Run(site, opts)
	plan, who := PlanSite(site, rep)
	ds := slices.Clone(rep.Diagnostics)
	s.Name(ds)
	tracked, err := StoriesInGit(root)
	if err != nil {
		return nil, nil, Storytellers{}, err
	}
	ds = append(ds, tracked...)
	diag.Sort(ds)
	return plan, ds, who, nil
}

// PublishStored is Publish with the stored stories s read as content
// (o.Overlay set to s's folder) and, after a deploy that succeeded (not a
// dry run), the live revisions recorded in the store (MarkPublished). An
// error recording them is returned with the result: the site is live.
func PublishStored(ctx context.Context, p Parts, o Options, s *Stored) (*Result, error) {
	o.Overlay = s.Overlay()
	res, err := Publish(ctx, p, o)
	if err != nil || o.DryRun {
		return res, err
	}
	if err := s.MarkPublished(ctx, res.Plan); err != nil {
		return res, fmt.Errorf("published, but the story store could not record what is live: %w", err)
	}
	return res, nil
}

// Withdrawal levels as a storyteller chooses them (issue #14; the values
// are stories.WithdrawLevel's).
const (
	// LevelStopNewUses: nothing new goes out; what is live stays.
	LevelStopNewUses = stories.StopNewUses
	// LevelTakeDown: today's withdrawal (Withdraw).
	LevelTakeDown = stories.TakeDown
	// LevelErase: Withdraw, then stories.Erase.
	LevelErase = stories.TakeDownAndErase
)

// ErrNotStored is returned by WithdrawStored for a level other than
// LevelTakeDown on a story the story store does not hold (a page bundle
// under content/): only stored stories have the other levels.
var ErrNotStored = errors.New("only a story in the story store can be withdrawn at this level; a page bundle under content/ can only be taken down")

// StoredWithdrawal is what WithdrawStored did.
type StoredWithdrawal struct {
	// Level is the level carried out.
	Level stories.WithdrawLevel
	// Takedown is Withdraw's result: nil for LevelStopNewUses, or when
	// the takedown did not start.
	Takedown *WithdrawResult
	// SavedBack are the desk names of the pages whose withdrawn marking
	// was saved as a new revision.
	SavedBack []string
	// Erased reports that the story's key and rows were destroyed.
	Erased bool
}

// WithdrawStored is the one withdrawal of every command, `storyguard
// withdraw` and the desk's "stop sharing" alike, at one of three levels
// (issue #14). o.Story is the story id; o.Role and o.Reason are recorded
// in the audit log as by Withdraw; by is the story store account that
// asked (stories.SystemAccount for the command line). p.Check must read
// the stored stories s (CheckSite with s).
//
//   - LevelStopNewUses records the level in the store
//     (stories.RecordWithdrawal: state stopped), so that from now on only
//     the revisions last published are materialised (nothing newer, no
//     new language), and appends an audit entry (action stop-new-uses).
//     Nothing is taken down.
//   - LevelTakeDown runs Withdraw with o.Overlay set to s (so its marking
//     lands in the materialised pages), then saves the marked pages back
//     (Stored.SaveBack) and records the level in the store (state
//     withdrawn: never materialised again), and records what the rebuild
//     put live (MarkPublished). Once the takedown has started the store
//     records the withdrawal even when a later step fails (Withdraw's
//     error is returned): running it again puts the story back in the
//     stage (a story the store records withdrawn is materialised for a
//     takedown, as the desk's, which records her request first, needs)
//     and finishes the job. A page bundle under content/ is withdrawn as
//     Withdraw does.
//   - LevelErase is LevelTakeDown followed, once the takedown is proven,
//     by stories.Erase (key and every row destroyed) and an audit entry
//     (action erase: story id, role and time only).
//
// Errors: ErrNotStored; a level that is not one of these (by value,
// never echoed); Withdraw's; the store's (story ids only).
func WithdrawStored(ctx context.Context, p Parts, o WithdrawOptions, s *Stored, level stories.WithdrawLevel, by string) (*StoredWithdrawal, error) {
	out := &StoredWithdrawal{Level: level}
	b, stored := s.bundle(o.Story)
	switch level {
	case LevelStopNewUses:
		if !stored {
			return out, ErrNotStored
		}
		if err := s.Store.RecordWithdrawal(ctx, b.StoryID, level, by); err != nil {
			return out, err
		}
		return out, appendLevelAudit(o, b.StoryID, vault.ActionStopNewUses)
	case LevelTakeDown, LevelErase:
	default:
		return out, errors.New("withdraw: level: want stop_new_uses, take_down or erase")
	}
	if !stored {
		// Recorded withdrawn in the store already (the desk records her
		// request first; or an earlier takedown failed part way): put it
		// in the stage so that it is found and taken down.
		var err error
		if stored, err = s.addForTakedown(ctx, o.Story); err != nil {
			return out, err
		}
	}
	if level == LevelErase && !stored {
		return out, ErrNotStored
	}
	o.Overlay = s.Overlay()
	res, err := Withdraw(ctx, p, o)
	out.Takedown = res
	if res == nil {
		return out, err // nothing started
	}
	if b, stored = s.bundle(res.StoryID); !stored {
		return out, err
	}
	// From here the withdrawal has started: the store records it whatever
	// happened next, so that no later publish materialises the story; a
	// rerun finds it again (addForTakedown) and finishes the job.
	saved, serr := s.SaveBack(ctx, by)
	out.SavedBack = saved
	if rerr := s.Store.RecordWithdrawal(ctx, b.StoryID, level, by); rerr != nil {
		return out, errors.Join(err, serr, rerr)
	}
	if err != nil {
		return out, err
	}
	// Stale: edited in the desk meanwhile; withdrawn: the store already
	// recorded it, which no revision can follow. Either way the state is
	// withdrawn now, which is what keeps it out of every later publish.
	if serr != nil && !errors.Is(serr, stories.ErrStale) && !errors.Is(serr, stories.ErrWithdrawn) {
		return out, fmt.Errorf("taken down and recorded withdrawn, but the withdrawn marking was not saved: %w", serr)
	}
	if res.Rebuild != nil {
		if err := s.MarkPublished(ctx, res.Rebuild.Plan); err != nil {
			return out, fmt.Errorf("taken down, but the story store could not record what the rebuild put live: %w", err)
		}
	}
	if level != LevelErase {
		return out, nil
	}
	if err := s.Store.Erase(ctx, b.StoryID, by); err != nil {
		return out, fmt.Errorf("taken down, but erasing story %s from the story store failed; run the withdrawal again: %w", b.StoryID, err)
	}
	out.Erased = true
	return out, appendLevelAudit(o, b.StoryID, vault.ActionErase)
}

// appendLevelAudit appends the audit entry of a withdrawal level other
// than the takedown: action, story id, role and time (ids and dates only).
func appendLevelAudit(o WithdrawOptions, storyID, action string) error {
	log := o.AuditLog
	if log == "" {
		log = vault.AuditLogPath(o.Vault)
	}
	return vault.AppendAudit(log, vault.AuditEntry{Time: time.Now().UTC(), Action: action, StoryID: storyID, Role: o.Role, Result: "complete"})
}

package publish

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"slices"
	"strings"
	"time"

	"storyguard/tools/consent"
	"storyguard/tools/content"
	"storyguard/tools/store"
	"storyguard/tools/vault"
)

// DefaultWithdrawLeaseWait is how long a withdrawal waits for a running
// publish to release the bucket's lease when Options.LeaseWait is 0: a
// publish of a large site takes minutes, and a withdrawal should wait for
// it rather than fail.
const DefaultWithdrawLeaseWait = 15 * time.Minute

// WithdrawSteps are the names Withdraw passes to Options.Hook, in order:
// before taking the lease, before finding the story, before recording the
// withdrawal as started, before marking the content files, before
// deleting the story's objects, before the rebuild (whose own steps follow
// as "rebuild <step>"), before the final proof, before the audit entry.
// EmergencyWithdraw passes the same names but "rebuild".
var WithdrawSteps = []string{"lease", "find", "started", "mark", "purge-story", "rebuild", "verify", "audit"}

func bundleList(ss []Story) string {
	var bs []string
	for _, s := range ss {
		bs = append(bs, s.Bundle)
	}
	return strings.Join(bs, ", ")
}

// Roles are who may ask for a withdrawal: vault.Roles, as the audit log
// records them.
var Roles = vault.Roles

// WithdrawOptions are a withdrawal's settings on top of the pipeline's.
type WithdrawOptions struct {
	Options
	// Story is the story id ("st-7q2k9m") or its bundle slug.
	Story string
	// Reason is free text for the audit log. It must name nobody: it is
	// scanned against the registry and refused if it matches.
	Reason string
	// Role is who asked, one of vault.Roles.
	Role string
	// AuditLog is the audit log's path.
	AuditLog string
}

// WithdrawResult is what a withdrawal did.
type WithdrawResult struct {
	StoryID string
	// Removed counts what was deleted under the story's own prefixes.
	Removed store.PurgeReport
	// Rebuild is the redeploy of the rest of the site; nil when it failed.
	Rebuild *Result
	// Unlisted are the site object keys deleted because the rebuild failed
	// while they still named the story (ErrUnlisted); nil otherwise.
	Unlisted []string
	// PurgeURLs are the public URLs a CDN must purge: the story's pages and
	// media and every site object that changed.
	PurgeURLs []string
}

// Withdraw takes a story down everywhere, in an order that puts the story's
// own objects out of reach first:
//
//  0. take the bucket's lease (waiting up to o.LeaseWait, default
//     DefaultWithdrawLeaseWait, for a running publish) and hold it to the
//     end, so no publish can interleave;
//  1. find the story (by id or slug); refuse a reason that names anyone;
//     remove every work folder that holds the story (CleanWork, and
//     CleanLegacyWork for those of older versions in $TMPDIR); append
//     the audit entry "started" (story id, consent records, time) synced
//     to disk, and add the story's URLs to the purge journal, before
//     anything is changed: a run killed from here on is still a withdrawal
//     (check refuses the story, publish refuses to upload it);
//  2. set consent.status: withdrawn and consent.withdrawn: <date> in every
//     language file of the bundle, so no later publish can bring it back;
//  3. delete every version, delete marker and incomplete upload under
//     media/<story id>/ and under each of the story's page prefixes, then
//     list again and fail if anything is left; delete the search index
//     (SearchPrefix) the same way, so that no stale index outlives a
//     failed rebuild;
//  4. rebuild the site without the story and redeploy it (home page, lists,
//     taxonomies, feeds and sitemap no longer name it), leaving out any page
//     that fails its checks rather than waiting on it, and purge every old
//     version and delete marker under site/ and media/; if the rebuild
//     fails anyway, delete every site object that still names the story
//     instead (unlistStory) and return ErrUnlisted;
//  5. append the audit entry (ids, counts, role; the result) and return the
//     URLs a CDN must purge: the whole purge journal (PendingPurge),
//     earlier interrupted runs' included, which is then removed.
//
// An error at any step is returned after the audit entry records it; the
// steps are idempotent, so running Withdraw again finishes the job. The
// purge journal is kept until a run completes.
func Withdraw(ctx context.Context, p Parts, o WithdrawOptions) (*WithdrawResult, error) {
	if f := p.Leaks("reason", []byte(o.Reason)); len(f) > 0 {
		return nil, fmt.Errorf("reason: matches registry person %s; the audit log holds ids only, write the reason without names or details", f[0].PersonID)
	}
	w, err := startWithdrawal(ctx, p, o, o.Reason)
	if err != nil {
		return w.result(), err
	}
	defer w.close()
	ctx = w.lease.Context()
	res, st, entry, fail := w.res, w.st, &w.entry, w.fail
	prefixes, removedKeys := w.prefixes, w.removedKeys

	if err := o.step(ctx, "rebuild"); err != nil {
		return fail(vault.FailInterrupted, err)
	}
	ro := o.Options
	ro.Lenient = true
	if o.Hook != nil {
		ro.Hook = func(ctx context.Context, step string) error { return o.Hook(ctx, "rebuild "+step) }
	}
	rebuild, err := publish(ctx, p, ro, st, &Result{})
	res.Rebuild = rebuild // its findings say what stopped it
	if err != nil {
		return w.unlist(ctx, err)
	}
	entry.SiteObjectsChanged = rebuild.Site.Uploaded + len(rebuild.Site.Pruned)
	entry.NoncurrentPurged = rebuild.Purged.Versions + rebuild.Purged.DeleteMarkers

	// Prove it: the story's prefixes are empty, every version included.
	if err := o.step(ctx, "verify"); err != nil {
		return fail(vault.FailInterrupted, err)
	}
	if err := verifyEmpty(ctx, st, prefixes, "after the rebuild"); err != nil {
		return fail(vault.FailNotEmpty, err)
	}
	res.PurgeURLs = PublicURLs(o.BaseURL, slices.Concat(removedKeys, rebuild.Site.Changed, rebuild.Site.Pruned))
	if err := o.step(ctx, "audit"); err != nil {
		return fail(vault.FailInterrupted, err)
	}
	entry.Time = time.Now().UTC()
	entry.Result = "complete"
	if err := vault.AppendAudit(w.o.AuditLog, *entry); err != nil {
		return w.withPending(), err
	}
	res = w.withPending()
	return res, clearPurge(o.Vault)
}

// unlist is the end of a withdrawal whose rebuild failed with rebuildErr
// after the story's own objects were deleted: the pages that still name the
// story (home page, lists, taxonomies, feeds, sitemap, other pages linking
// it) are deleted instead, every version, with the search index
// (unlistStory), so that nothing public names the story while the site
// waits for a publish. The error says what stopped the rebuild and what
// is left to do; the withdrawal is recorded as failed (FailRebuild or
// FailBuild) and the purge journal keeps every URL until a run completes.
func (w *withdrawal) unlist(ctx context.Context, rebuildErr error) (*WithdrawResult, error) {
	if ctx.Err() != nil {
		return w.fail(vault.FailRebuild, fmt.Errorf("the story's own objects are gone, but the rebuild was interrupted, so the home page, lists, feeds and sitemap may still name it; run withdraw again: %w", rebuildErr))
	}
	ur, err := unlistStory(ctx, w.st, w.o, w.story)
	w.res.Unlisted = ur.Keys
	w.res.PurgeURLs = append(w.res.PurgeURLs, PublicURLs(w.o.BaseURL, ur.Keys)...)
	w.entry.NoncurrentPurged += ur.Versions + ur.DeleteMarkers
	if err != nil {
		return w.fail(vault.FailRebuild, fmt.Errorf("the story's own objects are gone, but the rebuild failed (%w), and deleting the pages that still name it failed too (%v), so the home page, lists, feeds and sitemap may still name it; run withdraw again", rebuildErr, err))
	}
	return w.fail(vault.FailRebuild, fmt.Errorf("%w: the story's own objects are gone; the rebuild failed (%w), so the %d site pages that still named the story (home page, lists, taxonomies, feeds, sitemap, pages linking it) were deleted with every version, and the search index; they stay offline until the rebuild works: fix what stopped it and run storyguard publish", ErrUnlisted, rebuildErr, len(ur.Keys)))
}

// ErrUnlisted is returned by Withdraw when its rebuild failed and the
// pages that still named the story were deleted instead (unlistStory):
// nothing public names the story, but those pages and the search index
// are offline until a publish rebuilds them. WithdrawResult.Unlisted lists
// their keys.
var ErrUnlisted = errors.New("withdrawal incomplete: the site was not rebuilt")

// findStory returns the one story of plan that name names
// (consent.NamesStory: its id, bundle path or slug).
func findStory(plan *Plan, name string) (Story, error) {
	var matches []Story
	for _, s := range plan.Stories {
		if consent.NamesStory(name, s.ID, s.Bundle) {
			matches = append(matches, s)
		}
	}
	switch {
	case len(matches) == 0:
		// The argument is not repeated: it may be a name typed by mistake.
		return Story{}, errors.New("no story with that id or slug under content/")
	case len(matches) > 1:
		return Story{}, fmt.Errorf("%d bundles match that id or slug (%s); a story id must name one story: give the copy a new story_id, or withdraw by bundle path", len(matches), bundleList(matches))
	}
	return matches[0], nil
}

// EmergencyReason is the reason an emergency withdrawal records in the
// audit log instead of free text, which could not be checked for names
// without the registry.
const EmergencyReason = "emergency withdrawal without the registry key"

// ErrRebuildPending is returned by EmergencyWithdraw after the story's own
// objects are gone, and the pages that named it (unlistStory): those stay
// offline until a full withdrawal or publish rebuilds the site with the
// registry key.
var ErrRebuildPending = errors.New("withdrawal incomplete: the story's own pages and media are gone, and so are the pages that named it (home page, lists, taxonomies, feeds, sitemap, pages linking it) and the search index: they stay offline until the site is rebuilt with the registry key")

// EmergencyWithdraw is the part of Withdraw that needs no registry key, for
// when the story must come down now and nobody who holds the key can be
// reached. p.Check must load the plan from the content alone (it is not
// given the registry); p.Leaks, Build, ProcessMedia and VerifyImage are
// not used. Steps:
//
//  1. find the story (by id or slug);
//  2. set consent.status: withdrawn and consent.withdrawn in every language
//     file of the bundle, so no later publish can bring it back;
//  3. delete every version, delete marker and incomplete upload under
//     media/<story id>/ and under each of the story's page prefixes, then
//     list again and fail if anything is left;
//  4. delete every site object that still names the story (unlistStory:
//     home page, lists, taxonomies, feeds, sitemap, pages linking it, the
//     search index), every version, as Withdraw does when its rebuild
//     fails;
//  5. append the audit entry with EmergencyReason (o.Reason is not
//     recorded: nothing could check it for names) and result "partial".
//
// The lease, the "started" entry, the work folders and the purge journal
// are handled as in Withdraw; the journal is kept (the run is not
// complete) and PurgeURLs hold all of it.
//
// The site search index (SearchPrefix) is deleted with the story's objects,
// every version, so search finds nothing until the rebuild. It does not
// rebuild the site: the pages deleted in step 4 stay offline until
// Withdraw or a publish runs with the registry key. On success it returns the result and ErrRebuildPending;
// any other error is returned after the audit entry records it, and
// running it again finishes the job.
func EmergencyWithdraw(ctx context.Context, p Parts, o WithdrawOptions) (*WithdrawResult, error) {
	w, err := startWithdrawal(ctx, p, o, EmergencyReason)
	if err != nil {
		return w.result(), err
	}
	defer w.close()
	ctx = w.lease.Context()
	entry := &w.entry
	if err := o.step(ctx, "verify"); err != nil {
		return w.fail(vault.FailInterrupted, err)
	}
	if err := verifyEmpty(ctx, w.st, w.prefixes, "after the deletion"); err != nil {
		return w.fail(vault.FailNotEmpty, err)
	}
	// No rebuild without the key: the pages that name the story go
	// instead, so none of them stays up in the meantime.
	ur, err := unlistStory(ctx, w.st, o, w.story)
	w.res.Unlisted = ur.Keys
	w.res.PurgeURLs = append(w.res.PurgeURLs, PublicURLs(o.BaseURL, ur.Keys)...)
	entry.NoncurrentPurged += ur.Versions + ur.DeleteMarkers
	if err != nil {
		return w.fail(vault.FailPurge, fmt.Errorf("the story's own pages and media are gone, but the home page, lists, feeds and sitemap may still name it: %w", err))
	}
	if err := o.step(ctx, "audit"); err != nil {
		return w.fail(vault.FailInterrupted, err)
	}
	entry.Time = time.Now().UTC()
	entry.Result = "partial: " + vault.PartialNoRebuild
	if err := vault.AppendAudit(w.o.AuditLog, *entry); err != nil {
		return w.withPending(), err
	}
	return w.withPending(), ErrRebuildPending
}

// markWithdrawn sets consent.status: withdrawn and consent.withdrawn in
// every language file of s.
func markWithdrawn(p Parts, o WithdrawOptions, s Story) error {
	for _, f := range s.Files {
		if err := p.SetWithdrawn(o.file(f), o.Now); err != nil {
			return fmt.Errorf("mark %s withdrawn: %w", f, err)
		}
	}
	o.logf("withdraw %s: consent marked withdrawn in %d files", s.ID, len(s.Files))
	return nil
}

// purgeStory deletes every version, delete marker and incomplete upload
// under the story's prefixes (media/<id>/ and each page prefix) and under
// SearchPrefix (the site search index, which names it too), counting the
// story's own into res.Removed and setting res.PurgeURLs to the story's own URLs (for
// the CDN, whatever happens next). It returns the prefixes and the keys
// that held anything, each prefix included (for CDNs that purge by prefix).
func purgeStory(ctx context.Context, st Store, o WithdrawOptions, s Story, res *WithdrawResult) (prefixes, removedKeys []string, err error) {
	prefixes = append([]string{"media/" + s.ID + "/"}, s.PagePrefixes...)
	// The search index names every searchable story: it goes too, every
	// version, before any rebuild, so a rebuild that fails leaves no index
	// rather than a stale one. The rebuild writes a new one, so it is not
	// among the prefixes proved empty afterwards, and its objects are not
	// counted as the story's.
	for _, prefix := range append(slices.Clip(prefixes), SearchPrefix) {
		pr, err := store.PurgePrefix(ctx, st, prefix)
		if err != nil {
			return prefixes, removedKeys, fmt.Errorf("delete %s: %w", prefix, err)
		}
		removedKeys = append(removedKeys, pr.Keys...)
		removedKeys = append(removedKeys, prefix)
		if prefix == SearchPrefix {
			o.logf("withdraw %s: search index deleted (%d object versions); the rebuild writes a new one", s.ID, pr.Versions+pr.DeleteMarkers)
			continue
		}
		res.Removed.Versions += pr.Versions
		res.Removed.DeleteMarkers += pr.DeleteMarkers
		res.Removed.Uploads += pr.Uploads
	}
	res.PurgeURLs = PublicURLs(o.BaseURL, removedKeys)
	o.logf("withdraw %s: %d object versions, %d delete markers, %d incomplete uploads removed", s.ID, res.Removed.Versions, res.Removed.DeleteMarkers, res.Removed.Uploads)
	return prefixes, removedKeys, nil
}

// verifyEmpty purges each prefix once more and fails if that found
// anything: the proof that nothing of the story is left, every version
// included.
func verifyEmpty(ctx context.Context, st Store, prefixes []string, when string) error {
	for _, prefix := range prefixes {
		pr, err := store.PurgePrefix(ctx, st, prefix)
		if err != nil {
			return fmt.Errorf("verify %s is empty: %w", prefix, err)
		}
		if pr.Versions+pr.DeleteMarkers+pr.Uploads > 0 {
			return fmt.Errorf("verify %s: %d versions reappeared %s", prefix, pr.Versions+pr.DeleteMarkers, when)
		}
	}
	return nil
}

// withdrawal is one withdrawal under way: the story, what was done so
// far, and the audit entry that records it.
type withdrawal struct {
	o      WithdrawOptions
	story  Story
	res    *WithdrawResult
	entry  vault.AuditEntry
	st     Store
	closer io.Closer
	lease  *store.Lease
	// prefixes and removedKeys are purgeStory's.
	prefixes, removedKeys []string
}

// startWithdrawal checks the role, opens the store, takes the lease,
// finds the story in p.Check's plan, removes the work folders holding it,
// records the withdrawal as started (audit log) and its URLs (purge
// journal), marks it withdrawn in every language file and deletes the
// story's own objects (purgeStory), counting them into the audit entry.
// Errors before the story is found are returned with a nil withdrawal
// (nothing changed); later ones are recorded in the audit log first
// (fail) and returned with the withdrawal (its result so far), the lease
// released and the store closed. reason is what the audit entry records.
func startWithdrawal(ctx context.Context, p Parts, o WithdrawOptions, reason string) (*withdrawal, error) {
	if !slices.Contains(vault.Roles, o.Role) {
		return nil, fmt.Errorf("--by: not a role; want one of %s", strings.Join(vault.Roles, ", "))
	}
	if o.AuditLog == "" {
		o.AuditLog = vault.AuditLogPath(o.Vault)
	}
	if o.LeaseWait == 0 {
		o.LeaseWait = DefaultWithdrawLeaseWait
	}
	if err := o.step(ctx, "lease"); err != nil {
		return nil, err
	}
	st, closer, err := p.Store(ctx)
	if err != nil {
		return nil, fmt.Errorf("object storage: %w", err)
	}
	lease, err := store.AcquireLease(ctx, st, store.LeaseOptions{Operation: "withdraw", Wait: o.LeaseWait, TTL: o.LeaseTTL, Log: o.Log})
	if err != nil {
		closer.Close()
		return nil, fmt.Errorf("withdraw: %w", err)
	}
	w := &withdrawal{o: o, st: st, closer: closer, lease: lease}
	ctx = lease.Context()
	s, err := w.find(ctx, p)
	if err != nil {
		w.close()
		return nil, err
	}
	w.story, w.res = s, &WithdrawResult{StoryID: s.ID}
	// A consent.record that is not a record id (a name typed there, say)
	// stays out of the log, which refuses it, rather than block the
	// withdrawal: check refuses such a record on any page, so no copy of
	// the story can pass under it.
	records := slices.DeleteFunc(slices.Clone(s.ConsentRecords), func(r string) bool { return !vault.RecordIDPattern.MatchString(r) })
	w.entry = vault.AuditEntry{Action: "withdraw", StoryID: s.ID, Role: o.Role, Reason: reason, ConsentRecords: records}
	recordContent(o, s, &w.entry)
	w.prefixes = append([]string{"media/" + s.ID + "/"}, s.PagePrefixes...)
	if err := o.step(ctx, "started"); err != nil {
		return w, w.abort(vault.FailInterrupted, err)
	}
	started := w.entry
	started.Time, started.Result = time.Now().UTC(), "started"
	if err := vault.AppendAudit(o.AuditLog, started); err != nil {
		return w, w.abort(vault.FailInterrupted, err)
	}
	if err := journalPurge(o.Vault, PublicURLs(o.BaseURL, w.prefixes)); err != nil {
		return w, w.abort(vault.FailInterrupted, err)
	}
	if err := o.step(ctx, "mark"); err != nil {
		return w, w.abort(vault.FailInterrupted, err)
	}
	if err := markWithdrawn(p, o, s); err != nil {
		return w, w.abort(vault.FailMark, err)
	}
	if err := o.step(ctx, "purge-story"); err != nil {
		return w, w.abort(vault.FailInterrupted, err)
	}
	w.prefixes, w.removedKeys, err = purgeStory(ctx, w.st, o, s, w.res)
	w.entry.ObjectVersions, w.entry.DeleteMarkers, w.entry.Uploads = w.res.Removed.Versions, w.res.Removed.DeleteMarkers, w.res.Removed.Uploads
	w.entry.MediaSHA256 = vault.AppendNew(w.entry.MediaSHA256, publishedSums(w.removedKeys)...)
	if err != nil {
		return w, w.abort(vault.FailPurge, err)
	}
	return w, nil
}

// find loads the plan, finds the story and removes the work folders
// (stale ones, and any holding the story).
func (w *withdrawal) find(ctx context.Context, p Parts) (Story, error) {
	if err := w.o.step(ctx, "find"); err != nil {
		return Story{}, err
	}
	plan, _, err := p.Check(ctx, w.o.Now)
	if err != nil {
		return Story{}, err
	}
	s, err := findStory(plan, w.o.Story)
	if err != nil {
		return Story{}, err
	}
	n, err := CleanWork(w.o.Vault, s.ID, w.o.Overlay)
	if err != nil {
		return Story{}, err
	}
	legacy, err := CleanLegacyWork(s.ID)
	if err != nil {
		return Story{}, err
	}
	if n+legacy > 0 {
		w.o.logf("withdraw %s: %d work folders removed", s.ID, n+legacy)
	}
	return s, nil
}

// abort is fail (with its category) followed by close, for errors inside startWithdrawal.
func (w *withdrawal) abort(category string, err error) error {
	_, err = w.fail(category, err)
	w.close()
	return err
}

// close releases the lease and closes the store; safe to call twice.
func (w *withdrawal) close() {
	if w.lease != nil {
		w.lease.Release(context.Background())
	}
	if w.closer != nil {
		w.closer.Close()
		w.closer = nil
	}
}

// withPending sets the result's PurgeURLs to themselves plus the purge
// journal's (an unreadable journal leaves them as they are: the journal
// stays for the rerun) and returns the result.
func (w *withdrawal) withPending() *WithdrawResult {
	if urls, err := withPending(w.o.Vault, w.res.PurgeURLs); err == nil {
		w.res.PurgeURLs = urls
	}
	return w.res
}

// result is the withdrawal's result so far; nil when none was started.
func (w *withdrawal) result() *WithdrawResult {
	if w == nil {
		return nil
	}
	return w.res
}

// fail records the failure's category (one of the Fail constants, never
// err's text: it may quote Hugo, a page or the store) in the audit log and
// returns the result so far with err (joined with the audit log's own
// error, if any). A rebuild that failed in Hugo is recorded as vault.FailBuild.
func (w *withdrawal) fail(category string, err error) (*WithdrawResult, error) {
	w.entry.Time = time.Now().UTC()
	if category == vault.FailRebuild && errors.Is(err, ErrBuild) {
		category = vault.FailBuild
	}
	w.entry.Result = "failed: " + category
	if aerr := vault.AppendAudit(w.o.AuditLog, w.entry); aerr != nil {
		err = errors.Join(err, aerr)
	}
	if w.lease != nil {
		err = leaseErr(w.lease, err)
	}
	return w.withPending(), err
}

// recordContent sets what e keeps of story s so that check refuses its
// text, photos and earlier consent under any other story id
// (check.WithdrawnContentRule): the day of the withdrawal (o.Now's UTC
// day), and from each language file the storyteller's person id, the
// approval digests (review.approved_sha256 as written and
// consent.ApprovalDigest of the text now) and the SHA-256 of each listed
// medium's original in the vault. A file or original that cannot be read
// is logged (by path or id) and skipped: the withdrawal itself must go on.
func recordContent(o WithdrawOptions, s Story, e *vault.AuditEntry) {
	now := o.Now
	if now.IsZero() {
		now = time.Now()
	}
	e.Withdrawn = consent.Day(now).Format(time.DateOnly)
	for _, f := range s.Files {
		raw, err := os.ReadFile(o.file(f))
		if err != nil {
			o.logf("withdraw %s: %s could not be read, so its text is not recorded as withdrawn: %v", s.ID, f, err)
			continue
		}
		p, _ := content.LoadPage(f, "", raw)
		if p == nil || p.Invalid {
			o.logf("withdraw %s: %s does not load, so its text is not recorded as withdrawn", s.ID, f)
			continue
		}
		cs, _ := consent.Parse(p)
		if st := cs.Storyteller; st != nil && vault.PersonIDPattern.MatchString(st.Person) {
			e.Persons = vault.AppendNew(e.Persons, st.Person)
		}
		if vault.SHA256Pattern.MatchString(cs.Review.ApprovedSHA256) {
			e.ApprovalDigests = vault.AppendNew(e.ApprovalDigests, cs.Review.ApprovedSHA256)
		}
		e.ApprovalDigests = vault.AppendNew(e.ApprovalDigests, consent.ApprovalDigest(p))
		for _, m := range cs.Media {
			src, err := vault.FindOriginal(o.Vault, m.ID)
			if err == nil {
				var sum string
				if sum, _, err = HashFile(src); err == nil {
					e.MediaSHA256 = vault.AppendNew(e.MediaSHA256, sum)
					continue
				}
			}
			o.logf("withdraw %s: the original of media %s cannot be read, so it is not recorded as withdrawn", s.ID, consent.SafeMediaID(m.ID))
		}
	}
}

// publishedSums returns the SHA-256 in each media key of keys
// ("media/<story id>/<sha256>.<ext>"): the scrubbed copies the public
// could download, which someone could bring back as a new original.
func publishedSums(keys []string) []string {
	var out []string
	for _, k := range keys {
		if !strings.HasPrefix(k, "media/") {
			continue
		}
		base := path.Base(k)
		if sum, _, ok := strings.Cut(base, "."); ok && vault.SHA256Pattern.MatchString(sum) {
			out = vault.AppendNew(out, sum)
		}
	}
	return out
}

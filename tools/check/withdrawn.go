package check

import (
	"fmt"
	"sync"
	"time"

	"storyguard/tools/consent"
	"storyguard/tools/diag"
	"storyguard/tools/media"
	"storyguard/tools/vault"
)

// RuleWithdrawnReused is the id of the rule that refuses the text, the
// photos or the earlier consent of a withdrawn story when they come back
// under another story id.
const RuleWithdrawnReused = "withdrawn-content-reused"

// Withdrawal is what the vault's audit log keeps of one withdrawn story
// (vault.Withdrawal, read by vault.WithdrawalRecords), the input of
// WithdrawnContentRule.
type Withdrawal = vault.Withdrawal

// WithdrawnContentRule is withdrawn-content-reused (error): a withdrawal
// is final for the storyteller's text and photos until a new consent,
// given after the withdrawal, says otherwise (issue #12). On every page
// whose story_id is not a withdrawn one (that case is
// story-withdrawn-before) it refuses
//
//   - review.approved_sha256, or the approval digest of the page's current
//     text (consent.ApprovalDigest), equal to one of a withdrawn story's;
//   - failing that, the normalised body (consent.TextDigests: NFC, case
//     folded, emphasis and spacing set aside) equal to a withdrawn one's,
//     or else any paragraph of at least consent.MinParagraphRunes equal
//     to a withdrawn paragraph, reported at that paragraph's line (so a
//     new byline, title, casing or one rewritten paragraph does not let
//     the text through: issue #12);
//   - a medium whose original in <vault>/media (vaultDir is the vault folder)
//     has the SHA-256 of one of a withdrawn story's originals, whatever
//     its media id, or whose media.Fingerprint does (its scrubbed copy is
//     a withdrawn original's or published object's, or its decoded pixels
//     are a withdrawn original's: bytes appended, metadata edited or the
//     orientation changed do not make another photo);
//
// unless the page's storyteller.person is the one who withdrew and both
// consent.given and review.approved are after the day of that
// withdrawal (they consented anew and approved again); and on a story
// whose storyteller.person withdrew a story, it refuses consent.given or
// review.approved dated on or before the day of their latest withdrawal
// (an earlier consent does not cover anything of theirs after it). ws are the
// withdrawals of the audit log; with none, the rule never fires.
// Findings name story, person and media ids and days only.
func WithdrawnContentRule(ws []Withdrawal, vaultDir string) Rule {
	r := &reusedRule{digests: map[string]Withdrawal{}, media: map[string]Withdrawal{}, persons: map[string]Withdrawal{},
		pixels: map[string]Withdrawal{}, bodies: map[string]Withdrawal{}, paras: map[string]Withdrawal{}}
	keep := func(m map[string]Withdrawal, k string, w Withdrawal) {
		if have, ok := m[k]; !ok || w.Day.After(have.Day) {
			m[k] = w
		}
	}
	for _, w := range ws {
		for _, f := range []struct {
			m  map[string]Withdrawal
			ks []string
		}{
			{r.digests, w.ApprovalDigests}, {r.media, w.MediaSHA256}, {r.persons, w.Persons},
			{r.pixels, w.MediaPixels}, {r.bodies, w.BodySHA256}, {r.paras, w.ParagraphSHA256},
		} {
			for _, k := range f.ks {
				keep(f.m, k, w)
			}
		}
	}
	if len(r.media)+len(r.pixels) > 0 {
		r.originals = vault.NewOriginals(vaultDir)
	}
	return r
}

type reusedRule struct {
	// digests, media and persons map an approval digest, an original's
	// SHA-256 and a person id to the latest withdrawal that recorded it.
	digests, media, persons map[string]Withdrawal
	// pixels, bodies and paras map a media pixel digest, a normalised body
	// digest and a normalised paragraph digest the same way.
	pixels, bodies, paras map[string]Withdrawal
	originals             *vault.Originals
	// prints caches fingerprint's results by original SHA-256.
	mu     sync.Mutex
	prints map[string]media.Fingerprint
}

func (*reusedRule) ID() string              { return RuleWithdrawnReused }
func (*reusedRule) Severity() diag.Severity { return diag.Error }

func (r *reusedRule) Check(_ *Context, s *consent.Story) []diag.Diagnostic {
	if len(r.digests)+len(r.media)+len(r.persons)+len(r.pixels)+len(r.bodies)+len(r.paras) == 0 || s.Consent != nil && s.Consent.Status == consent.Withdrawn {
		return nil
	}
	p := s.Page
	var ds []diag.Diagnostic
	at := func(field, format string, args ...any) {
		line, col := p.FieldPosition(field)
		if line == 0 {
			line, col = p.FieldPosition("story_id")
		}
		ds = append(ds, diag.Diagnostic{File: p.Path, Line: line, Col: col, Rule: RuleWithdrawnReused, Severity: diag.Error, Message: fmt.Sprintf(format, args...)})
	}
	person := ""
	if s.Storyteller != nil {
		person = s.Storyteller.Person
	}
	// renewed: the storyteller who withdrew w consented anew and approved
	// this page after the day of the withdrawal.
	renewed := func(w Withdrawal) bool {
		if person == "" || s.Consent == nil {
			return false
		}
		mine := false
		for _, q := range w.Persons {
			mine = mine || q == person
		}
		return mine && s.Consent.Given.After(w.Day) && s.Review.Approved.After(w.Day)
	}
	anew := func(w Withdrawal) string {
		return fmt.Sprintf("a withdrawal is final for the storyteller's text and photos unless the storyteller who withdrew consents anew after it (storyteller.person %s, a new consent record with consent.given after %s, and review.approved after it)",
			consent.SafePersonID(firstOf(w.Persons)), day(w.Day))
	}

	approved := false
	for _, d := range []string{s.Review.ApprovedSHA256, consent.ApprovalDigest(p)} {
		if w, ok := r.digests[d]; ok && d != "" && w.StoryID != s.ID && !renewed(w) {
			at("review.approved_sha256", "this page's text is the approved text of story %s, withdrawn on %s (same approval digest); %s",
				consent.SafeStoryID(w.StoryID), day(w.Day), anew(w))
			approved = true
			break
		}
	}
	// The text however retyped (another byline, casing, spacing, emphasis):
	// the whole body, or else each long paragraph, by its line.
	if !approved && len(r.bodies)+len(r.paras) > 0 {
		body, paras := consent.TextDigests(p)
		bodyLine := func(off int) (int, int) { return p.Position(off) }
		if w, ok := r.bodies[body]; ok && body != "" && w.StoryID != s.ID && !renewed(w) {
			line, col := bodyLine(p.BodyOffset)
			ds = append(ds, diag.Diagnostic{File: p.Path, Line: line, Col: col, Rule: RuleWithdrawnReused, Severity: diag.Error,
				Message: fmt.Sprintf("the body of this page is the text of story %s, withdrawn on %s (same digest once case, spacing and emphasis are set aside); %s",
					consent.SafeStoryID(w.StoryID), day(w.Day), anew(w))})
		} else {
			for _, d := range paras {
				if w, ok := r.paras[d.Sum]; ok && w.StoryID != s.ID && !renewed(w) {
					line, col := bodyLine(d.Offset)
					ds = append(ds, diag.Diagnostic{File: p.Path, Line: line, Col: col, Rule: RuleWithdrawnReused, Severity: diag.Error,
						Message: fmt.Sprintf("the paragraph at line %d is a paragraph of story %s, withdrawn on %s (same digest once case, spacing and emphasis are set aside); %s",
							line, consent.SafeStoryID(w.StoryID), day(w.Day), anew(w))})
				}
			}
		}
	}
	if r.originals != nil {
		for _, m := range s.Media {
			sum, err := r.originals.Sum(m.ID)
			if err != nil {
				continue // media-missing reports it
			}
			field := fmt.Sprintf("media[%d].id", m.Index)
			if w, ok := r.media[sum]; ok && w.StoryID != s.ID && !renewed(w) {
				at(field, "media %s: its original in the vault is a photo of story %s, withdrawn on %s (same SHA-256); %s",
					consent.SafeMediaID(m.ID), consent.SafeStoryID(w.StoryID), day(w.Day), anew(w))
				continue
			}
			// The same photo in another file: bytes appended, metadata
			// changed or stripped, the orientation tag changed.
			src, err := r.originals.Find(m.ID)
			if err != nil {
				continue
			}
			fp, err := r.fingerprint(sum, src)
			if err != nil {
				continue // media-format and media-metadata report a file that does not scrub
			}
			w, ok := r.media[fp.Scrubbed]
			if !ok {
				w, ok = r.pixels[fp.Pixels]
			}
			if ok && w.StoryID != s.ID && !renewed(w) {
				at(field, "media %s: its original in the vault is, once scrubbed or decoded, a photo of story %s, withdrawn on %s (same scrubbed or pixel digest: only the file around it differs); %s",
					consent.SafeMediaID(m.ID), consent.SafeStoryID(w.StoryID), day(w.Day), anew(w))
			}
		}
	}
	if w, ok := r.persons[person]; ok && person != "" && w.StoryID != s.ID && s.Consent != nil {
		for _, d := range []struct {
			field string
			t     time.Time
		}{{"consent.given", s.Consent.Given}, {"review.approved", s.Review.Approved}} {
			if !d.t.IsZero() && !d.t.After(w.Day) {
				at(d.field, "storyteller %s withdrew story %s on %s, and %s (%s) is on or before that day: a consent or approval from before a withdrawal does not cover the storyteller's stories after it; if they consent anew, record a new consent record given after %s and their approval after it",
					consent.SafePersonID(person), consent.SafeStoryID(w.StoryID), day(w.Day), d.field, day(d.t), day(w.Day))
			}
		}
	}
	return ds
}

// fingerprint returns media.FingerprintFile of the original at src whose
// SHA-256 is sum, computed once per original.
func (r *reusedRule) fingerprint(sum, src string) (media.Fingerprint, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if fp, ok := r.prints[sum]; ok {
		return fp, nil
	}
	fp, err := media.FingerprintFile(src)
	if err != nil {
		return fp, err
	}
	if r.prints == nil {
		r.prints = map[string]media.Fingerprint{}
	}
	r.prints[sum] = fp
	return fp, nil
}

// IsWithdrawalRule reports whether rule refuses a page because of a
// withdrawal (story-withdrawn-before, withdrawn-content-reused): no fix to
// the page brings it back; only the storyteller's new consent can, and
// for the withdrawn story id nothing can.
func IsWithdrawalRule(rule string) bool {
	return rule == RuleWithdrawnBefore || rule == RuleWithdrawnReused
}

func firstOf(ss []string) string {
	if len(ss) == 0 {
		return ""
	}
	return ss[0]
}

func day(t time.Time) string { return t.Format(time.DateOnly) }

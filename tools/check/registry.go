package check

import (
	"bufio"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"

	"storyguard/tools/consent"
	"storyguard/tools/content"
	"storyguard/tools/diag"
	"storyguard/tools/identity"
	"storyguard/tools/media"
	"storyguard/tools/vault"
)

// Rule ids of the rules that need the identity registry or the vault.
const (
	RuleRegistryLeak       = "registry-leak"            // a registry name or detail in public text, front matter or path
	RuleIdentifying        = "identifying-detail"       // a phone, e-mail, DPI/CUI, coordinates or street address not allow-listed
	RuleMediaMissing       = "media-missing"            // no original for a media id in the vault
	RuleMediaFace          = "media-face-not-consented" // a visible face the depicted storyteller did not allow
	RuleMediaRelease       = "media-release-missing"    // media depicting someone other than the storyteller
	RuleMediaPersonUnknown = "media-person-unknown"     // depicts an id the registry does not hold
	RuleMediaFormat        = "media-format"             // an original Storyguard cannot scrub, or named for another format
	RuleReviewMedia        = "review-media"             // the photos' files not approved, or changed since approval
)

// RegistryRules returns the rules that read the identity registry and the
// vault, for Options.Rules:
//
//   - registry-leak (error): every registry name, nickname, family name and
//     identifying detail, anywhere in the page file (front matter, body,
//     shortcode arguments, raw HTML and comments) or its path, as
//     identity.Scanner matches it (case, diacritics, spacing, emphasis),
//     and in what publish's output scan reads: each body block rendered
//     by goldmark, each front-matter string decoded (renderedLeaks);
//   - the pseudonym rules of identity.CheckByline and
//     identity.CheckFirstMentions (error), with their own rule ids, and
//     identity.CheckBylineNames (pseudonym-byline-real-name) when the
//     consent allows no name (identifiers.name false, or name_kind
//     pseudonym or anonymous);
//   - identifying-detail (warning): identity.Recognise over the body's raw
//     text and every public front-matter text, except the allow-listed
//     contacts; GPS coordinates among them are location-too-precise
//     (error), finer than any consented location level;
//   - location-too-precise (error): a place name finer than
//     consent.identifiers.location allows (see places);
//   - media-format (error): the original is not JPEG, PNG or WebP by its
//     bytes, or its extension names another format;
//   - media-missing, media-person-unknown, media-face-not-consented and
//     media-release-missing (error): every medium has its original in
//     <vault>/media/, depicts only registry persons, shows a face only where
//     that person's consent allows it, and depicts nobody but the story's
//     own storyteller (photo releases for other people are not yet
//     recorded, so such media are refused: fail closed).
//
// Findings name person ids and rule ids only, never the matched text.
func RegistryRules(reg *identity.Registry, sc *identity.Scanner, allow []string, vault string) []Rule {
	return []Rule{
		&registryLeak{sc: sc},
		&registryPseudonymRule{reg: reg, sc: sc},
		&detailRule{allow: allow},
		newMediaRule(reg, vault),
		locationRule{},
	}
}

type registryLeak struct{ sc *identity.Scanner }

func (*registryLeak) ID() string              { return RuleRegistryLeak }
func (*registryLeak) Severity() diag.Severity { return diag.Error }
func (r *registryLeak) Check(_ *Context, s *consent.Story) []diag.Diagnostic {
	p := s.Page
	var ds []diag.Diagnostic
	raw := r.sc.ScanPage(p.Path, p.Raw, identity.ScanOptions{})
	for _, m := range raw {
		d := diag.Diagnostic{File: p.Path, Rule: RuleRegistryLeak, Severity: diag.Error}
		if m.InPath {
			d.Message = fmt.Sprintf("the file path names registry person %s (%s); rename the bundle", m.PersonID, m.Kind)
		} else {
			d.Line, d.Col = p.Position(m.Start)
			d.Message = fmt.Sprintf("names registry person %s (%s); remove it or use their pseudonym", m.PersonID, m.Kind)
		}
		ds = append(ds, d)
	}
	// What publish's output scan reads: the body as rendered, the front
	// matter as decoded.
	for _, m := range renderedLeaks(r.sc, p, raw) {
		line, col := p.Position(m.Start)
		ds = append(ds, diag.Diagnostic{File: p.Path, Line: line, Col: col, Rule: RuleRegistryLeak, Severity: diag.Error,
			Message: fmt.Sprintf("names registry person %s (%s) once rendered: markup, an escape or an entity inside a word joins it; remove it or use their pseudonym", m.PersonID, m.Kind)})
	}
	return ds
}

type registryPseudonymRule struct {
	reg *identity.Registry
	sc  *identity.Scanner
}

func (*registryPseudonymRule) ID() string              { return identity.RuleBylineMarker }
func (*registryPseudonymRule) Severity() diag.Severity { return diag.Error }
func (r *registryPseudonymRule) Check(c *Context, s *consent.Story) []diag.Diagnostic {
	p := s.Page
	var ds []diag.Diagnostic
	if st := s.Storyteller; st != nil {
		line, col := p.FieldPosition("storyteller.display_name")
		fs := identity.CheckByline(r.reg, p.Path, st.DisplayName, st.NameKind, st.Person)
		realName := slices.ContainsFunc(fs, func(f identity.Finding) bool { return f.Rule == identity.RuleRealNameByline })
		if noName := st.NameKind == "pseudonym" || st.NameKind == "anonymous" || s.Consent != nil && !s.Consent.Identifiers.Name; noName && !realName && r.reg.Person(st.Person) != nil {
			fs = append(fs, identity.CheckBylineNames(r.sc, p.Path, st.DisplayName, st.Person)...)
		}
		for _, f := range fs {
			ds = append(ds, diag.Diagnostic{File: p.Path, Line: line, Col: col, Rule: f.Rule, Severity: diag.Error, Message: f.Message})
		}
	}
	pr := c.Prose(s)
	for _, f := range identity.CheckFirstMentions(r.sc, p.Path, pr.Text) {
		line, col := p.Position(pr.Offset(f.Start))
		ds = append(ds, diag.Diagnostic{File: p.Path, Line: line, Col: col, Rule: f.Rule, Severity: diag.Error, Message: f.Message})
	}
	return ds
}

type detailRule struct{ allow []string }

// detailNames names identity.Recognise's kinds in findings.
var detailNames = map[string]string{
	"phone": "a phone number", "email": "an e-mail address", "dpi": "a DPI/CUI number",
	"gps": "GPS coordinates", "address": "a street address",
}

func (*detailRule) ID() string              { return RuleIdentifying }
func (*detailRule) Severity() diag.Severity { return diag.Warning }
func (r *detailRule) Check(c *Context, s *consent.Story) []diag.Diagnostic {
	p := s.Page
	seen := map[int]bool{}
	var ds []diag.Diagnostic
	add := func(off int, kind string) {
		if seen[off] {
			return
		}
		seen[off] = true
		line, col := p.Position(off)
		if kind == "gps" {
			// Coordinates place a person to within metres: finer than
			// any consent.identifiers.location level (city at most).
			ds = append(ds, diag.Diagnostic{File: p.Path, Line: line, Col: col, Rule: RuleLocation, Severity: diag.Error,
				Message: "GPS coordinates are finer than any location level a consent allows (city at most); remove them"})
			return
		}
		ds = append(ds, diag.Diagnostic{File: p.Path, Line: line, Col: col, Rule: RuleIdentifying, Severity: diag.Warning,
			Message: fmt.Sprintf("looks like %s; remove it, or add the organisation's own contact to allow_contacts", detailNames[kind])})
	}
	// The body (text, links, raw HTML) and every front-matter text the
	// theme prints (publicStrings: title, description, byline, terms,
	// alt, captions), decoded.
	for _, m := range identity.Recognise(p.Body(), r.allow) {
		add(p.BodyOffset+m.Start, m.Kind)
	}
	for _, f := range publicStrings(c.Site, p) {
		for _, m := range identity.Recognise([]byte(f.Value), r.allow) {
			add(p.ValueOffset(f.Path), m.Kind)
		}
	}
	return ds
}

type mediaRule struct {
	reg *identity.Registry
	// originals indexes <vault>/media once, when the rule is built, and
	// hashes the originals for review-media.
	originals *vault.Originals
	// problems caches originalProblem by file name (rules run on many
	// pages at once).
	problems sync.Map
}

func newMediaRule(reg *identity.Registry, vaultDir string) *mediaRule {
	// An unreadable media folder leaves every medium missing: fail closed.
	return &mediaRule{reg: reg, originals: vault.NewOriginals(vaultDir)}
}

// sniffProblem returns "" when head (a vault original's first bytes) is a
// format Storyguard can scrub under name's extension, else why not (the
// format and extension only: a file's content is never quoted).
func sniffProblem(name string, head []byte) string {
	if len(head) == 0 {
		return "is empty"
	}
	format := media.Sniff(head)
	switch format {
	case media.JPEG, media.PNG, media.WebP:
	default:
		return fmt.Sprintf("is %s, which Storyguard cannot scrub yet (JPEG, PNG and WebP only)", format)
	}
	ext := strings.ToLower(filepath.Ext(name))
	if ext == ".jpeg" {
		ext = ".jpg"
	}
	if ext != format.Ext() {
		return fmt.Sprintf("is %s but named %s", format, safeID(strings.TrimPrefix(filepath.Ext(name), ".")))
	}
	return ""
}

// originalProblem reads the vault original name of media id once: it
// sniffs its format against its extension, reads it through media.Inspect
// (the structural checks Scrub makes: truncated, malformed, unsupported
// coding, limits; no pixel decoding), so that check fails where publish
// would, and hands its SHA-256 to the pins (review-media). It returns the
// end of a sentence ("is empty", "cannot be published: ..."), or "" when
// the original can be scrubbed. The result is kept: every language of a
// story lists the same media, and rules run on many pages at once.
func (r *mediaRule) originalProblem(id, name string) string {
	if v, ok := r.problems.Load(name); ok {
		return v.(string)
	}
	msg := r.readOriginal(id, name)
	r.problems.Store(name, msg)
	return msg
}

func (r *mediaRule) readOriginal(id, name string) string {
	f, err := os.Open(filepath.Join(r.originals.Dir(), name))
	if err != nil {
		return "cannot be read"
	}
	defer f.Close()
	br := bufio.NewReaderSize(f, 64<<10)
	head, _ := br.Peek(512)
	if msg := sniffProblem(name, head); msg != "" {
		return msg
	}
	h := sha256.New()
	tee := io.TeeReader(br, h)
	if err := media.Inspect(tee, media.Options{Name: name}); err != nil {
		return fmt.Sprintf("cannot be published: %v", err)
	}
	if _, err := io.Copy(h, br); err != nil {
		return "cannot be read"
	}
	r.originals.Remember(id, hex.EncodeToString(h.Sum(nil)))
	return ""
}

func (*mediaRule) ID() string              { return RuleMediaMissing }
func (*mediaRule) Severity() diag.Severity { return diag.Error }
func (r *mediaRule) Check(_ *Context, s *consent.Story) []diag.Diagnostic {
	p := s.Page
	var ds []diag.Diagnostic
	add := func(field, rule, msg string) {
		line, col := p.FieldPosition(field)
		ds = append(ds, diag.Diagnostic{File: p.Path, Line: line, Col: col, Rule: rule, Severity: diag.Error, Message: msg})
	}
	for _, m := range s.Media {
		field := fmt.Sprintf("media[%d]", m.Index)
		switch files := r.originals.Files(m.ID); {
		case len(files) == 0 && r.originals.IsLink(m.ID):
			add(field+".id", RuleMediaMissing, fmt.Sprintf("media %s: the vault holds a symbolic link, not the original; keep the file itself in media/", consent.SafeMediaID(m.ID)))
		case len(files) == 0:
			add(field+".id", RuleMediaMissing, fmt.Sprintf("media %s has no original in the vault's media/ folder", consent.SafeMediaID(m.ID)))
		case len(files) > 1:
			add(field+".id", RuleMediaMissing, fmt.Sprintf("media %s has %d originals in the vault; keep exactly one", consent.SafeMediaID(m.ID), len(files)))
		default:
			if msg := r.originalProblem(m.ID, files[0]); msg != "" {
				add(field+".id", RuleMediaFormat, fmt.Sprintf("media %s: the original in the vault %s", consent.SafeMediaID(m.ID), msg))
			}
		}
		if m.FaceVisible && len(m.Depicts) == 0 {
			add(field+".face_visible", RuleMediaFace, fmt.Sprintf("media %s shows a face but depicts names nobody; list the person ids it shows", consent.SafeMediaID(m.ID)))
		}
		for j, person := range m.Depicts {
			switch {
			case r.reg.Person(person) == nil:
				// Never echo it: a value that is no registry id may be a name.
				add(field+".depicts", RuleMediaPersonUnknown, fmt.Sprintf("media %s: %s.depicts[%d] is not the id of a person in the registry", consent.SafeMediaID(m.ID), field, j))
			case s.Storyteller == nil || s.Storyteller.Person != person:
				add(field+".depicts", RuleMediaRelease, fmt.Sprintf("media %s depicts %s, who is not this page's storyteller; no photo release is recorded for them", consent.SafeMediaID(m.ID), person))
			case m.FaceVisible && (s.Consent == nil || !s.Consent.Identifiers.Face):
				add(field+".face_visible", RuleMediaFace, fmt.Sprintf("media %s shows the face of %s, whose consent does not allow their face", consent.SafeMediaID(m.ID), person))
			}
		}
	}
	ds = append(ds, r.checkPins(s)...)
	return ds
}

// checkPins is review-media: a story page with media must carry
// review.approved_media_sha256, and it must equal MediaApprovalDigest of
// the originals now in the vault. Media missing from the vault are
// reported by media-missing, not here.
func (r *mediaRule) checkPins(s *consent.Story) []diag.Diagnostic {
	if !s.IsStory || len(s.Media) == 0 {
		return nil
	}
	p := s.Page
	at := func(field, format string, args ...any) []diag.Diagnostic {
		line, col := p.FieldPosition(field)
		return []diag.Diagnostic{{File: p.Path, Line: line, Col: col, Rule: RuleReviewMedia, Severity: diag.Error, Message: fmt.Sprintf(format, args...)}}
	}
	ids := make([]string, 0, len(s.Media))
	safe := make([]string, 0, len(s.Media))
	for _, m := range s.Media {
		ids = append(ids, m.ID)
		safe = append(safe, consent.SafeMediaID(m.ID))
	}
	if s.Review.ApprovedMediaSHA256 == "" {
		return at("review", "the photos of story %s (%s) were never approved as files; after the storyteller has seen them, run: storyguard approve %s --lang %s",
			s.SafeID(), strings.Join(safe, ", "), s.SafeID(), p.Lang)
	}
	got, err := consent.MediaApprovalDigest(ids, r.originals.Sum)
	if err != nil {
		return nil
	}
	if got != s.Review.ApprovedMediaSHA256 {
		return at("review.approved_media_sha256", "a photo of story %s (%s) in the vault is not the one the storyteller approved; show them the photos, then run: storyguard approve %s --lang %s",
			s.SafeID(), strings.Join(safe, ", "), s.SafeID(), p.Lang)
	}
	return nil
}

// safeID returns id when it looks like an id (letters, digits, '-', '_',
// at most 40 bytes), else a placeholder: front matter is free text, and a
// name typed where an id belongs must not be echoed into output.
func safeID(id string) string {
	if len(id) == 0 || len(id) > 40 {
		return "(invalid id)"
	}
	for _, r := range id {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_') {
			return "(invalid id)"
		}
	}
	return id
}

// PseudonymConsistency checks across the whole site that each person has
// the same byline on every page and in every language
// (identity.CheckPseudonymConsistency), one diagnostic per inconsistent page.
func PseudonymConsistency(reg *identity.Registry, stories []*consent.Story) []diag.Diagnostic {
	var uses []identity.PseudonymUse
	pages := map[string]*content.Page{}
	for _, s := range stories {
		p := s.Page
		if p.Invalid {
			continue
		}
		if s.Storyteller == nil || s.Draft {
			continue
		}
		uses = append(uses, identity.PseudonymUse{Path: p.Path, Lang: p.Lang, Person: s.Storyteller.Person, DisplayName: s.Storyteller.DisplayName, NameKind: s.Storyteller.NameKind})
		pages[p.Path] = p
	}
	var ds []diag.Diagnostic
	for _, f := range identity.CheckPseudonymConsistency(reg, uses) {
		d := diag.Diagnostic{File: f.Path, Rule: f.Rule, Severity: diag.Error, Message: f.Message}
		if p := pages[f.Path]; p != nil {
			d.Line, d.Col = p.FieldPosition("storyteller.display_name")
		}
		ds = append(ds, d)
	}
	slices.SortFunc(ds, func(a, b diag.Diagnostic) int { return strings.Compare(a.File, b.File) })
	return ds
}

// RuleStoryIDDuplicate is the id of the rule that refuses one story_id in
// two bundles.
const RuleStoryIDDuplicate = "story-id-duplicate"

// ConsistencyRules are the site-wide rules (SiteRule, for
// Options.SiteRules) that need the registry reg:
//
//   - PseudonymConsistency's rules (error): one byline per person on every
//     page and in every language;
//   - story-id-duplicate (error) on every page of every bundle whose
//     story_id another bundle also has (a copied bundle used as a
//     template): object keys, the audit log and withdrawal address a story
//     by its id, so an id must name one story (DuplicateStoryIDs);
//   - media-shared (error) on every page that lists a media id another
//     bundle lists too (SharedMedia).
func ConsistencyRules(reg *identity.Registry) []SiteRule {
	return []SiteRule{
		siteRule(func(stories []*consent.Story) []diag.Diagnostic { return PseudonymConsistency(reg, stories) }),
		siteRule(DuplicateStoryIDs),
		siteRule(SharedMedia),
	}
}

// siteRule is a SiteRule of a function over the parsed stories.
type siteRule func(stories []*consent.Story) []diag.Diagnostic

func (f siteRule) CheckSite(_ *Context, stories []*consent.Story) []diag.Diagnostic {
	return f(stories)
}

// RuleMediaShared is the id of the rule that refuses one media id placed
// by two bundles.
const RuleMediaShared = "media-shared"

// SharedMedia reports every page that lists (front-matter media) a media
// id another bundle lists too: a photo is published under one story's
// consent and comes down with that story's withdrawal
// (media/<story id>/...), so it cannot belong to two. publish refuses the
// same ("placed by two stories"); here it is found early, with the files.
func SharedMedia(stories []*consent.Story) []diag.Diagnostic {
	bundles := map[string][]string{} // media id -> bundles
	type use struct {
		p     *content.Page
		index int
	}
	uses := map[string][]use{}
	for _, s := range stories {
		p := s.Page
		if p.Invalid {
			continue
		}
		if s.Draft {
			continue
		}
		for _, m := range s.Media {
			if m.ID == "" {
				continue
			}
			if !slices.Contains(bundles[m.ID], p.Bundle) {
				bundles[m.ID] = append(bundles[m.ID], p.Bundle)
			}
			uses[m.ID] = append(uses[m.ID], use{p, m.Index})
		}
	}
	var ds []diag.Diagnostic
	for id, bs := range bundles {
		if len(bs) < 2 {
			continue
		}
		for _, u := range uses[id] {
			line, col := u.p.FieldPosition(fmt.Sprintf("media[%d].id", u.index))
			var others []string
			for _, b := range bs {
				if b != u.p.Bundle {
					others = append(others, "content/"+b)
				}
			}
			ds = append(ds, diag.Diagnostic{File: u.p.Path, Line: line, Col: col, Rule: RuleMediaShared, Severity: diag.Error,
				Message: fmt.Sprintf("media %s is also listed by %s; a photo belongs to one story's consent: give the copy its own media id", consent.SafeMediaID(id), strings.Join(others, ", "))})
		}
	}
	slices.SortFunc(ds, func(a, b diag.Diagnostic) int { return strings.Compare(a.File, b.File) })
	return ds
}

// DuplicateStoryIDs reports every page whose story_id is also the story_id
// of a page in another bundle.
func DuplicateStoryIDs(stories []*consent.Story) []diag.Diagnostic {
	bundles := map[string][]string{} // story id -> bundles, in page order
	pages := map[string][]*content.Page{}
	for _, s := range stories {
		p := s.Page
		if p.Invalid {
			continue
		}
		id, _ := p.Get("story_id")
		sid, ok := id.(string)
		if !ok || sid == "" {
			continue
		}
		if !slices.Contains(bundles[sid], p.Bundle) {
			bundles[sid] = append(bundles[sid], p.Bundle)
		}
		pages[sid] = append(pages[sid], p)
	}
	var ds []diag.Diagnostic
	for sid, bs := range bundles {
		if len(bs) < 2 {
			continue
		}
		for _, p := range pages[sid] {
			line, col := p.FieldPosition("story_id")
			ds = append(ds, diag.Diagnostic{File: p.Path, Line: line, Col: col, Rule: RuleStoryIDDuplicate, Severity: diag.Error,
				Message: fmt.Sprintf("story_id %s is also the id of %d other bundle(s); give each story its own new id", consent.SafeStoryID(sid), len(bs)-1)})
		}
	}
	diag.Sort(ds)
	return ds
}

// RuleWithdrawnBefore is the id of the rule that refuses a story whose
// withdrawal the audit log records, when its files no longer say so.
const RuleWithdrawnBefore = "story-withdrawn-before"

// WithdrawnRule refuses (error) every page whose story_id is in stories
// (the story ids the audit log records as withdrawn), or whose
// consent.record is in records (the consent records those withdrawals
// ended), unless the page's consent says withdrawn: a withdrawal is final,
// and a reverted file, a merge, a restored copy or a copy under another
// story_id must not publish the story again. A storyteller who later
// consents anew signs a new consent record and is recorded as a new story,
// under a new id.
func WithdrawnRule(stories, records map[string]bool) Rule {
	return withdrawnRule{stories: stories, records: records}
}

type withdrawnRule struct{ stories, records map[string]bool }

func (withdrawnRule) ID() string              { return RuleWithdrawnBefore }
func (withdrawnRule) Severity() diag.Severity { return diag.Error }
func (w withdrawnRule) Check(_ *Context, s *consent.Story) []diag.Diagnostic {
	if s.Consent != nil && s.Consent.Status == consent.Withdrawn {
		return nil
	}
	p := s.Page
	at := func(field, format string, args ...any) []diag.Diagnostic {
		line, col := p.FieldPosition(field)
		if line == 0 {
			line, col = p.FieldPosition("story_id")
		}
		return []diag.Diagnostic{{File: p.Path, Line: line, Col: col, Rule: RuleWithdrawnBefore, Severity: diag.Error, Message: fmt.Sprintf(format, args...)}}
	}
	switch {
	case w.stories[s.ID]:
		return at("consent.status", "the audit log records the withdrawal of %s; a withdrawn story is never published again (set consent.status: withdrawn; new consent means a new story with a new story_id)", s.SafeID())
	case s.Consent != nil && w.records[s.Consent.Record]:
		return at("consent.record", "consent record %s was ended by a withdrawal the audit log records; a story under it is never published again, whatever its story_id (new consent means a new consent record and a new story_id)", s.Consent.SafeRecord())
	}
	return nil
}

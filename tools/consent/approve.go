package consent

import (
	"errors"
	"fmt"
	"path"
	"slices"
	"strings"
	"time"

	"storyguard/tools/content"
)

// ErrNoStory is wrapped by FindStory when nothing matches.
var ErrNoStory = errors.New("no story with that id or slug")

// NamesStory reports whether name, as a person types it to approve or
// withdraw a story, names the story bundle whose story_id is id and whose
// bundle path (relative to content/) is bundle: name is the story_id
// ("st-7q2k9m"), the bundle path ("stories/finding-my-voice") or the
// bundle's slug, its folder name ("finding-my-voice"). It is the one rule
// of FindStory and of publish's withdrawal; an empty name names nothing.
// A name can name several bundles (a slug used in two sections, a copied
// story_id): callers refuse that rather than pick one.
func NamesStory(name, id, bundle string) bool {
	return name != "" && (name == id || name == bundle || name == path.Base(bundle))
}

// FindStory returns the pages of the story named by story (NamesStory),
// among the story pages of site (IsStoryPage), sorted by path. It is an
// error when nothing matches (wrapping ErrNoStory), when the name matches
// pages of more than one bundle, or when a matching page could not be
// loaded. No error repeats story: a name typed by mistake must not be
// echoed (issue #12); errors name file paths only.
func FindStory(site *content.Site, story string) ([]*content.Page, error) {
	var out []*content.Page
	bundles := map[string]bool{}
	for _, p := range site.Pages {
		id, _ := p.Get("story_id")
		ids, _ := id.(string)
		if IsStoryPage(p) && NamesStory(story, ids, p.Bundle) {
			out = append(out, p)
			bundles[p.Bundle] = true
		}
	}
	if len(out) == 0 {
		// story is not repeated: it may be a name typed by mistake.
		return nil, fmt.Errorf("%w under content/ (give a story_id or a slug)", ErrNoStory)
	}
	if len(bundles) > 1 {
		return nil, fmt.Errorf("%d bundles match that id or slug; give its story_id", len(bundles))
	}
	for _, p := range out {
		if p.Invalid {
			return nil, fmt.Errorf("%s: the page could not be loaded; run storyguard check and fix it first", p.Path)
		}
	}
	slices.SortFunc(out, func(a, b *content.Page) int { return strings.Compare(a.Path, b.Path) })
	return out, nil
}

// ErrApprovalBeforeConsent is wrapped by Approve when the approval day
// falls before consent.given: a storyteller approves the text of a story
// they have already consented to publish.
var ErrApprovalBeforeConsent = errors.New("approval date is before consent.given")

// Approve records the storyteller's approval of p's current text and
// media: it returns p's file with review.approved set to day (YYYY-MM-DD),
// review.approved_sha256 set to ApprovalDigest(p) and, when p lists media,
// review.approved_media_sha256 set to MediaApprovalDigest of those media
// (each original's SHA-256 from fileSum), every other byte kept, and the
// text digest. The caller writes the file (content.WriteFileAtomic).
// It refuses (wrapping ErrApprovalBeforeConsent, naming the file and
// consent.given) a day before the page's consent.given, when that is a
// date, and a page with media when fileSum is nil or fails (the
// storyteller must approve the very files that will be published). Errors
// name the file and field; nothing is written on error.
func Approve(p *content.Page, day time.Time, fileSum func(id string) (string, error)) (raw []byte, digest string, err error) {
	s, _ := Parse(p)
	if s.Consent != nil && !s.Consent.Given.IsZero() && Day(day).Before(s.Consent.Given) {
		return nil, "", fmt.Errorf("%s: %w: approval %s, consent.given %s", p.Path, ErrApprovalBeforeConsent,
			Day(day).Format(time.DateOnly), s.Consent.Given.Format(time.DateOnly))
	}
	digest = ApprovalDigest(p)
	as := []content.Assignment{
		{Path: "review.approved", Value: Day(day)},
		{Path: "review.approved_sha256", Value: digest},
	}
	ids := make([]string, 0, len(s.Media))
	for _, m := range s.Media {
		ids = append(ids, m.ID)
	}
	_, had := p.Get("review.approved_media_sha256")
	if len(ids) > 0 || had {
		if fileSum == nil {
			return nil, "", fmt.Errorf("%s: field media: approving a page with media needs the vault's originals", p.Path)
		}
		md, err := MediaApprovalDigest(ids, fileSum)
		if err != nil {
			return nil, "", fmt.Errorf("%s: field media: %w", p.Path, err)
		}
		as = append(as, content.Assignment{Path: "review.approved_media_sha256", Value: md})
	}
	raw, err = content.SetFields(p, as)
	if err != nil {
		return nil, "", err
	}
	return raw, digest, nil
}

// Package consent holds the consent record of a story as Go types, its
// parsing from a page's front matter with validation, and the approval
// digest. The vocabulary is DESIGN.md's "Content model"; the rules that need
// a clock or the page's text live in tools/check.
package consent

import (
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gohugoio/hugo/common/htime"

	"storyguard/tools/content"
	"storyguard/tools/diag"
	"storyguard/tools/vault"
)

// Status is a consent record's status (DESIGN.md "Content model").
type Status string

// The consent statuses. Only Given and Renewed allow publication; Withdrawn
// and Refused are decisions already taken (not published, reported at info
// level); Pending and Expired on a page that is not a draft are errors.
const (
	Given     Status = "given"
	Renewed   Status = "renewed"
	Pending   Status = "pending"
	Refused   Status = "refused"
	Withdrawn Status = "withdrawn"
	Expired   Status = "expired"
)

// Statuses lists every valid Status.
var Statuses = []Status{Given, Renewed, Pending, Refused, Withdrawn, Expired}

// Channels lists every channel a consent may name.
var Channels = []string{"website", "social", "newsletter", "print", "press", "fundraising"}

// NameKinds lists the valid storyteller.name_kind values.
var NameKinds = []string{"pseudonym", "first_name", "full_name", "anonymous"}

// PreferredTerms lists the valid storyteller.preferred_term values.
var PreferredTerms = []string{"survivor", "survivor leader", "victim"}

// LocationLevels lists the valid consent.identifiers.location values,
// coarsest first.
var LocationLevels = []string{"none", "country", "region", "city"}

// MaxTermYears is the longest a consent may run, in years: expires is at most three
// years after given (DESIGN.md "Content model").
const MaxTermYears = 3

// Rule ids reported by Parse. All are errors.
const (
	RuleMissing          = "consent-missing"     // a story without a consent mapping
	RuleInvalid          = "consent-invalid"     // a consent field missing, of the wrong type, not a date, an unknown value
	RuleTerm             = "consent-term"        // expires more than three years after given
	RuleExpiryDate       = "consent-expiry-date" // Hugo's expiryDate differs from consent.expires
	RuleStorytellerMiss  = "storyteller-missing" // a story without a storyteller mapping
	RuleStorytellerInval = "storyteller-invalid" // a storyteller field missing, of the wrong type or unknown
	RuleStoryID          = "story-id"            // story_id missing or not an opaque id
	RuleFrontMatterType  = "frontmatter-type"    // a Hugo or Storyguard field of the wrong type
	RuleMediaInvalid     = "media-invalid"       // a media entry missing its id or of the wrong shape
	RuleReviewInvalid    = "review-invalid"      // review.approved not a date, approved_sha256 or approved_media_sha256 not 64 hex digits
)

// Story is a page's front matter as Storyguard reads it. Every page has
// one (Parse never returns nil); Storyteller and Consent are nil when the
// page has none.
type Story struct {
	Page *content.Page
	// IsStory is true for a page that needs a storyteller's consent: one
	// under content/stories/ (not the section's _index) or any page with
	// a storyteller field.
	IsStory         bool
	ID              string // story_id, for example "st-7q2k9m"
	Title           string
	Description     string
	Draft           bool
	ExpiryDate      time.Time // Hugo's expiryDate (or its alias unpublishDate); zero if unset
	Date            time.Time // Hugo's date; zero if unset
	PublishDate     time.Time // Hugo's publishDate; zero if unset
	Storyteller     *Storyteller
	Consent         *Consent
	Review          Review
	ContentWarnings []string
	Countries       []string // the countries taxonomy, as written
	Themes          []string // the themes taxonomy, as written
	Media           []Media
}

// Storyteller is the story's byline and the storyteller's registry id.
type Storyteller struct {
	DisplayName   string // as printed, "Lucía*" for a pseudonym
	NameKind      string // one of NameKinds
	Person        string // registry id, "p-0001"; never a name
	PreferredTerm string // one of PreferredTerms
}

// Consent is a consent record as written in front matter. Dates are
// calendar dates at 00:00 UTC; zero when not written.
type Consent struct {
	Record         string
	Status         Status
	Given          time.Time
	Expires        time.Time
	Withdrawn      time.Time
	Channels       []string
	Languages      []string
	Identifiers    Identifiers
	SearchEngines  bool
	Minor          bool
	GuardianRecord string
	// Raw is the consent mapping as decoded (YAML, TOML or JSON types);
	// compare parsed fields, not Raw: formats decode dates differently.
	Raw map[string]any
}

// Identifiers says which identifying details the storyteller allows.
type Identifiers struct {
	Name, Face, Voice bool
	Location          string // one of LocationLevels
}

// Review is the storyteller's approval of the final text.
type Review struct {
	Approved       time.Time // zero when not approved
	ApprovedSHA256 string    // lowercase hex, "" when not approved
	// ApprovedMediaSHA256 pins the media files the storyteller saw
	// (MediaApprovalDigest), lowercase hex; "" when not written.
	ApprovedMediaSHA256 string
}

// Media is one entry of the front-matter media list.
type Media struct {
	ID          string
	Alt         string
	Caption     string
	Depicts     []string
	FaceVisible bool
	Index       int // position in the list, for field paths "media[i]"
}

// Covers reports whether the consent allows publication on channel in
// language lang.
func (c *Consent) Covers(channel, lang string) bool {
	return c != nil && slices.Contains(c.Channels, channel) && slices.Contains(c.Languages, lang)
}

// Publishable reports whether the status allows publication at all.
func (s Status) Publishable() bool { return s == Given || s == Renewed }

var (
	// The id formats are the vault's (tools/vault).
	storyIDRe = vault.StoryIDPattern
	personRe  = vault.PersonIDPattern
	mediaIDRe = vault.MediaIDPattern
	recordRe  = vault.RecordIDPattern
	hexRe     = regexp.MustCompile(`^[0-9a-f]{64}$`)
)

// IsStoryPage reports whether p needs a storyteller's consent: a page
// under content/stories/ other than the section's _index, or any page with
// a story_id, storyteller or consent field, as the theme's is-story partial
// decides (themes/voices/layouts/_partials/is-story.html): what check treats
// as a story is what the theme renders as one.
func IsStoryPage(p *content.Page) bool {
	for _, k := range []string{"story_id", "storyteller", "consent"} {
		if _, ok := p.Get(k); ok {
			return true
		}
	}
	return p.Section == "stories" && !p.IsIndex
}

// parser accumulates diagnostics for one page.
type parser struct {
	p  *content.Page
	ds []diag.Diagnostic
}

func (ps *parser) errAt(rule, path string, value bool, format string, args ...any) {
	off := ps.p.FieldOffset(path)
	if value {
		off = ps.p.ValueOffset(path)
	}
	line, col := ps.p.Position(off)
	ps.ds = append(ps.ds, diag.Diagnostic{File: ps.p.Path, Line: line, Col: col, Rule: rule, Severity: diag.Error,
		Message: fmt.Sprintf(format, args...)})
}

func describe(v any) string {
	switch v.(type) {
	case nil:
		return "nothing"
	case []any:
		return "a list"
	case map[string]any:
		return "a mapping"
	case bool:
		return "true/false"
	case string:
		return "text"
	case int, int64, uint64, float64:
		return "a number"
	case time.Time:
		return "a date"
	}
	return fmt.Sprintf("%T", v)
}

func (ps *parser) str(rule, path string, required bool) string {
	v, ok := ps.p.Get(path)
	if !ok || v == nil {
		if required {
			ps.errAt(rule, path, false, "field %s is missing", path)
		}
		return ""
	}
	s, ok := v.(string)
	if !ok {
		ps.errAt(rule, path, true, "field %s: want text, got %s", path, describe(v))
		return ""
	}
	if required && strings.TrimSpace(s) == "" {
		ps.errAt(rule, path, true, "field %s is empty", path)
	}
	return s
}

func (ps *parser) boolean(rule, path string, required bool) bool {
	v, ok := ps.p.Get(path)
	if !ok || v == nil {
		if required {
			ps.errAt(rule, path, false, "field %s is missing (want true or false)", path)
		}
		return false
	}
	b, ok := v.(bool)
	if !ok {
		ps.errAt(rule, path, true, "field %s: want true or false, got %s", path, describe(v))
	}
	return b
}

// date reads a date as Hugo does (common/htime.ToTimeInDefaultLocationE:
// YYYY-MM-DD, RFC 3339, TOML dates and the other layouts Hugo accepts)
// and truncates it to its calendar date in UTC (Day; a date without a
// time or offset is read as UTC, as Hugo does with no timeZone set).
// Empty text is "not set". Numbers
// are refused although Hugo would read them as Unix seconds: a consent
// date is never meant that way.
func (ps *parser) date(rule, path string, required bool) time.Time {
	v, ok := ps.p.Get(path)
	if !ok || v == nil || v == "" {
		if required {
			ps.errAt(rule, path, false, "field %s is missing (want a date, YYYY-MM-DD)", path)
		}
		return time.Time{}
	}
	switch v.(type) {
	case string, time.Time, interface {
		AsTime(*time.Location) time.Time
	}:
	default:
		if _, isStringer := v.(fmt.Stringer); !isStringer {
			ps.errAt(rule, path, true, "field %s: want a date (YYYY-MM-DD), got %s", path, describe(v))
			return time.Time{}
		}
	}
	t, err := htime.ToTimeInDefaultLocationE(v, time.UTC)
	if err != nil {
		ps.errAt(rule, path, true, "field %s: %s is not a date Hugo reads; write it as YYYY-MM-DD, for example 2026-12-31", path, quoteDateish(fmt.Sprint(v)))
		return time.Time{}
	}
	return Day(t)
}

var dateish = regexp.MustCompile(`^[0-9 /.:+TZ-]{1,40}$`)

// quoteDateish quotes v when it holds only digits and date punctuation, and
// otherwise says "the value": messages never repeat free text, which could
// be a name.
func quoteDateish(v string) string {
	if dateish.MatchString(v) {
		return strconv.Quote(v)
	}
	return "the value"
}

// Day returns the calendar date of t in UTC, at 00:00 UTC. Storyguard
// decides every date in this one zone, whatever the zone it is written or
// measured in: "today" is the UTC date of the clock (or --now), and a date
// with a time and an offset ("2026-12-04T20:00:00-08:00") is the UTC date
// of that instant (2026-12-05), so a consent given or approved after the
// end of today in UTC is in the future, even where it is still today
// (issue #12).
func Day(t time.Time) time.Time {
	y, m, d := t.UTC().Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

func (ps *parser) list(rule, path string, required bool) []string {
	v, ok := ps.p.Get(path)
	if !ok || v == nil {
		if required {
			ps.errAt(rule, path, false, "field %s is missing (want a list)", path)
		}
		return nil
	}
	l, ok := v.([]any)
	if !ok {
		ps.errAt(rule, path, true, "field %s: want a list, got %s", path, describe(v))
		return nil
	}
	out := make([]string, 0, len(l))
	for i, e := range l {
		s, ok := e.(string)
		if !ok {
			ps.errAt(rule, fmt.Sprintf("%s[%d]", path, i), true, "field %s[%d]: want text, got %s", path, i, describe(e))
			continue
		}
		out = append(out, s)
	}
	return out
}

func (ps *parser) enum(rule, path, v string, allowed []string) {
	if v != "" && !slices.Contains(allowed, v) {
		ps.errAt(rule, path, true, "field %s: unknown value (want one of %s)", path, strings.Join(allowed, ", "))
	}
}

// Parse reads the Storyguard fields of p's front matter into a Story and
// validates them: types, enumerations, ids, dates as Hugo reads them,
// the order of the dates (consent.expires after consent.given and at most
// MaxTermYears after it; consent.withdrawn and review.approved not before
// consent.given), consent.guardian_record not the storyteller's own
// consent.record, and Hugo's expiryDate equal to consent.expires. Dates
// against the clock (none in the future) are check's rule
// consent-date-future, since Parse has no clock. Each problem is an error diagnostic
// at the offending field. A page that is not a story (IsStoryPage false)
// needs no consent; its media and Hugo fields are still checked. Parse
// never panics; an Invalid page yields a bare Story and no diagnostics
// (LoadPage already reported why).
func Parse(p *content.Page) (*Story, []diag.Diagnostic) {
	s := &Story{Page: p}
	if p.Invalid {
		s.IsStory = p.Section == "stories" && !p.IsIndex
		return s, nil
	}
	ps := &parser{p: p}
	s.IsStory = IsStoryPage(p)
	ps.keys(s.IsStory)
	s.Title = ps.str(RuleFrontMatterType, "title", false)
	s.Description = ps.str(RuleFrontMatterType, "description", false)
	s.Draft = ps.boolean(RuleFrontMatterType, "draft", false)
	expiryKey := "expiryDate"
	if _, ok := p.Get(expiryKey); !ok {
		if _, ok := p.Get("unpublishDate"); ok {
			expiryKey = "unpublishDate"
		}
	}
	s.ExpiryDate = ps.date(RuleFrontMatterType, expiryKey, false)
	s.Date = ps.date(RuleFrontMatterType, "date", false)
	s.PublishDate = ps.date(RuleFrontMatterType, "publishDate", false)
	s.ContentWarnings = ps.list(RuleFrontMatterType, "content_warnings", false)
	s.Countries = ps.list(RuleFrontMatterType, "countries", false)
	s.Themes = ps.list(RuleFrontMatterType, "themes", false)
	s.Media = ps.media()
	s.Review = ps.review()

	if s.IsStory {
		s.ID = ps.str(RuleStoryID, "story_id", true)
		if s.ID != "" && !storyIDRe.MatchString(s.ID) {
			ps.errAt(RuleStoryID, "story_id", true, "field story_id: not an opaque story id (st- and 4 to 32 lowercase letters or digits, never derived from a name or the slug)")
		}
		s.Storyteller = ps.storyteller()
		s.Consent = ps.consent(s, expiryKey)
	}
	return s, ps.ds
}

func (ps *parser) storyteller() *Storyteller {
	v, ok := ps.p.Get("storyteller")
	if !ok || v == nil {
		ps.errAt(RuleStorytellerMiss, "storyteller", false, "story has no storyteller: add storyteller.display_name, name_kind, person and preferred_term")
		return nil
	}
	if _, ok := v.(map[string]any); !ok {
		ps.errAt(RuleStorytellerInval, "storyteller", true, "field storyteller: want a mapping, got %s", describe(v))
		return nil
	}
	r := RuleStorytellerInval
	st := &Storyteller{
		DisplayName:   ps.str(r, "storyteller.display_name", false),
		NameKind:      ps.str(r, "storyteller.name_kind", true),
		Person:        ps.str(r, "storyteller.person", true),
		PreferredTerm: ps.str(r, "storyteller.preferred_term", true),
	}
	ps.enum(r, "storyteller.name_kind", st.NameKind, NameKinds)
	ps.enum(r, "storyteller.preferred_term", st.PreferredTerm, PreferredTerms)
	if st.NameKind != "anonymous" && strings.TrimSpace(st.DisplayName) == "" {
		ps.errAt(r, "storyteller.display_name", false, "field storyteller.display_name is missing or empty (name_kind %s needs a byline)", st.NameKind)
	}
	if st.Person != "" && !personRe.MatchString(st.Person) {
		ps.errAt(r, "storyteller.person", true, "field storyteller.person: not a registry person id (p- and letters or digits); never write a name here")
	}
	return st
}

func (ps *parser) consent(s *Story, expiryKey string) *Consent {
	v, ok := ps.p.Get("consent")
	if !ok || v == nil {
		ps.errAt(RuleMissing, "consent", false, "story has no consent record: add the consent mapping (storyguard's archetype writes every field)")
		return nil
	}
	raw, ok := v.(map[string]any)
	if !ok {
		ps.errAt(RuleInvalid, "consent", true, "field consent: want a mapping, got %s", describe(v))
		return nil
	}
	r := RuleInvalid
	c := &Consent{Raw: raw}
	c.Status = Status(ps.str(r, "consent.status", true))
	ps.enum(r, "consent.status", string(c.Status), statusNames())
	active := c.Status != Pending && c.Status != Refused
	c.Record = ps.str(r, "consent.record", active)
	if c.Record != "" && !recordRe.MatchString(c.Record) {
		ps.errAt(r, "consent.record", true, "field consent.record: not a consent record id (cr- and letters, digits or hyphens)")
	}
	c.Given = ps.date(r, "consent.given", active)
	c.Expires = ps.date(r, "consent.expires", active)
	c.Withdrawn = ps.date(r, "consent.withdrawn", false)
	c.Channels = ps.list(r, "consent.channels", true)
	for i, ch := range c.Channels {
		ps.enum(r, fmt.Sprintf("consent.channels[%d]", i), ch, Channels)
	}
	c.Languages = ps.list(r, "consent.languages", true)
	if iv, ok := ps.p.Get("consent.identifiers"); !ok || iv == nil {
		ps.errAt(r, "consent.identifiers", false, "field consent.identifiers is missing (name, face, voice, location)")
	} else if _, ok := iv.(map[string]any); !ok {
		ps.errAt(r, "consent.identifiers", true, "field consent.identifiers: want a mapping, got %s", describe(iv))
	} else {
		c.Identifiers.Name = ps.boolean(r, "consent.identifiers.name", true)
		c.Identifiers.Face = ps.boolean(r, "consent.identifiers.face", true)
		c.Identifiers.Voice = ps.boolean(r, "consent.identifiers.voice", true)
		c.Identifiers.Location = ps.str(r, "consent.identifiers.location", true)
		ps.enum(r, "consent.identifiers.location", c.Identifiers.Location, LocationLevels)
	}
	c.SearchEngines = ps.boolean(r, "consent.search_engines", true)
	c.Minor = ps.boolean(r, "consent.minor", true)
	c.GuardianRecord = ps.str(r, "consent.guardian_record", false)
	if c.GuardianRecord != "" && !recordRe.MatchString(c.GuardianRecord) {
		ps.errAt(r, "consent.guardian_record", true, "field consent.guardian_record: not a consent record id (cr- and letters, digits or hyphens)")
	}
	if c.GuardianRecord != "" && c.GuardianRecord == c.Record {
		ps.errAt(r, "consent.guardian_record", true, "field consent.guardian_record is the storyteller's own consent record (consent.record); a guardian signs a consent record of their own")
	}
	if !c.Withdrawn.IsZero() && c.Status != Withdrawn {
		ps.errAt(r, "consent.withdrawn", true, "field consent.withdrawn is set but consent.status is %s; a withdrawn consent has status withdrawn", c.Status)
	}
	if !c.Given.IsZero() && !c.Expires.IsZero() {
		if !c.Expires.After(c.Given) {
			ps.errAt(r, "consent.expires", true, "field consent.expires (%s) is not after consent.given (%s)", c.Expires.Format(time.DateOnly), c.Given.Format(time.DateOnly))
		} else if limit := c.Given.AddDate(MaxTermYears, 0, 0); c.Expires.After(limit) {
			ps.errAt(RuleTerm, "consent.expires", true, "field consent.expires (%s) is more than %d years after consent.given; the latest allowed is %s",
				c.Expires.Format(time.DateOnly), MaxTermYears, limit.Format(time.DateOnly))
		}
	}
	if !c.Given.IsZero() && !c.Withdrawn.IsZero() && c.Withdrawn.Before(c.Given) {
		ps.errAt(r, "consent.withdrawn", true, "field consent.withdrawn (%s) is before consent.given (%s); consent is withdrawn only after it was given",
			c.Withdrawn.Format(time.DateOnly), c.Given.Format(time.DateOnly))
	}
	if a := s.Review.Approved; !c.Given.IsZero() && !a.IsZero() && a.Before(c.Given) {
		ps.errAt(RuleReviewInvalid, "review.approved", true, "field review.approved (%s) is before consent.given (%s); the storyteller approves the text under a consent already given",
			a.Format(time.DateOnly), c.Given.Format(time.DateOnly))
	}
	if !c.Expires.IsZero() {
		if s.ExpiryDate.IsZero() {
			ps.errAt(RuleExpiryDate, expiryKey, false, "field expiryDate is missing: set it to consent.expires (%s) so Hugo itself stops publishing the page", c.Expires.Format(time.DateOnly))
		} else if !s.ExpiryDate.Equal(c.Expires) {
			ps.errAt(RuleExpiryDate, expiryKey, true, "field %s (%s) differs from consent.expires (%s); they must be equal", expiryKey, s.ExpiryDate.Format(time.DateOnly), c.Expires.Format(time.DateOnly))
		}
	}
	return c
}

func statusNames() []string {
	out := make([]string, len(Statuses))
	for i, s := range Statuses {
		out[i] = string(s)
	}
	return out
}

func (ps *parser) review() Review {
	var rv Review
	v, ok := ps.p.Get("review")
	if !ok || v == nil {
		return rv
	}
	if _, ok := v.(map[string]any); !ok {
		ps.errAt(RuleReviewInvalid, "review", true, "field review: want a mapping, got %s", describe(v))
		return rv
	}
	rv.Approved = ps.date(RuleReviewInvalid, "review.approved", false)
	rv.ApprovedSHA256 = ps.str(RuleReviewInvalid, "review.approved_sha256", false)
	if rv.ApprovedSHA256 != "" && !hexRe.MatchString(rv.ApprovedSHA256) {
		ps.errAt(RuleReviewInvalid, "review.approved_sha256", true, "field review.approved_sha256: want 64 lowercase hex digits written by storyguard approve")
	}
	rv.ApprovedMediaSHA256 = ps.str(RuleReviewInvalid, "review.approved_media_sha256", false)
	if rv.ApprovedMediaSHA256 != "" && !hexRe.MatchString(rv.ApprovedMediaSHA256) {
		ps.errAt(RuleReviewInvalid, "review.approved_media_sha256", true, "field review.approved_media_sha256: want 64 lowercase hex digits written by storyguard approve")
	}
	return rv
}

func (ps *parser) media() []Media {
	v, ok := ps.p.Get("media")
	if !ok || v == nil {
		return nil
	}
	l, ok := v.([]any)
	if !ok {
		ps.errAt(RuleMediaInvalid, "media", true, "field media: want a list of {id, alt, caption, depicts, face_visible}, got %s", describe(v))
		return nil
	}
	out := make([]Media, 0, len(l))
	for i, e := range l {
		base := fmt.Sprintf("media[%d]", i)
		if _, ok := e.(map[string]any); !ok {
			ps.errAt(RuleMediaInvalid, base, true, "field %s: want a mapping {id, alt, caption, depicts, face_visible}, got %s", base, describe(e))
			continue
		}
		m := Media{Index: i}
		m.ID = ps.str(RuleMediaInvalid, base+".id", true)
		if m.ID != "" && !mediaIDRe.MatchString(m.ID) {
			ps.errAt(RuleMediaInvalid, base+".id", true, "field %s.id: not a media id (m- and letters or digits); media are placed by id, never by path", base)
		}
		m.Alt = ps.str(RuleMediaInvalid, base+".alt", false)
		m.Caption = ps.str(RuleMediaInvalid, base+".caption", false)
		m.Depicts = ps.list(RuleMediaInvalid, base+".depicts", false)
		for j, d := range m.Depicts {
			if !personRe.MatchString(d) {
				ps.errAt(RuleMediaInvalid, fmt.Sprintf("%s.depicts[%d]", base, j), true, "field %s.depicts[%d]: not a registry person id (p- and letters or digits); never write a name here", base, j)
			}
		}
		m.FaceVisible = ps.boolean(RuleMediaInvalid, base+".face_visible", false)
		out = append(out, m)
	}
	return out
}

// SafeID returns the story id for messages: ID when it is a well-formed
// opaque id, otherwise "(no valid story_id)", so a name written by mistake
// into story_id never reaches output.
func (s *Story) SafeID() string {
	if storyIDRe.MatchString(s.ID) {
		return s.ID
	}
	return "(no valid story_id)"
}

// SafeStoryID returns id for messages when it is a well-formed story id
// (st- and 4 to 32 letters or digits), else "(no valid story_id)".
func SafeStoryID(id string) string {
	if storyIDRe.MatchString(id) {
		return id
	}
	return "(no valid story_id)"
}

// SafePersonID returns id for messages when it is a well-formed registry
// person id (p- and 2 to 32 lowercase letters or digits), else "(not a
// person id)": a value that failed validation is never echoed.
func SafePersonID(id string) string {
	if personRe.MatchString(id) {
		return id
	}
	return "(not a person id)"
}

// SafeMediaID returns id for messages when it is a well-formed media id
// (m- and letters or digits), else "(not a media id)": a value that failed
// validation is never echoed (it may be a name).
func SafeMediaID(id string) string {
	if mediaIDRe.MatchString(id) {
		return id
	}
	return "(not a media id)"
}

// SafeRecord returns the consent record id for messages, or "(no valid
// record id)" when it is not a well-formed cr- id.
func (c *Consent) SafeRecord() string {
	if recordRe.MatchString(c.Record) {
		return c.Record
	}
	return "(no valid record id)"
}

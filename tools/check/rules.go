package check

import (
	"bytes"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"

	"storyguard/tools/consent"
	"storyguard/tools/diag"
)

// ExpiringWithin is how close to consent.expires the consent-expiring
// warning starts (DESIGN.md "Checks": expiring within 60 days).
const ExpiringWithin = 60 * 24 * time.Hour

// DefaultRules returns a fresh set of Storyguard's own page rules, in the
// order of RULES.md. Extra rules go in Options.Rules.
func DefaultRules() []Rule {
	return []Rule{
		statusRule{}, expiredRule{}, expiringRule{}, channelRule{}, languageRule{}, consentLanguagesRule{},
		futureDateRule{}, guardianRule{}, pseudonymRule{}, digestRule{}, fundraisingRule{},
		newMediaPathRule(), mediaUnlistedRule{}, altRule{}, shortcodeRule{},
		newWordRule("content-warning", diag.Warning, sensitiveTopics, wordCWNeeded,
			"%q is a sensitive topic and the page has no content_warnings; name the topics readers should be warned of"),
		newWordRule("preferred-term", diag.Warning, victimWords, wordPreferredTerm,
			"%q: the storyteller's preferred term is %q; use their term, not \"victim\""),
		newWordRule("sensational-language", diag.Warning, sensationalWords, wordAlways,
			"%q is sensational or rescue framing; tell what the storyteller did, in their words"),
	}
}

// DefaultBundleRules returns Storyguard's own bundle rules.
func DefaultBundleRules() []BundleRule { return []BundleRule{translationRule{}} }

// story reports whether rules about a storyteller's consent apply.
func story(s *consent.Story) bool { return s.IsStory && s.Consent != nil }

type statusRule struct{}

func (statusRule) ID() string              { return "consent-status" }
func (statusRule) Severity() diag.Severity { return diag.Error }
func (r statusRule) Check(c *Context, s *consent.Story) []diag.Diagnostic {
	if !story(s) {
		return nil
	}
	switch s.Consent.Status {
	case consent.Pending:
		return []diag.Diagnostic{finding(r, s, s.Page.ValueOffset("consent.status"),
			"consent status is pending on a page that is not a draft; set draft: true until the storyteller gives consent")}
	case consent.Expired:
		return []diag.Diagnostic{finding(r, s, s.Page.ValueOffset("consent.status"),
			"consent status is expired on a page that is not a draft; %s", expiredHow)}
	}
	return nil
}

// expiredHow is what staff do about an expired consent. Withdrawal is not
// among it: storyguard withdraw records a decision the storyteller never
// made. A draft is staged out of the build, so the next publish takes the
// story down (DESIGN.md "Content model", "Checks").
const expiredHow = "if the storyteller renews it, record the renewal (status renewed, new given and expires); " +
	"if not, set draft: true (or status expired with draft: true) and the next storyguard publish takes the story down; " +
	"do not withdraw it, the storyteller did not withdraw"

type expiredRule struct{}

func (expiredRule) ID() string              { return "consent-expired" }
func (expiredRule) Severity() diag.Severity { return diag.Error }
func (r expiredRule) Check(c *Context, s *consent.Story) []diag.Diagnostic {
	if !story(s) || !s.Consent.Status.Publishable() || s.Consent.Expires.IsZero() {
		return nil
	}
	// Hugo stops publishing a page at its expiryDate (00:00), which equals
	// consent.expires: from that day on, the consent no longer covers it.
	if !c.Now.Before(s.Consent.Expires) {
		return []diag.Diagnostic{finding(r, s, s.Page.ValueOffset("consent.expires"),
			"consent %s expired on %s; %s", s.Consent.SafeRecord(), s.Consent.Expires.Format(time.DateOnly), expiredHow)}
	}
	return nil
}

type expiringRule struct{}

func (expiringRule) ID() string              { return "consent-expiring" }
func (expiringRule) Severity() diag.Severity { return diag.Warning }
func (r expiringRule) Check(c *Context, s *consent.Story) []diag.Diagnostic {
	if !story(s) || !s.Consent.Status.Publishable() || s.Consent.Expires.IsZero() {
		return nil
	}
	left := s.Consent.Expires.Sub(c.Now)
	if left > 0 && left <= ExpiringWithin {
		return []diag.Diagnostic{finding(r, s, s.Page.ValueOffset("consent.expires"),
			"consent %s expires on %s, in %d day(s); ask the storyteller about renewal", s.Consent.SafeRecord(), s.Consent.Expires.Format(time.DateOnly), int(left.Hours()/24))}
	}
	return nil
}

type channelRule struct{}

func (channelRule) ID() string              { return "consent-channel" }
func (channelRule) Severity() diag.Severity { return diag.Error }
func (r channelRule) Check(c *Context, s *consent.Story) []diag.Diagnostic {
	if !story(s) || slices.Contains(s.Consent.Channels, "website") {
		return nil
	}
	return []diag.Diagnostic{finding(r, s, s.Page.FieldOffset("consent.channels"),
		"consent %s does not include the website channel; this page cannot be published on the site", s.Consent.SafeRecord())}
}

type languageRule struct{}

func (languageRule) ID() string              { return "consent-language" }
func (languageRule) Severity() diag.Severity { return diag.Error }
func (r languageRule) Check(c *Context, s *consent.Story) []diag.Diagnostic {
	if !story(s) || slices.Contains(s.Consent.Languages, s.Page.Lang) {
		return nil
	}
	return []diag.Diagnostic{finding(r, s, s.Page.FieldOffset("consent.languages"),
		"consent %s does not include language %q; this translation cannot be published", s.Consent.SafeRecord(), s.Page.Lang)}
}

// consentLanguagesRule reports each entry of consent.languages that is not
// a language of the site (config.toml's [languages], content.Site.Languages,
// exactly as Hugo names them: "en", not "EN" or "english"). consent.Parse
// cannot: it does not know the site. The message names the field and the
// entry's index, never the value: it may be anything typed there.
type consentLanguagesRule struct{}

func (consentLanguagesRule) ID() string              { return consent.RuleInvalid }
func (consentLanguagesRule) Severity() diag.Severity { return diag.Error }
func (r consentLanguagesRule) Check(c *Context, s *consent.Story) []diag.Diagnostic {
	if !story(s) {
		return nil
	}
	var ds []diag.Diagnostic
	for i, l := range s.Consent.Languages {
		if !slices.Contains(c.Site.Languages, l) {
			path := fmt.Sprintf("consent.languages[%d]", i)
			ds = append(ds, finding(r, s, s.Page.ValueOffset(path),
				"field %s: not a language of this site (want one of %s, as config.toml names them)", path, strings.Join(c.Site.Languages, ", ")))
		}
	}
	return ds
}

// pastDates are the front-matter dates that record something that has
// already happened, so none may be after the day of the check: the day the
// consent form was signed, the day consent was withdrawn, the day the
// storyteller approved the text, and Hugo's date and publishDate (Hugo
// builds no page dated in the future, --buildFuture=false, so a story
// check passed would be missing from the built site; DESIGN.md "Content
// model").
var pastDates = []struct {
	field string
	get   func(s *consent.Story) time.Time
	what  string
}{
	{"consent.given", func(s *consent.Story) time.Time {
		return consentDate(s, func(c *consent.Consent) time.Time { return c.Given })
	}, "it is the day the consent form was signed, which cannot be in the future"},
	{"consent.withdrawn", func(s *consent.Story) time.Time {
		return consentDate(s, func(c *consent.Consent) time.Time { return c.Withdrawn })
	}, "it is the day consent was withdrawn, which cannot be in the future"},
	{"review.approved", func(s *consent.Story) time.Time { return s.Review.Approved }, "it is the day the storyteller approved the text, which cannot be in the future"},
	{"date", func(s *consent.Story) time.Time { return s.Date }, "Hugo builds no page dated in the future, so publish would miss it; date it today or earlier"},
	{"publishDate", func(s *consent.Story) time.Time { return s.PublishDate }, "Hugo builds no page whose publishDate is in the future, so publish would miss it"},
}

func consentDate(s *consent.Story, f func(*consent.Consent) time.Time) time.Time {
	if s.Consent == nil {
		return time.Time{}
	}
	return f(s.Consent)
}

// futureDateRule is consent-date-future: a date in pastDates after the
// day of the check (Context.Now, the calendar day of --now).
type futureDateRule struct{}

func (futureDateRule) ID() string              { return "consent-date-future" }
func (futureDateRule) Severity() diag.Severity { return diag.Error }
func (r futureDateRule) Check(c *Context, s *consent.Story) []diag.Diagnostic {
	var ds []diag.Diagnostic
	for _, d := range pastDates {
		if t := d.get(s); !t.IsZero() && t.After(c.Now) {
			ds = append(ds, finding(r, s, s.Page.ValueOffset(d.field),
				"field %s (%s) is after today (%s); %s",
				d.field, t.Format(time.DateOnly), c.Now.Format(time.DateOnly), d.what))
		}
	}
	return ds
}

type guardianRule struct{}

func (guardianRule) ID() string              { return "consent-guardian" }
func (guardianRule) Severity() diag.Severity { return diag.Error }
func (r guardianRule) Check(c *Context, s *consent.Story) []diag.Diagnostic {
	if !story(s) || !s.Consent.Minor || strings.TrimSpace(s.Consent.GuardianRecord) != "" {
		return nil
	}
	return []diag.Diagnostic{finding(r, s, s.Page.FieldOffset("consent.guardian_record"),
		"storyteller is a minor and consent %s has no guardian_record; a guardian's consent is required", s.Consent.SafeRecord())}
}

type pseudonymRule struct{}

func (pseudonymRule) ID() string              { return "byline-pseudonym" }
func (pseudonymRule) Severity() diag.Severity { return diag.Error }
func (r pseudonymRule) Check(c *Context, s *consent.Story) []diag.Diagnostic {
	st := s.Storyteller
	if st == nil || st.DisplayName == "" {
		return nil
	}
	marked := strings.HasSuffix(strings.TrimSpace(st.DisplayName), "*")
	off := s.Page.ValueOffset("storyteller.display_name")
	switch {
	case st.NameKind == "pseudonym" && !marked:
		return []diag.Diagnostic{finding(r, s, off, "byline of story %s is a pseudonym without its * marker; write it with a final *", s.SafeID())}
	case st.NameKind != "pseudonym" && marked:
		return []diag.Diagnostic{finding(r, s, off, "byline of story %s carries the pseudonym marker * but name_kind is not pseudonym", s.SafeID())}
	}
	return nil
}

type digestRule struct{}

func (digestRule) ID() string              { return "review-digest" }
func (digestRule) Severity() diag.Severity { return diag.Error }
func (r digestRule) Check(c *Context, s *consent.Story) []diag.Diagnostic {
	if !s.IsStory {
		return nil
	}
	if s.Review.ApprovedSHA256 == "" || s.Review.Approved.IsZero() {
		return []diag.Diagnostic{finding(r, s, s.Page.FieldOffset("review.approved_sha256"),
			"story %s has no recorded approval; the storyteller reads the page, then run: storyguard approve %s --lang %s", s.SafeID(), s.SafeID(), s.Page.Lang)}
	}
	if got := consent.ApprovalDigest(s.Page); got != s.Review.ApprovedSHA256 {
		return []diag.Diagnostic{finding(r, s, s.Page.ValueOffset("review.approved_sha256"),
			"text of story %s (%s) changed since the storyteller approved it on %s; after they approve the new text, run: storyguard approve %s --lang %s",
			s.SafeID(), s.Page.Lang, s.Review.Approved.Format(time.DateOnly), s.SafeID(), s.Page.Lang)}
	}
	return nil
}

// mediaExt matches a file name or URL ending in an image, audio or video
// extension (with an optional query or fragment).
var mediaExt = regexp.MustCompile(`(?i)\.(jpe?g|png|gif|webp|avif|heic|heif|tiff?|bmp|svg|ico|mp4|m4v|mov|webm|mkv|avi|mp3|m4a|wav|ogg|oga|flac|aac|opus)(\?[^\s"')>]*)?(#[^\s"')>]*)?$`)

// textMediaExts are the extensions mediaPathsInText looks for.
var textMediaExts = []string{"jpg", "jpeg", "png", "gif", "webp", "avif", "heic", "heif", "tif", "tiff", "bmp", "svg", "mp4", "m4v", "mov", "webm", "mp3", "m4a", "wav", "ogg", "flac"}

// mediaPathsInText returns the start of every file name or URL ending in a
// media extension in folded prose: a run of letters, digits and path
// characters, a ".", one of textMediaExts, then no further letter or digit.
func mediaPathsInText(fold []byte) []int {
	var out []int
	last := -1
	for from := 0; ; {
		i := bytes.IndexByte(fold[from:], '.')
		if i < 0 {
			return out
		}
		dot := from + i
		from = dot + 1
		if dot == 0 || !isPathByte(fold[dot-1]) {
			continue
		}
		for _, e := range textMediaExts {
			end := dot + 1 + len(e)
			if end <= len(fold) && string(fold[dot+1:end]) == e && (end == len(fold) || !isPathByte(fold[end]) || fold[end] == '.' || fold[end] == '/') {
				if end < len(fold) && (fold[end] == '/' || isWordByte(fold[end])) {
					continue
				}
				start := dot
				for start > 0 && isPathByte(fold[start-1]) {
					start--
				}
				if start > last {
					out = append(out, start)
					last = dot
				}
				break
			}
		}
	}
}

func isWordByte(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '_' || c >= 0x80
}

func isPathByte(c byte) bool {
	return isWordByte(c) || c == '.' || c == '/' || c == ':' || c == '%' || c == '~' || c == '-'
}

// mediaTag matches raw HTML that places media or embeds another document.
var mediaTag = regexp.MustCompile(`(?i)<\s*(img|picture|source|video|audio|image|object|embed|iframe|track)\b|url\s*\(`)

// imageParams are front-matter keys Hugo and themes read as image paths.
var imageParams = []string{"images", "image", "featured_image", "featureimage", "cover", "thumbnail", "banner", "og_image", "videos", "audio"}

// imageShortcodes are shortcodes that place an image by path.
var imageShortcodes = []string{"figure", "img", "image", "gallery", "imgproc", "photo", "video", "audio"}

type mediaPathRule struct{}

func newMediaPathRule() Rule { return mediaPathRule{} }

func (mediaPathRule) ID() string              { return "media-path" }
func (mediaPathRule) Severity() diag.Severity { return diag.Error }
func (r mediaPathRule) Check(c *Context, s *consent.Story) []diag.Diagnostic {
	const how = "media are placed only through the front-matter media list or {{< media id=\"m-...\" >}}"
	var ds []diag.Diagnostic
	p := s.Page
	for _, k := range imageParams {
		if _, ok := p.Get(k); ok {
			ds = append(ds, finding(r, s, p.FieldOffset(k), "front-matter field %s places media by path; %s", k, how))
		}
	}
	pr := c.Prose(s)
	for _, im := range pr.Images {
		ds = append(ds, finding(r, s, im.Offset, "Markdown image; %s", how))
	}
	for _, l := range pr.Links {
		if mediaExt.MatchString(l.Value) {
			ds = append(ds, finding(r, s, l.Offset, "link to a media file; %s", how))
		}
	}
	for _, h := range pr.HTML {
		if loc := mediaTag.FindStringIndex(h.Value); loc != nil {
			ds = append(ds, finding(r, s, h.Offset+loc[0], "raw HTML %s places media; %s", strings.ToLower(strings.TrimSpace(h.Value[loc[0]:loc[1]])), how))
		}
	}
	for _, at := range mediaPathsInText(pr.Fold()) {
		ds = append(ds, finding(r, s, pr.Offset(at), "path to a media file in the text; %s", how))
	}
	for _, sc := range p.Shortcodes {
		if slices.Contains(imageShortcodes, strings.ToLower(sc.Name)) {
			ds = append(ds, finding(r, s, sc.Offset, "shortcode %s places media by path; %s", sc.Name, how))
			continue
		}
		for _, a := range sc.Params {
			if mediaExt.MatchString(a.Value) || (strings.EqualFold(sc.Name, "media") && a.Name != "" && a.Name != "id") {
				ds = append(ds, finding(r, s, a.Offset, "shortcode argument names media by path; %s", how))
			}
		}
	}
	return ds
}

type mediaUnlistedRule struct{}

func (mediaUnlistedRule) ID() string              { return "media-unlisted" }
func (mediaUnlistedRule) Severity() diag.Severity { return diag.Error }
func (r mediaUnlistedRule) Check(c *Context, s *consent.Story) []diag.Diagnostic {
	var ds []diag.Diagnostic
	for _, sc := range s.Page.Shortcodes {
		if !strings.EqualFold(sc.Name, "media") {
			continue
		}
		id := ""
		for _, a := range sc.Params {
			if a.Name == "id" || (a.Name == "" && id == "") {
				id = a.Value
			}
		}
		if id == "" {
			ds = append(ds, finding(r, s, sc.Offset, "media shortcode without an id"))
			continue
		}
		if !slices.ContainsFunc(s.Media, func(m consent.Media) bool { return m.ID == id }) {
			ds = append(ds, finding(r, s, sc.Offset, "media shortcode names %s, which is not in this page's front-matter media list; list it there with its alt, caption and depicts", consent.SafeMediaID(id)))
		}
	}
	return ds
}

type altRule struct{}

func (altRule) ID() string              { return "media-alt" }
func (altRule) Severity() diag.Severity { return diag.Warning }
func (r altRule) Check(c *Context, s *consent.Story) []diag.Diagnostic {
	var ds []diag.Diagnostic
	for _, m := range s.Media {
		if strings.TrimSpace(m.Alt) == "" {
			path := fmt.Sprintf("media[%d]", m.Index)
			ds = append(ds, finding(r, s, s.Page.FieldOffset(path), "media %s has no alt text; describe the image for readers who cannot see it", consent.SafeMediaID(m.ID)))
		}
	}
	return ds
}

// consentNoun names what every translation must share, for the message:
// the consent when consent fields differ, otherwise the one field.
func consentNoun(what []string) string {
	if strings.HasPrefix(what[0], "consent") {
		return "consent"
	}
	return what[0]
}

type translationRule struct{}

func (translationRule) ID() string              { return "consent-translation" }
func (translationRule) Severity() diag.Severity { return diag.Error }
func (r translationRule) CheckBundle(c *Context, stories []*consent.Story) []diag.Diagnostic {
	var first *consent.Story
	for _, s := range stories {
		if s.IsStory {
			first = s
			break
		}
	}
	if first == nil {
		return nil
	}
	var ds []diag.Diagnostic
	for _, s := range stories {
		if s == first {
			continue
		}
		var what []string
		switch {
		case s.ID != first.ID:
			what = []string{"story_id"}
		case (s.Storyteller == nil) != (first.Storyteller == nil) ||
			s.Storyteller != nil && s.Storyteller.Person != first.Storyteller.Person:
			what = []string{"storyteller.person"}
		case (s.Consent == nil) != (first.Consent == nil):
			what = []string{"consent"}
		case s.Consent != nil:
			what = consentDiff(s.Consent, first.Consent)
		}
		if len(what) == 0 {
			continue
		}
		// Field paths only, never the values: a value could be a name.
		for _, t := range []*consent.Story{first, s} {
			other := s
			if t == s {
				other = first
			}
			ds = append(ds, finding(r, t, t.Page.FieldOffset(what[0]),
				"%s differs from %s; every translation of a story carries the same %s", strings.Join(what, ", "), other.Page.Path, consentNoun(what)))
		}
	}
	return ds
}

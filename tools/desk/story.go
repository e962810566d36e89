package desk

import (
	"crypto/rand"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"storyguard/tools/consent"
	"storyguard/tools/content"
)

// NewStoryID returns a fresh opaque story id: "st-" and 10 random
// lowercase base32 symbols (50 bits), never derived from a name.
func NewStoryID() (string, error) {
	b := make([]byte, 10)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	const alpha = "0123456789abcdefghjkmnpqrstvwxyz"
	out := []byte("st-")
	for _, x := range b {
		out = append(out, alpha[x&31])
	}
	return string(out), nil
}

// PagePath returns the slash path of a story's page in lang within a
// site root: content/stories/<story id>/index.md for the site's default
// language (Languages[0]), index.<lang>.md otherwise. The bundle is named
// by the opaque id, so the public URL names nobody.
func PagePath(id, lang string) string {
	if lang == Languages[0] {
		return "content/stories/" + id + "/index.md"
	}
	return "content/stories/" + id + "/index." + lang + ".md"
}

// ConsentState is what the answers amount to.
func (a *Answers) status() consent.Status {
	if a == nil {
		return consent.Pending
	}
	if a.Share == "no" {
		return consent.Refused
	}
	if a.Share != "yes" || a.Name == "unsure" || a.Name == "" || a.Danger == "unsure" || a.Danger == "" ||
		a.Search == "unsure" || a.Search == "" || a.TermYears == 0 || len(a.Channels) == 0 || len(a.Languages) == 0 {
		return consent.Pending
	}
	if (a.Name == "full" || a.Name == "first") && a.Danger != "no" {
		return consent.Pending
	}
	return consent.Given
}

// byline returns storyteller.display_name and name_kind for the answers:
// a name she chose with the pseudonym's "*" added (name_kind pseudonym),
// her first or full name as she typed it to be shown (first_name,
// full_name; the registry rule checks it against the public name staff
// recorded), or no name (anonymous). Anything but a clear "no" to danger
// means no name at all, whatever she chose (issue #15, journey 3), and so
// does a name choice without the name.
func (a *Answers) byline() (display, kind string) {
	if a == nil || a.Danger != "no" {
		return "", "anonymous"
	}
	switch {
	case a.Name == "chosen" && strings.TrimSpace(a.ChosenName) != "":
		return strings.TrimSpace(a.ChosenName) + "*", "pseudonym"
	case a.Name == "full" && strings.TrimSpace(a.ShownName) != "":
		return strings.TrimSpace(a.ShownName), "full_name"
	case a.Name == "first" && strings.TrimSpace(a.ShownName) != "":
		return strings.TrimSpace(a.ShownName), "first_name"
	}
	return "", "anonymous"
}

// Materialise returns the page bundle file of story s in lang as Hugo and
// storyguard check read it (DESIGN.md "Where stories live"): YAML front
// matter built from the current revision, the consent answers (the
// consent record: status given only when every answer is a clear yes or
// choice, pending while any is "not sure yet", refused on no; expires
// TermYears after the day answered, at most consent.MaxTermYears) and the
// approval of that language, then the body. person is the storyteller's
// registry id. The current revision's media list is the page's media:
// front matter (alt and caption inside the approval digest).
// review.approved and approved_sha256 are written only while the
// recorded approval's digest is the digest of this very text and the
// consent answers are exactly those she approved with, so a change of
// either by anyone reopens approval. ok is false when there is no
// revision in lang.
func Materialise(s Story, lang, person string) (raw []byte, ok bool) {
	rev, ok := s.Current[lang]
	if !ok {
		return nil, false
	}
	raw = materialise(s, rev, lang, person, nil)
	if ap, ok := s.Approvals[lang]; ok && sameAnswers(ap.Answers, s.Answers) {
		p, _ := content.LoadPage(PagePath(s.ID, lang), lang, raw)
		if consent.ApprovalDigest(p) == ap.Digest {
			raw = materialise(s, rev, lang, person, &ap)
		}
	}
	return raw, true
}

// sameAnswers reports whether the consent answers b are exactly the
// answers a an approval was given with, who gave them and when included
// (a new submission moves the consent's dates): any change cancels the
// approval (issue #15). A nil a (an approval recorded without its
// answers) matches nothing.
func sameAnswers(a, b *Answers) bool {
	if a == nil || b == nil {
		return false
	}
	return a.Share == b.Share && a.Name == b.Name && a.ChosenName == b.ChosenName && a.ShownName == b.ShownName && a.Danger == b.Danger &&
		slices.Equal(a.Channels, b.Channels) && slices.Equal(a.Languages, b.Languages) && a.TermYears == b.TermYears &&
		a.Search == b.Search && a.WithStaff == b.WithStaff && a.By == b.By && a.At.Equal(b.At)
}

// approved returns the approval of s in lang while it holds: recorded, its
// digest the digest of the current text (person is the storyteller's
// registry id), and the consent answers unchanged since. ok is false
// otherwise: she must approve again.
func (s Story) approved(lang, person string) (Approval, bool) {
	ap, ok := s.Approvals[lang]
	if !ok || !sameAnswers(ap.Answers, s.Answers) || ap.Digest == "" || ap.Digest != Digest(s, lang, person) {
		return Approval{}, false
	}
	return ap, true
}

func q(s string) string {
	b, _ := json.Marshal(s) // a JSON string is a YAML double-quoted scalar
	return string(b)
}

func qlist(l []string) string {
	out := make([]string, len(l))
	for i, s := range l {
		out[i] = q(s)
	}
	return "[" + strings.Join(out, ", ") + "]"
}

func materialise(s Story, rev Revision, lang, person string, ap *Approval) []byte {
	a := s.Answers
	status := a.status()
	display, kind := a.byline()
	var b strings.Builder
	w := func(format string, args ...any) { fmt.Fprintf(&b, format+"\n", args...) }
	w("---")
	w("title: %s", q(rev.Title))
	w("description: %s", q(rev.Summary))
	w("date: %s", rev.At.UTC().Format(time.DateOnly))
	w("draft: %t", status != consent.Given)
	given, expires := "", ""
	if a != nil && status == consent.Given {
		g := consent.Day(a.At.UTC())
		given = g.Format(time.DateOnly)
		expires = g.AddDate(min(max(a.TermYears, 1), consent.MaxTermYears), 0, 0).Format(time.DateOnly)
	}
	w("expiryDate: %s", q(expires))
	w("story_id: %s", s.ID)
	w("storyteller:")
	w("  display_name: %s", q(display))
	w("  name_kind: %s", kind)
	w("  person: %s", q(person))
	w("  preferred_term: survivor")
	w("consent:")
	w("  record: %s", q("cr-desk-"+strings.TrimPrefix(s.ID, "st-")))
	w("  status: %s", status)
	w("  given: %s", q(given))
	w("  expires: %s", q(expires))
	w("  withdrawn: \"\"")
	var channels, langs []string
	name, search := false, false
	if a != nil {
		channels = slices.Clone(a.Channels)
		langs = slices.Clone(a.Languages)
		name = a.Danger == "no" && (a.Name == "full" || a.Name == "first")
		search = a.Search == "yes"
	}
	w("  channels: %s", qlist(channels))
	w("  languages: %s", qlist(langs))
	w("  identifiers: {name: %t, face: false, voice: false, location: none}", name)
	w("  search_engines: %t", search)
	w("  minor: false")
	w("  guardian_record: \"\"")
	w("review:")
	if ap != nil {
		w("  approved: %s", consent.Day(ap.At.UTC()).Format(time.DateOnly))
		w("  approved_sha256: %s", q(ap.Digest))
	} else {
		w("  approved: \"\"")
		w("  approved_sha256: \"\"")
	}
	w("content_warnings: []")
	w("countries: []")
	w("themes: []")
	if len(rev.Media) == 0 {
		w("media: []")
	} else {
		w("media:")
		for _, m := range rev.Media {
			w("  - id: %s", q(m.ID))
			w("    alt: %s", q(m.Alt))
			w("    caption: %s", q(m.Caption))
			w("    depicts: %s", qlist(m.Depicts))
			w("    face_visible: %t", m.FaceVisible)
		}
	}
	w("---")
	body := strings.ReplaceAll(rev.Body, "\r\n", "\n")
	b.WriteString(body)
	if !strings.HasSuffix(body, "\n") {
		b.WriteByte('\n')
	}
	return []byte(b.String())
}

// Digest returns the approval digest (consent.ApprovalDigest, the
// pipeline's review.approved_sha256) of story s's current text in lang,
// as materialised; "" when there is none.
func Digest(s Story, lang, person string) string {
	raw, ok := Materialise(s, lang, person)
	if !ok {
		return ""
	}
	p, _ := content.LoadPage(PagePath(s.ID, lang), lang, raw)
	return consent.ApprovalDigest(p)
}

// Fingerprint returns the short form of a digest shown to the
// storyteller: its first 16 hex digits in four groups ("2261 fca1 b380
// daa4"), enough to read aloud and compare.
func Fingerprint(digest string) string {
	if len(digest) < 16 {
		return ""
	}
	d := digest[:16]
	return d[0:4] + " " + d[4:8] + " " + d[8:12] + " " + d[12:16]
}

// mediaOf reads a page's media list back (the form materialise writes);
// an entry that is not a map with a string id is skipped, since the
// store only ever holds what materialise wrote.
func mediaOf(p *content.Page) []MediaItem {
	v, _ := p.Get("media")
	list, _ := v.([]any)
	var out []MediaItem
	for _, e := range list {
		m, ok := e.(map[string]any)
		if !ok {
			continue
		}
		it := MediaItem{}
		if it.ID, ok = m["id"].(string); !ok {
			continue
		}
		it.Alt, _ = m["alt"].(string)
		it.Caption, _ = m["caption"].(string)
		it.FaceVisible, _ = m["face_visible"].(bool)
		ds, _ := m["depicts"].([]any)
		for _, d := range ds {
			if s, ok := d.(string); ok {
				it.Depicts = append(it.Depicts, s)
			}
		}
		out = append(out, it)
	}
	return out
}

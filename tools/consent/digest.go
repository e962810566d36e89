package consent

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strconv"
	"strings"

	"golang.org/x/text/unicode/norm"

	"storyguard/tools/content"
)

// DigestVersion is the first line hashed by ApprovalDigest; it changes
// whenever the definition below changes, so an old approval never matches
// by accident. v2 added preferred_term, content_warnings, countries, themes
// and the media ids.
const DigestVersion = "storyguard-approval-v2"

// ApprovalDigest returns the approval digest of p: the lowercase hex
// SHA-256 of everything the public reads of that page in that language
// (DESIGN.md "Content model", review.approved_sha256). It is defined so
// that another implementation can reproduce it exactly.
//
// The hashed bytes are the line "storyguard-approval-v2\n" followed by one
// record per field, in this order:
//
//	title                 front matter "title"
//	description           front matter "description"
//	byline                front matter "storyteller.display_name"
//	preferred_term        front matter "storyteller.preferred_term"
//	content_warnings[0]   front matter "content_warnings", one record per
//	content_warnings[1]   entry, in the order written ("content_warnings[1]"
//	...                   and so on); no record at all for an empty or
//	                      missing list
//	countries[0] ...      front matter "countries" (taxonomy), likewise
//	themes[0] ...         front matter "themes" (taxonomy), likewise
//	body                  the file's bytes after the front matter's closing
//	                      delimiter (for JSON, after the closing brace and
//	                      its line ending), as Hugo's pageparser splits it
//	media[0].id           front matter "media[0].id"
//	media[0].alt          front matter "media[0].alt"
//	media[0].caption      front matter "media[0].caption"
//	media[1].id ...       and so on for every entry of the media list, in order
//
// Keys match case-insensitively, as Hugo reads them. A missing field, or a
// field or list entry that is not text, is the empty string (its record is
// still written; Parse reports such a value as an error, so the page does
// not publish). A list field (content_warnings, countries, themes) that is
// not a list at all writes no records (Parse reports it too). Each record is
//
//	name "\n" len "\n" value "\n"
//
// where name is the label above ("media[0].alt", "countries[2]"), len is
// the byte length of the normalised value in decimal ASCII and value is the
// normalised value. Normalisation, in this order: drop a leading U+FEFF;
// turn CRLF and lone CR into LF; Unicode NFC; remove spaces and tabs at the
// end of every line; remove spaces, tabs and LFs at the start and end of
// the whole value. Everything else (Markdown syntax, shortcodes, HTML,
// blank lines inside, the order of list entries) is hashed as written.
// Other fields (consent, dates, review itself, depicts, face_visible) are
// not covered: changing them needs no new approval from the storyteller.
//
// A medium is covered here by its id, alt text and caption; the file
// itself is pinned by review.approved_media_sha256 (MediaApprovalDigest),
// which storyguard approve writes and check's review-media rule compares
// with the vault, so a photo replaced behind an unchanged id also needs a
// new approval.
func ApprovalDigest(p *content.Page) string {
	h := sha256.New()
	h.Write([]byte(DigestVersion + "\n"))
	rec := func(name, value string) {
		v := NormalizeText(value)
		fmt.Fprintf(h, "%s\n%s\n%s\n", name, strconv.Itoa(len(v)), v)
	}
	text := func(path string) string {
		v, _ := p.Get(path)
		s, _ := v.(string)
		return s
	}
	list := func(name string) {
		v, _ := p.Get(name)
		l, _ := v.([]any)
		for i, e := range l {
			s, _ := e.(string)
			rec(name+"["+strconv.Itoa(i)+"]", s)
		}
	}
	rec("title", text("title"))
	rec("description", text("description"))
	rec("byline", text("storyteller.display_name"))
	rec("preferred_term", text("storyteller.preferred_term"))
	list("content_warnings")
	list("countries")
	list("themes")
	rec("body", string(p.Body()))
	if l, ok := p.Get("media"); ok {
		if list, ok := l.([]any); ok {
			for i := range list {
				base := "media[" + strconv.Itoa(i) + "]"
				rec(base+".id", text(base+".id"))
				rec(base+".alt", text(base+".alt"))
				rec(base+".caption", text(base+".caption"))
			}
		}
	}
	return hex.EncodeToString(h.Sum(nil))
}

// NormalizeText applies ApprovalDigest's normalisation to s: no leading
// BOM, LF line endings, NFC, no trailing blanks on any line, no leading or
// trailing whitespace overall.
func NormalizeText(s string) string {
	s = strings.TrimPrefix(s, "\ufeff")
	if strings.IndexByte(s, '\r') >= 0 {
		s = strings.ReplaceAll(s, "\r\n", "\n")
		s = strings.ReplaceAll(s, "\r", "\n")
	}
	s = norm.NFC.String(s)
	if strings.Contains(s, " \n") || strings.Contains(s, "\t\n") {
		lines := strings.Split(s, "\n")
		for i, l := range lines {
			lines[i] = strings.TrimRight(l, " \t")
		}
		s = strings.Join(lines, "\n")
	}
	return strings.Trim(s, " \t\n")
}

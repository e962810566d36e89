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
// by accident.
const DigestVersion = "storyguard-approval-v1"

// ApprovalDigest returns the approval digest of p: the lowercase hex
// SHA-256 of everything the public reads of that page in that language.
// It is defined so that another implementation can reproduce it exactly.
//
// The hashed bytes are the line "storyguard-approval-v1\n" followed by one
// record per field, in this order:
//
//	title                 front matter "title"
//	description           front matter "description"
//	byline                front matter "storyteller.display_name"
//	body                  the file's bytes after the front matter's closing
//	                      delimiter (for JSON, after the closing brace and
//	                      its line ending), as Hugo's pageparser splits it
//	media[0].alt          front matter "media[0].alt"
//	media[0].caption      front matter "media[0].caption"
//	media[1].alt ...      and so on for every entry of the media list, in order
//
// Keys match case-insensitively, as Hugo reads them. A missing field, or a
// field that is not text, is the empty string (its record is still
// written). Each record is
//
//	name "\n" len "\n" value "\n"
//
// where name is the label above ("media[0].alt"), len is the byte length of
// the normalised value in decimal ASCII and value is the normalised value.
// Normalisation, in this order: drop a leading U+FEFF; turn CRLF and lone
// CR into LF; Unicode NFC; remove spaces and tabs at the end of every line;
// remove spaces, tabs and LFs at the start and end of the whole value.
// Everything else (Markdown syntax, shortcodes, HTML, blank lines inside)
// is hashed as written. Other fields (consent, dates, review itself) are
// not covered: changing them needs no new approval from the storyteller.
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
	rec("title", text("title"))
	rec("description", text("description"))
	rec("byline", text("storyteller.display_name"))
	rec("body", string(p.Body()))
	if l, ok := p.Get("media"); ok {
		if list, ok := l.([]any); ok {
			for i := range list {
				base := "media[" + strconv.Itoa(i) + "]"
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

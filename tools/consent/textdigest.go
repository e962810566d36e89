package consent

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/cases"
	"golang.org/x/text/unicode/norm"

	"storyguard/tools/content"
)

// TextDigestVersion is the first line hashed by TextDigests; it changes
// whenever the normalisation below changes.
const TextDigestVersion = "storyguard-text-v1"

// MinParagraphRunes is the length, in runes after normalisation, from
// which a paragraph gets its own digest (issue #12: "at least ~80
// characters"). Shorter paragraphs ("Thank you.", a heading) are too
// common to say that a page copies a withdrawn story.
const MinParagraphRunes = 80

// ParagraphDigest is the digest of one paragraph of a page's body.
type ParagraphDigest struct {
	// Sum is the lowercase hex SHA-256 of the normalised paragraph
	// (TextDigests).
	Sum string
	// Offset is the byte offset of the paragraph's first line in the
	// page's Raw (content.Page.Position gives its line).
	Offset int
}

// TextDigests returns what a withdrawal keeps of the body of p, so that
// the same text under another story id is refused however it is retyped
// (issue #12, check.WithdrawnContentRule): body is the lowercase hex
// SHA-256 of "storyguard-text-v1\n" and the whole body normalised
// (NormaliseProse), "" for a body with no text; paras hold the same digest
// of each paragraph (lines between blank lines) at least MinParagraphRunes
// long once normalised, with its offset in p.Raw. Unlike ApprovalDigest
// it covers the body only, so a new byline or title does not escape it.
func TextDigests(p *content.Page) (body string, paras []ParagraphDigest) {
	raw := p.Body()
	if b := NormaliseProse(string(raw)); b != "" {
		body = textSum(b)
	}
	start := -1 // offset in raw of the current paragraph, -1 between paragraphs
	flush := func(end int) {
		if start < 0 {
			return
		}
		if n := NormaliseProse(string(raw[start:end])); utf8.RuneCountInString(n) >= MinParagraphRunes {
			paras = append(paras, ParagraphDigest{Sum: textSum(n), Offset: p.BodyOffset + start})
		}
		start = -1
	}
	for off := 0; off < len(raw); {
		end := len(raw)
		if i := bytes.IndexByte(raw[off:], '\n'); i >= 0 {
			end = off + i + 1
		}
		if len(bytes.TrimSpace(raw[off:end])) == 0 {
			flush(off)
		} else if start < 0 {
			start = off
		}
		off = end
	}
	flush(len(raw))
	return body, paras
}

// NormaliseProse is the normalisation of TextDigests: Unicode NFC, case
// folded (golang.org/x/text/cases.Fold, so "Ñ" and "ñ", "SS" and "ß"
// compare equal), Markdown emphasis markers removed (every '*', '_' and
// '~', so "*alone*", "__alone__" and "alone" compare equal; the pseudonym
// marker goes too), and every run of whitespace, line breaks included,
// collapsed to one space, with none at either end.
func NormaliseProse(s string) string {
	s = cases.Fold().String(norm.NFC.String(s))
	s = norm.NFC.String(s)
	var b strings.Builder
	space := false
	for _, r := range s {
		switch {
		case r == '*' || r == '_' || r == '~':
			continue
		case unicode.IsSpace(r):
			space = b.Len() > 0
			continue
		}
		if space {
			b.WriteByte(' ')
			space = false
		}
		b.WriteRune(r)
	}
	return b.String()
}

func textSum(normalised string) string {
	sum := sha256.Sum256([]byte(TextDigestVersion + "\n" + normalised))
	return hex.EncodeToString(sum[:])
}

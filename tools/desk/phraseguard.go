package desk

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// phraseFingerprint lets the desk refuse a story that contains the
// storyteller's own secret phrase (issue #15, journey 2) without keeping
// the phrase: at sign-in it keeps, in the session's memory only, the
// phrase's length in runes and its HMAC-SHA256 under a key made for that
// session. Nothing of it is ever stored or logged.
type phraseFingerprint struct {
	key []byte
	n   int // runes of the folded phrase
	mac []byte
}

// foldPhrase is the comparison form: NFC, lower case, every run of white
// space one space, trimmed. A phrase written into a story with other
// capitals or line breaks is still found.
func foldPhrase(s string) string {
	s = strings.ToLower(norm.NFC.String(s))
	return strings.Join(strings.FieldsFunc(s, unicode.IsSpace), " ")
}

func newPhraseFingerprint(phrase string) *phraseFingerprint {
	f := foldPhrase(phrase)
	key := make([]byte, 32)
	rand.Read(key)
	fp := &phraseFingerprint{key: key, n: utf8.RuneCountInString(f)}
	fp.mac = fp.sum(f)
	return fp
}

func (fp *phraseFingerprint) sum(s string) []byte {
	h := hmac.New(sha256.New, fp.key)
	h.Write([]byte(s))
	return h.Sum(nil)
}

// containedIn reports whether text, folded, contains the phrase: every
// window of the phrase's length in runes is compared (one HMAC each; a
// 100 KB story costs some tens of milliseconds).
func (fp *phraseFingerprint) containedIn(text string) bool {
	if fp == nil || fp.n == 0 {
		return false
	}
	f := foldPhrase(text)
	starts := make([]int, 0, len(f)+1)
	for i := range f {
		starts = append(starts, i)
	}
	starts = append(starts, len(f))
	for i := 0; i+fp.n < len(starts); i++ {
		if hmac.Equal(fp.sum(f[starts[i]:starts[i+fp.n]]), fp.mac) {
			return true
		}
	}
	return false
}

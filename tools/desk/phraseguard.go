package desk

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/binary"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// phraseFingerprint lets the desk refuse a story that contains the
// storyteller's own secret phrase (issue #15, journey 2) without keeping
// the phrase: at sign-in the session keeps the phrase's length in runes
// and its HMAC-SHA256 under a key derived from the session token. The
// store holds only the token's SHA-256, so what it keeps of the
// fingerprint (encode) cannot be tried against guesses without her
// cookie; the length is masked the same way. Nothing of it is logged.
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

// fingerprintKey derives the fingerprint's key from the session token.
func fingerprintKey(token string) []byte {
	h := hmac.New(sha256.New, []byte(token))
	h.Write([]byte("storyguard desk: phrase fingerprint"))
	return h.Sum(nil)
}

func newPhraseFingerprint(token, phrase string) *phraseFingerprint {
	f := foldPhrase(phrase)
	fp := &phraseFingerprint{key: fingerprintKey(token), n: utf8.RuneCountInString(f)}
	fp.mac = fp.sum(f)
	return fp
}

// lengthMask hides the phrase's length from the store.
func (fp *phraseFingerprint) lengthMask() uint32 {
	return binary.BigEndian.Uint32(fp.sum("\x00length"))
}

// encode is the stored form: 4 bytes of masked length, then the 32-byte
// HMAC.
func (fp *phraseFingerprint) encode() []byte {
	b := binary.BigEndian.AppendUint32(nil, uint32(fp.n)^fp.lengthMask())
	return append(b, fp.mac...)
}

// decodePhraseFingerprint reads encode's bytes with the key of token;
// errSessionData when they are not 36 bytes or the length is 0 or above
// 4096 runes (far above MaxPhraseLen: the bytes are not the desk's).
func decodePhraseFingerprint(token string, b []byte) (*phraseFingerprint, error) {
	if len(b) != 4+sha256.Size {
		return nil, errSessionData
	}
	fp := &phraseFingerprint{key: fingerprintKey(token), mac: b[4:]}
	n := binary.BigEndian.Uint32(b[:4]) ^ fp.lengthMask()
	if n == 0 || n > 4096 {
		return nil, errSessionData
	}
	fp.n = int(n)
	return fp, nil
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

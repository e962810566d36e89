package desk

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"strings"
	"time"
)

// Enrolment codes: 10 symbols of Crockford's base32 (5 bits each, 50 bits
// in all), shown in two groups of five ("7KQ2M-X9D4R"), readable aloud: no
// I, L, O or U (https://www.crockford.com/base32.html).
const (
	crockford     = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
	CodeLen       = 10             // symbols
	CodeLifetime  = 48 * time.Hour // issue #15: expires in 48 hours
	codeGroupSize = 5
)

// ErrCodeFormat is returned by ParseCode for input that is not a code.
var ErrCodeFormat = errors.New("not an enrolment code")

// NewCode returns a fresh random enrolment code in its display form.
func NewCode() (string, error) {
	b := make([]byte, CodeLen)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	var sb strings.Builder
	for i, x := range b {
		if i == codeGroupSize {
			sb.WriteByte('-')
		}
		sb.WriteByte(crockford[x&31])
	}
	return sb.String(), nil
}

// ParseCode returns the canonical form of a typed code (10 symbols, upper
// case, no separators). It accepts what a person reading a code aloud or
// typing it would produce: any case, spaces and hyphens anywhere, and
// Crockford's decoding of O as 0 and I or L as 1. Anything else, or
// another length, is ErrCodeFormat.
func ParseCode(s string) (string, error) {
	if len(s) > 64 {
		return "", ErrCodeFormat
	}
	var sb strings.Builder
	for _, r := range strings.ToUpper(s) {
		switch {
		case r == ' ' || r == '-' || r == '\t':
			continue
		case r == 'O':
			r = '0'
		case r == 'I' || r == 'L':
			r = '1'
		}
		if r > 127 || !strings.ContainsRune(crockford, r) {
			return "", ErrCodeFormat
		}
		sb.WriteRune(r)
	}
	if sb.Len() != CodeLen {
		return "", ErrCodeFormat
	}
	return sb.String(), nil
}

// CodeHash returns what the store keeps of a canonical code: its hex
// SHA-256. A code is random (50 bits), single-use and lives 48 hours, so a
// fast hash suffices where a phrase needs argon2id.
func CodeHash(canonical string) string {
	h := sha256.Sum256([]byte("storyguard-enrolment-code\n" + canonical))
	return hex.EncodeToString(h[:])
}

package desk

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"

	"golang.org/x/crypto/argon2"
	"golang.org/x/text/unicode/norm"
)

// Argon2Params are argon2id's cost parameters.
type Argon2Params struct {
	MemoryKiB uint32 // m, in KiB
	Time      uint32 // t, passes
	Threads   uint8  // p, lanes
}

// PhraseParams are the parameters of every new verifier: m = 19456 KiB
// (19 MiB), t = 2, p = 1, OWASP Password Storage Cheat Sheet's first
// argon2id configuration (its minimum), and within RFC 9106 §4's guidance
// (argon2id, the memory a host can spare, t >= 1). They cost about 50 ms
// on one core, within the desk's 300 ms sign-in budget (issue #15).
var PhraseParams = Argon2Params{MemoryKiB: 19456, Time: 2, Threads: 1}

// Phrase length limits, in characters (runes) after NormalizePhrase.
const (
	MinPhraseLen = 12  // NIST SP 800-63B §3.1.1.2 asks at least 8; 12 fits three short words
	MaxPhraseLen = 200 // bounds argon2's input and the form
)

// Errors of CheckPhrase and ParseVerifier.
var (
	ErrPhraseShort   = errors.New("phrase too short")
	ErrPhraseLong    = errors.New("phrase too long")
	ErrPhraseNotText = errors.New("phrase is not valid text")
	ErrBadVerifier   = errors.New("malformed verifier")
)

// NormalizePhrase returns p in Unicode NFC, so that a phrase typed on
// another keyboard (a precomposed or a combining accent) still matches.
// Nothing else changes: spaces and case count.
func NormalizePhrase(p string) string { return norm.NFC.String(p) }

// CheckPhrase reports whether p (normalised) may be a secret phrase: valid
// UTF-8 of MinPhraseLen to MaxPhraseLen characters.
func CheckPhrase(p string) error {
	if !utf8.ValidString(p) || strings.ContainsRune(p, 0) {
		return ErrPhraseNotText
	}
	n := utf8.RuneCountInString(NormalizePhrase(p))
	switch {
	case n < MinPhraseLen:
		return ErrPhraseShort
	case n > MaxPhraseLen:
		return ErrPhraseLong
	}
	return nil
}

// HashPhrase returns the verifier of phrase: the PHC string
// "$argon2id$v=19$m=<KiB>,t=<t>,p=<p>$<salt>$<key>" with a 16-byte random
// salt and a 32-byte key, both unpadded standard base64 (the format of the
// argon2 reference implementation, RFC 9106 §4 parameters in PhraseParams).
func HashPhrase(phrase string, pp Argon2Params) (string, error) {
	salt := make([]byte, 16)
	if _, err := rand.Read(salt); err != nil {
		return "", err
	}
	key := argon2.IDKey([]byte(NormalizePhrase(phrase)), salt, pp.Time, pp.MemoryKiB, pp.Threads, 32)
	b := base64.RawStdEncoding
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, pp.MemoryKiB, pp.Time, pp.Threads,
		b.EncodeToString(salt), b.EncodeToString(key)), nil
}

// verifier is a parsed PHC string.
type verifier struct {
	p         Argon2Params
	salt, key []byte
}

// Bounds on a stored verifier's parameters, so that a corrupted or
// planted one cannot make sign-in allocate gigabytes or spin.
const (
	maxMemoryKiB = 1 << 20 // 1 GiB
	maxTime      = 16
)

// ParseVerifier parses a PHC string written by HashPhrase. It fails with
// ErrBadVerifier (never echoing the input) on anything else: another
// algorithm or version, parameters out of bounds (m > 1 GiB, t > 16,
// p = 0), a salt under 8 bytes or a key under 16.
func ParseVerifier(s string) (verifier, error) {
	var v verifier
	parts := strings.Split(s, "$")
	if len(parts) != 6 || parts[0] != "" || parts[1] != "argon2id" || parts[2] != "v="+strconv.Itoa(argon2.Version) {
		return v, ErrBadVerifier
	}
	var m, t, p uint64
	for _, kv := range strings.Split(parts[3], ",") {
		k, val, ok := strings.Cut(kv, "=")
		if !ok {
			return v, ErrBadVerifier
		}
		n, err := strconv.ParseUint(val, 10, 32)
		if err != nil {
			return v, ErrBadVerifier
		}
		switch k {
		case "m":
			m = n
		case "t":
			t = n
		case "p":
			p = n
		default:
			return v, ErrBadVerifier
		}
	}
	if m < 8 || m > maxMemoryKiB || t < 1 || t > maxTime || p < 1 || p > 255 || m < 8*p {
		return v, ErrBadVerifier
	}
	salt, err1 := base64.RawStdEncoding.DecodeString(parts[4])
	key, err2 := base64.RawStdEncoding.DecodeString(parts[5])
	if err1 != nil || err2 != nil || len(salt) < 8 || len(key) < 16 || len(key) > 64 {
		return v, ErrBadVerifier
	}
	return verifier{p: Argon2Params{MemoryKiB: uint32(m), Time: uint32(t), Threads: uint8(p)}, salt: salt, key: key}, nil
}

// VerifyPhrase reports whether phrase matches the verifier string, in
// constant time over the key. A malformed verifier is an error.
func VerifyPhrase(phrase, stored string) (bool, error) {
	v, err := ParseVerifier(stored)
	if err != nil {
		return false, err
	}
	got := argon2.IDKey([]byte(NormalizePhrase(phrase)), v.salt, v.p.Time, v.p.MemoryKiB, v.p.Threads, uint32(len(v.key)))
	return subtle.ConstantTimeCompare(got, v.key) == 1, nil
}

package identity

import (
	"bytes"
	"crypto/hkdf"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"slices"
	"strings"

	"filippo.io/age"
)

// Registry seals: binding registry.age to its key holders.
//
// age does not authenticate the sender: anyone who knows a recipient (it is
// public, and listed in the registry) can encrypt any registry to it, for
// example the real one with the names removed, and every leak would then
// pass the scanner. So the registry's plaintext carries seals: one line per
// key holder, at the end of the YAML, as YAML comments (ParseRegistry
// ignores them):
//
//	# storyguard-registry-mac: v1 age1<recipient> <base64url HMAC-SHA256>
//
// The HMAC-SHA256 covers every byte before the first seal line (the body)
// and is keyed with HKDF-SHA256 (RFC 5869, crypto/hkdf) of the secret key
// string of that recipient's age identity ("AGE-SECRET-KEY-1...", X25519 or
// the post-quantum hybrid; info "storyguard registry mac v1", no salt). Only
// a holder of that identity can compute it; the recipient alone gives
// nothing. OpenRegistry accepts the registry only when a seal of one of the
// identities given verifies (constant-time comparison), and refuses with
// ErrRegistryUnsigned when there is none, when it does not verify, or when
// the seal lines are malformed: it never fails open.
//
// Limits, by design:
//   - A seal is per identity. SealRegistry writes seals only for the
//     identities it is given that are among the registry's recipients; a
//     registry encrypted to a colleague's recipient (rekey) carries no seal
//     for her until she checks it and runs `storyguard registry sign`. A
//     shared MAC key would need a secret the key holders share besides age,
//     and a key hidden in the payload would be no secret to an attacker who
//     can encrypt any payload.
//   - A seal proves that some holder of that identity wrote this text, not
//     that it is the newest one: replacing registry.age with an older sealed
//     copy (a rollback) is not detected here; the vault's backups and audit
//     log must show it.
//   - Scrypt and plugin identities have no secret key string to derive a key
//     from, and cannot seal or verify.

// ErrRegistryUnsigned: the decrypted registry carries no valid seal of any
// of the identities given (see the seal comment above). Wrapped with the
// file name and the reason, never with a key or a value of the registry.
var ErrRegistryUnsigned = errors.New("registry.age is not signed by a key holder")

// sealPrefix starts every seal line.
const sealPrefix = "# storyguard-registry-mac: v1 "

// sealInfo is the HKDF info string of the seal key (its version).
const sealInfo = "storyguard registry mac v1"

// Seal is one seal line of a decrypted registry: the recipient of the
// identity whose key made MAC (32 bytes of HMAC-SHA256).
type Seal struct {
	Recipient string
	MAC       []byte
}

// SplitSeals splits decrypted registry text into the body (everything
// before the first line starting with the seal prefix) and its seals. Every
// line from the first seal line on must be a seal line ("# storyguard-
// registry-mac: v1 <recipient> <base64url, no padding, of 32 bytes>") or
// empty; otherwise it returns an error naming the line number (1-based, of
// the whole text) and never the line's content. Text without seal lines is
// all body, with no seals and no error.
func SplitSeals(plain []byte) (body []byte, seals []Seal, err error) {
	start := -1
	if bytes.HasPrefix(plain, []byte(sealPrefix)) {
		start = 0
	} else if i := bytes.Index(plain, []byte("\n"+sealPrefix)); i >= 0 {
		start = i + 1
	}
	if start < 0 {
		return plain, nil, nil
	}
	body = plain[:start]
	line := bytes.Count(body, []byte("\n")) + 1
	for _, l := range strings.Split(string(plain[start:]), "\n") {
		if l == "" {
			line++
			continue
		}
		rest, ok := strings.CutPrefix(l, sealPrefix)
		rc, mac, ok2 := strings.Cut(rest, " ")
		if !ok || !ok2 || !strings.HasPrefix(rc, "age1") || strings.ContainsAny(rc, " \t\r") {
			return nil, nil, fmt.Errorf("line %d: not a seal line (only seal lines may follow the first one)", line)
		}
		sum, err := base64.RawURLEncoding.DecodeString(mac)
		if err != nil || len(sum) != sha256.Size {
			return nil, nil, fmt.Errorf("line %d: seal is not a base64url HMAC-SHA256", line)
		}
		seals = append(seals, Seal{Recipient: rc, MAC: sum})
		line++
	}
	return body, seals, nil
}

// sealKey returns the recipient of id and the seal key derived from its
// secret key string; ok is false for identities without one (scrypt,
// plugins).
func sealKey(id age.Identity) (recipient string, key []byte, ok bool) {
	for {
		switch w := id.(type) {
		case *fileIdentity:
			id = w.Identity
			continue
		case *recorder:
			id = w.Identity
			continue
		}
		break
	}
	var secret string
	switch x := id.(type) {
	case *age.X25519Identity:
		recipient, secret = x.Recipient().String(), x.String()
	case *age.HybridIdentity:
		recipient, secret = x.Recipient().String(), x.String()
	default:
		return "", nil, false
	}
	key, err := hkdf.Key(sha256.New, []byte(secret), nil, sealInfo, sha256.Size)
	if err != nil {
		return "", nil, false
	}
	return recipient, key, true
}

func sealMAC(key, body []byte) []byte {
	m := hmac.New(sha256.New, key)
	m.Write(body)
	return m.Sum(nil)
}

// signBody returns body (ending in a newline) followed by one seal line for
// each of ids whose recipient is in recipients, and the recipients it
// sealed for, in the order of recipients. Recipients compare
// case-insensitively (Bech32).
func signBody(body []byte, ids []age.Identity, recipients []string) ([]byte, []string) {
	return signBodyKeeping(body, ids, recipients, nil)
}

// signBodyKeeping is signBody that also keeps those of keep (seals over
// the same body) whose recipient is listed and got no new seal.
func signBodyKeeping(body []byte, ids []age.Identity, recipients []string, keep []Seal) ([]byte, []string) {
	out := bytes.Clone(body)
	if len(out) > 0 && out[len(out)-1] != '\n' {
		out = append(out, '\n')
	}
	n := len(out)
	var signed []string
	for _, rc := range recipients {
		for _, id := range ids {
			r, key, ok := sealKey(id)
			if !ok || !strings.EqualFold(r, strings.TrimSpace(rc)) || slices.Contains(signed, r) {
				continue
			}
			mac := sealMAC(key, out[:n])
			clear(key)
			out = fmt.Appendf(out, "%s%s %s\n", sealPrefix, r, base64.RawURLEncoding.EncodeToString(mac))
			signed = append(signed, r)
		}
	}
	for _, rc := range recipients {
		for _, k := range keep {
			if strings.EqualFold(k.Recipient, strings.TrimSpace(rc)) && !slices.ContainsFunc(signed, func(s string) bool { return strings.EqualFold(s, k.Recipient) }) {
				out = fmt.Appendf(out, "%s%s %s\n", sealPrefix, k.Recipient, base64.RawURLEncoding.EncodeToString(k.MAC))
				signed = append(signed, k.Recipient)
			}
		}
	}
	return out, signed
}

// SignRegistry adds the seals of ids to the registry at path without
// changing its text, for `storyguard registry sign`: a key holder who has
// checked the content vouches for it. It opens path as OpenRegistry does
// but without the seal check, refuses (writing nothing) when none of ids
// belongs to a recipient the registry lists, keeps the seals of the other
// recipients (still valid: the text is the same), and replaces path
// atomically. It returns the registry and the recipients that still have
// no seal.
func SignRegistry(path string, ids []age.Identity) (*Registry, []string, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, nil, errRegistryMissing(path)
		}
		return nil, nil, fmt.Errorf("read registry %s: %w", path, err)
	}
	reg, body, err := openRegistry(path, ids, openOptions{strict: true})
	if err != nil {
		return nil, nil, err
	}
	defer clear(body)
	plain, err := Decrypt(path, raw, ids)
	if err != nil {
		return nil, nil, err
	}
	_, old, err := SplitSeals(plain)
	clear(plain)
	if err != nil {
		return nil, nil, fmt.Errorf("%w: %s: %v", ErrRegistryUnsigned, path, err)
	}
	if len(Unsealed(reg.Recipients, ids)) == len(reg.Recipients) {
		return nil, nil, fmt.Errorf("sign %s: none of your identities belongs to a recipient it lists", path)
	}
	sealed, signed := signBodyKeeping(body, ids, reg.Recipients, old)
	defer clear(sealed)
	ct, err := Encrypt(sealed, reg.Recipients)
	if err != nil {
		return nil, nil, fmt.Errorf("%s: %w", path, err)
	}
	if err := writeAtomic(path, ct); err != nil {
		return nil, nil, err
	}
	var missing []string
	for _, rc := range reg.Recipients {
		if !slices.ContainsFunc(signed, func(s string) bool { return strings.EqualFold(s, strings.TrimSpace(rc)) }) {
			missing = append(missing, rc)
		}
	}
	return reg, missing, nil
}

// verifySeals returns nil when one of seals verifies over body with the key
// of one of ids, else an ErrRegistryUnsigned error naming name and why.
func verifySeals(name string, body []byte, seals []Seal, ids []age.Identity) error {
	if len(seals) == 0 {
		return fmt.Errorf("%w: %s carries no seal (written by an older storyguard, or by someone without a key)", ErrRegistryUnsigned, name)
	}
	held := false
	for _, id := range ids {
		rc, key, ok := sealKey(id)
		if !ok {
			continue
		}
		want := sealMAC(key, body)
		clear(key)
		for _, s := range seals {
			if !strings.EqualFold(s.Recipient, rc) {
				continue
			}
			held = true
			if hmac.Equal(s.MAC, want) {
				return nil
			}
		}
	}
	if held {
		return fmt.Errorf("%w: %s: the seal of your identity does not match its content (replaced or altered outside storyguard)", ErrRegistryUnsigned, name)
	}
	return fmt.Errorf("%w: %s has no seal of your identity", ErrRegistryUnsigned, name)
}

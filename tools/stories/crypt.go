package stories

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"strings"

	"filippo.io/age"
)

// Errors of the encryption layer, wrapped with the story id.
var (
	// ErrLocked: the store was opened without the vault's identities, or
	// none of them unwraps the story key.
	ErrLocked = errors.New("the vault key is needed to read this story")
	// ErrErased: the story was erased; its key and data are gone.
	ErrErased = errors.New("the story was erased")
	// ErrTampered: a ciphertext decrypted, but belongs to another row (it
	// was moved or swapped in the database).
	ErrTampered = errors.New("stored data does not belong where it was found")
)

// storyKey is a story's own age X25519 identity. Every encrypted value of
// the story is encrypted to its recipient; the identity itself is stored
// only wrapped to the vault's recipients (story_keys.wrapped).
type storyKey struct {
	id *age.X25519Identity
}

func newStoryKey() (*storyKey, error) {
	id, err := age.GenerateX25519Identity()
	if err != nil {
		return nil, err
	}
	return &storyKey{id: id}, nil
}

// wrap encrypts the story identity to the vault recipients.
func (s *Store) wrap(k *storyKey) ([]byte, error) {
	return seal(s.recipients, []byte(k.id.String()))
}

// unwrap decrypts a wrapped story identity with the vault identities.
func (s *Store) unwrap(storyID string, wrapped []byte) (*storyKey, error) {
	if len(s.identities) == 0 {
		return nil, fmt.Errorf("story %s: %w", storyID, ErrLocked)
	}
	r, err := age.Decrypt(bytes.NewReader(wrapped), s.identities...)
	if err != nil {
		var nm *age.NoIdentityMatchError
		if errors.As(err, &nm) {
			return nil, fmt.Errorf("story %s: %w", storyID, ErrLocked)
		}
		return nil, fmt.Errorf("story %s: unwrap story key: %w", storyID, err)
	}
	text, err := io.ReadAll(r)
	if err != nil {
		return nil, fmt.Errorf("story %s: unwrap story key: %w", storyID, err)
	}
	id, err := age.ParseX25519Identity(strings.TrimSpace(string(text)))
	clear(text)
	if err != nil {
		return nil, fmt.Errorf("story %s: unwrap story key: not an age identity", storyID)
	}
	return &storyKey{id: id}, nil
}

// seal encrypts plain to the recipients (binary age format).
func seal(recipients []age.Recipient, plain []byte) ([]byte, error) {
	var buf bytes.Buffer
	w, err := age.Encrypt(&buf, recipients...)
	if err != nil {
		return nil, err
	}
	if _, err := w.Write(plain); err != nil {
		return nil, err
	}
	if err := w.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// open decrypts ct with ids.
func open(ids []age.Identity, ct []byte) ([]byte, error) {
	r, err := age.Decrypt(bytes.NewReader(ct), ids...)
	if err != nil {
		return nil, err
	}
	return io.ReadAll(r)
}

// sealFor encrypts plain to the story key, bound to where it is stored:
// the plaintext starts with the row's address (table, story id and key
// columns) and a newline, checked by openFor, so a ciphertext copied into
// another row or another story is refused (ErrTampered), not shown there.
// This is not authentication: age encryption to a public recipient can be
// done by anyone who can read stories.recipient, so whoever can write to
// the database can forge a value. What is read back is validated again
// (slugs) or goes through the same check rules and approval digest as any
// page.
func sealFor(recipient string, addr string, plain []byte) ([]byte, error) {
	rc, err := age.ParseX25519Recipient(recipient)
	if err != nil {
		return nil, fmt.Errorf("story recipient: %w", err)
	}
	buf := make([]byte, 0, len(addr)+1+len(plain))
	buf = append(buf, addr...)
	buf = append(buf, '\n')
	buf = append(buf, plain...)
	ct, err := seal([]age.Recipient{rc}, buf)
	clear(buf)
	return ct, err
}

// openFor decrypts a value sealed by sealFor at addr.
func (k *storyKey) openFor(storyID, addr string, ct []byte) ([]byte, error) {
	plain, err := open([]age.Identity{k.id}, ct)
	if err != nil {
		return nil, fmt.Errorf("story %s: decrypt %s: %w", storyID, addrKind(addr), err)
	}
	prefix := addr + "\n"
	if !bytes.HasPrefix(plain, []byte(prefix)) {
		clear(plain)
		return nil, fmt.Errorf("story %s: %s: %w", storyID, addrKind(addr), ErrTampered)
	}
	return plain[len(prefix):], nil
}

// addrKind is the table part of an address ("revisions"), for errors.
func addrKind(addr string) string {
	kind, _, _ := strings.Cut(addr, "/")
	return kind
}

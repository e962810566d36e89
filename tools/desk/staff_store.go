package desk

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"strconv"
	"strings"
	"time"
)

// Suggestion is a change to a story's text that staff propose (issue #16,
// "Editing"): never written over her text, it waits until the storyteller
// accepts or rejects it. Base is TextBase of the revision the editor
// started from; a suggestion whose base is no longer the current text is
// stale and cannot be accepted.
type Suggestion struct {
	ID                   string // "sg-..." (MemoryStore) or the store's record id
	Lang                 string
	Base                 string // TextBase of the text it was made on
	Title, Summary, Body string
	// Media, when set, makes it a photo suggestion: add this item to the
	// media list of Lang (staff attached the photo). Accepting it keeps
	// her text as it stands then; Title, Summary and Body are unused.
	Media *MediaItem `json:",omitempty"`
	By    string     // staff account id
	At    time.Time
	// Decided is "" while she has not answered, else "accepted" or
	// "rejected"; DecidedAt is when.
	Decided   string
	DecidedAt time.Time
}

// The answers to a suggestion.
const (
	Accepted = "accepted"
	Rejected = "rejected"
)

// Photo is a photo attached to a story (DESIGN.md "Content model", media):
// the scrubbed file lives in the media folder as ID+Ext; its original,
// with its metadata, is never stored.
type Photo struct {
	ID          string // media id, "m-" and 10 lowercase letters or digits
	Ext         string // ".jpg", ".png", ".webp": the scrubbed format
	SHA256      string // hex digest of the scrubbed file
	Alt         string
	Caption     string
	Storyteller bool     // the storyteller is shown
	Others      []string // registry person ids of the other people shown
	// Releases maps each of Others to the id of their photo release
	// (recorded like a consent record: its form is kept in the vault).
	Releases    map[string]string
	FaceVisible bool
	By          string
	At          time.Time
}

// StaffStore is what the staff side of the desk needs of the story store
// beyond Store. MemoryStore and StoryStore implement it; a Store that
// does not makes every staff page fail closed (500), never fall back.
type StaffStore interface {
	AccountAdder
	// Accounts returns every active account, in no particular order.
	Accounts(ctx context.Context) ([]Account, error)
	// ResetAccess revokes every sign-in method and unused code of the
	// account and stores code (canonical, ParseCode) as its one way back
	// in, until expires. ErrNotFound for no such account.
	ResetAccess(ctx context.Context, account, code string, expires time.Time) error
	// SetRole gives a staff account another staff role (never to or from
	// storyteller). ErrNotFound for no such staff account.
	SetRole(ctx context.Context, account string, role Role) error
	// AddSuggestion stores a suggestion to story id and returns its id.
	AddSuggestion(ctx context.Context, id string, sg Suggestion) (string, error)
	// Suggestions returns the story's suggestions, oldest first, with
	// their decisions.
	Suggestions(ctx context.Context, id string) ([]Suggestion, error)
	// Decide records her answer to suggestion sid of story id; by is her
	// account id. ErrNotFound for no such suggestion.
	Decide(ctx context.Context, id, sid, decision, by string, at time.Time) error
	// AddPhoto records a photo of story id (the scrubbed file is already
	// in the media folder).
	AddPhoto(ctx context.Context, id string, p Photo) error
	// Photos returns the story's photos, oldest first.
	Photos(ctx context.Context, id string) ([]Photo, error)
	// Live returns the ids of the stories a publish put live.
	Live(ctx context.Context) (map[string]bool, error)
	// SaveRevisionOn stores rev as the current text in rev.Lang only while
	// that text is still the one whose TextBase is base: otherwise nothing
	// is written and the error wraps ErrStale (tools/stories' optimistic
	// save on the revision number, no retry). Accepting a suggestion
	// saves through it, so her text changed meanwhile is never
	// overwritten.
	SaveRevisionOn(ctx context.Context, id string, rev Revision, base string) error
}

// ErrStale is returned by SaveRevisionOn when the text changed since the
// base it was given.
var ErrStale = errors.New("the story changed since this edit began")

var errNoStaffStore = errors.New("the story store has no staff records")

// staffStore returns the configured store's StaffStore, or an error.
func (s *Server) staffStore() (StaffStore, error) {
	ss, ok := s.cfg.Store.(StaffStore)
	if !ok {
		return nil, errNoStaffStore
	}
	return ss, nil
}

// TextBase returns the base marker of a revision: the hex SHA-256 of its
// language, title, summary and body, then (when it has any) of each media
// item's id, alt, caption, depicts and face_visible, every field
// length-prefixed; "" for no text yet. A revision without media has the
// marker it had before media were counted. A suggestion carries the base it was made on; an edit form
// carries the base it was opened on, so a save on an older text is
// refused as stale.
func TextBase(rev Revision) string {
	if rev.At.IsZero() && rev.Title == "" && rev.Body == "" {
		return ""
	}
	h := sha256.New()
	fields := []string{rev.Lang, rev.Title, rev.Summary, rev.Body}
	for _, m := range rev.Media {
		fields = append(fields, "media", m.ID, m.Alt, m.Caption, strings.Join(m.Depicts, " "), strconv.FormatBool(m.FaceVisible))
	}
	for _, f := range fields {
		var n [8]byte
		for i, l := 0, len(f); i < 8; i, l = i+1, l>>8 {
			n[i] = byte(l)
		}
		h.Write(n[:])
		h.Write([]byte(f))
	}
	return hex.EncodeToString(h.Sum(nil))
}

// randomID returns prefix and n random symbols of the story-id alphabet
// (lowercase base32, NewStoryID's): opaque, never derived from a name.
func randomID(prefix string, n int) string {
	const alpha = "0123456789abcdefghjkmnpqrstvwxyz"
	b := make([]byte, n)
	rand.Read(b)
	for i := range b {
		b[i] = alpha[b[i]&31]
	}
	return prefix + string(b)
}

package desk

import (
	"context"
	"errors"
	"time"
)

// Account is a desk account. It holds no real name: Login is a sign-in
// name chosen with staff (not her name), Person the registry id
// ("p-0001") a storyteller's stories are attributed to.
type Account struct {
	ID     string // opaque, "a-..."
	Login  string // the sign-in name, lowercase
	Role   Role
	Person string // registry person id of a storyteller; empty for staff
	// Enrolling is true while the session is an enrolment session (a code
	// redeemed, no secret phrase chosen yet): only ActEnrolling is
	// allowed. The desk sets it from the session; stores leave it false.
	Enrolling bool
}

// StoryMeta is what the access decision and the lists need of a story.
type StoryMeta struct {
	ID          string // story_id, "st-" and 10 lowercase letters or digits
	Storyteller string // the account id of the storyteller it belongs to
	Created     time.Time
}

// Revision is one saved version of a story's text, in one language.
type Revision struct {
	Lang    string
	Title   string
	Summary string // the page's description
	Body    string // Markdown
	// Media is the page's media list (front matter media:), in order:
	// the photos she accepted for this language.
	Media []MediaItem
	By    string // account id of who typed it (staff typing for a storyteller who dictates)
	At    time.Time
}

// MediaItem is one entry of a page's media list, the content model of
// DESIGN.md ("media: a list of {id, alt, caption, depicts: [person ids],
// face_visible}"): the scrubbed file is the photo with that id in the
// media folder; alt and caption are in the page's language and are part
// of the approval digest (consent.ApprovalDigest).
type MediaItem struct {
	ID          string   // media id, "m-" and 10 lowercase letters or digits
	Alt         string   // text alternative, required
	Caption     string   // may be empty
	Depicts     []string // registry person ids of everyone shown, the storyteller first
	FaceVisible bool
}

// Answers are the storyteller's answers to the consent questions, each a
// value of the form's choices ("yes", "no", "unsure", ...). They become the
// consent record (see Materialise).
type Answers struct {
	Share      string   // yes | no | unsure
	Name       string   // full | first | chosen | none | unsure
	ChosenName string   // the byline when Name is "chosen", without the * (the desk adds it)
	ShownName  string   // the byline when Name is "first" or "full": her name as she wants it shown
	Danger     string   // yes | no | unsure
	Channels   []string // of consent.Channels
	Languages  []string // of Languages
	TermYears  int      // 1, 2 or 3; 0 is not answered
	Search     string   // yes | no | unsure
	WithStaff  bool     // staff helped her answer
	By         string   // account id of who submitted the answers
	At         time.Time
}

// Approval records that the storyteller approved one exact text.
type Approval struct {
	Lang      string
	Digest    string // consent.ApprovalDigest of the materialised page (review.approved_sha256)
	By        string // her account id
	At        time.Time
	ReadAloud bool // staff read the text aloud to her
	// Answers are the consent answers in force when she approved, as
	// she saw them: the approval holds only while the story's answers
	// are still exactly these (Story.approved), and her receipt shows
	// them. A record without them holds nothing.
	Answers *Answers `json:",omitempty"`
}

// Withdrawal levels, the story store's three (issue #15, journey 6).
const (
	StopNewUses    = "stop-new-uses"
	TakeDown       = "take-down"
	TakeDownDelete = "take-down-delete"
)

// WithdrawalLevels lists the levels, least first.
var WithdrawalLevels = []string{StopNewUses, TakeDown, TakeDownDelete}

// Withdrawal records a request to stop sharing a story.
type Withdrawal struct {
	Level string // of WithdrawalLevels
	By    string // account id
	At    time.Time
}

// Story is a stored story with its current state.
type Story struct {
	StoryMeta
	Current    map[string]Revision // latest revision per language
	Answers    *Answers            // nil until answered
	Approvals  map[string]Approval // latest approval per language
	Withdrawal *Withdrawal         // nil unless she asked to stop sharing
}

// Session is a server-side sign-in session as the store keeps it, under
// the SHA-256 of its token: the token itself is only in her cookie.
type Session struct {
	Account string
	Created time.Time // sign-in
	Seen    time.Time // last request
	// Data is the desk's own record of the session (sessionData: whether
	// it is an enrolment session, and the phrase check keyed by the
	// token), opaque to the store.
	Data []byte
}

// ErrWithdrawn is returned by the Save methods for a story taken down
// (withdrawal level TakeDown or TakeDownDelete): it is final, nothing new
// is saved on it.
var ErrWithdrawn = errors.New("the story was taken down")

// AccountAdder creates accounts and their enrolment codes: what staff do
// (for now, only the demo through SeedDemo).
type AccountAdder interface {
	// AddAccount stores a new account a (a.ID may be ignored: the store
	// may make its own) and returns its id.
	AddAccount(ctx context.Context, a Account) (string, error)
	// AddCode stores the canonical enrolment code for the account, usable
	// once until expires.
	AddCode(ctx context.Context, account, code string, expires time.Time) error
}

// ErrNotFound is returned by Store methods for an id, login, code or
// session that does not exist (or has expired, or was used).
var ErrNotFound = errors.New("not found")

// Store is what the desk needs of the story store (tools/stories builds
// the durable one: SQLite or PostgreSQL, each story encrypted with its own
// key). Methods are safe for concurrent use; errors other than ErrNotFound
// mean the store could not answer and the request fails closed.
type Store interface {
	// Account returns the account with id.
	Account(ctx context.Context, id string) (Account, error)
	// AccountByLogin returns the account whose Login is login.
	AccountByLogin(ctx context.Context, login string) (Account, error)
	// CodeAccount returns the account of the enrolment code (canonical,
	// ParseCode) while it can still be used, without using it: the desk
	// checks the code when she types it and uses it up only with her
	// phrase (EnrolWithCode), so an enrolment left half-way does not
	// strand her. ErrNotFound when no such code exists, it was used, or
	// expired at or before now. Stores keep codes hashed.
	CodeAccount(ctx context.Context, code string, now time.Time) (Account, error)
	// EnrolWithCode uses the code up and sets verifier (an argon2id PHC
	// string) as its account's secret-phrase verifier in one step, ending
	// the account's sessions: both happen or neither. ErrNotFound as for
	// CodeAccount. Single use: of concurrent calls with one code, one
	// succeeds and the others get ErrNotFound.
	EnrolWithCode(ctx context.Context, code, verifier string, now time.Time) (Account, error)
	// SetVerifier sets the account's secret-phrase verifier (an argon2id
	// PHC string), replacing any earlier one, and ends the account's
	// sessions (the desk starts the new one after).
	SetVerifier(ctx context.Context, account, verifier string) error
	// Verifier returns the account's verifier; ErrNotFound when it has none.
	Verifier(ctx context.Context, account string) (string, error)

	// CreateStory stores a new, empty story.
	CreateStory(ctx context.Context, m StoryMeta) error
	// Story returns the story with id.
	Story(ctx context.Context, id string) (Story, error)
	// Stories returns every story's metadata, oldest first.
	Stories(ctx context.Context) ([]StoryMeta, error)
	// SaveRevision stores rev as the story's current text in rev.Lang.
	SaveRevision(ctx context.Context, id string, rev Revision) error
	// SaveAnswers stores the story's consent answers.
	SaveAnswers(ctx context.Context, id string, a Answers) error
	// SaveApproval records an approval.
	SaveApproval(ctx context.Context, id string, a Approval) error
	// SaveWithdrawal records a withdrawal request.
	SaveWithdrawal(ctx context.Context, id string, w Withdrawal) error

	SessionStore
}

// SessionStore keeps the desk's sign-in sessions, so that a restart signs
// nobody out and every desk instance on one store shares them. Tokens are
// passed in and kept only as their SHA-256. The desk judges the idle
// timeout and the maximum age from the stored Created and Seen; expires is
// the store's own backstop, after which it answers ErrNotFound whatever
// the desk asks.
type SessionStore interface {
	// CreateSession stores sess under the hash of token, live until
	// expires.
	CreateSession(ctx context.Context, token string, sess Session, expires time.Time) error
	// Session returns the session of token as stored, untouched;
	// ErrNotFound when it is unknown, revoked, past its expiry at now, or
	// its account is disabled. A store with its own clock may judge by it.
	Session(ctx context.Context, token string, now time.Time) (Session, error)
	// TouchSession records now as the session's last request and expires
	// as its new expiry; ErrNotFound as Session.
	TouchSession(ctx context.Context, token string, now, expires time.Time) error
	// RevokeSession ends the session of token (sign out); an unknown
	// token is not an error.
	RevokeSession(ctx context.Context, token string) error
	// RevokeSessions ends every session of the account (sign out
	// everywhere, a new phrase, a reset).
	RevokeSessions(ctx context.Context, account string) error
}

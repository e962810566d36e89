package stories

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"time"
)

// State is where a story stands in the desk's queue. The pipeline's rules
// read the consent in the front matter, not this; State orders the queue
// and records the withdrawal level.
type State string

// The states of DESIGN.md "The desk" (queue by state), and the three
// withdrawal levels of issue #14.
const (
	StateDrafting        State = "drafting"
	StateWithStoryteller State = "with_storyteller"
	StateApproved        State = "approved"
	StateLive            State = "live"
	// StateStopped: withdrawal level 1, stop new uses: nothing new goes
	// out (no new revision is published, no new channel), what is live
	// stays until staff act.
	StateStopped State = "stopped"
	// StateWithdrawn: withdrawal level 2, taken down (storyguard withdraw).
	StateWithdrawn State = "withdrawn"
)

// Valid reports whether st is one of the states.
func (st State) Valid() bool {
	switch st {
	case StateDrafting, StateWithStoryteller, StateApproved, StateLive, StateStopped, StateWithdrawn:
		return true
	}
	return false
}

var (
	storyIDRe = regexp.MustCompile(`^st-[a-z0-9]{4,32}$`)
	slugRe    = regexp.MustCompile(`^[a-z0-9]+(-[a-z0-9]+)*$`)
	langRe    = regexp.MustCompile(`^[a-z]{2}$`)
)

// ErrWithdrawn: the story was withdrawn (taken down); a withdrawal is
// final (README "Withdrawal"): no new revision, no other state. New
// consent means a new story.
var ErrWithdrawn = errors.New("the story was withdrawn")

// ErrStale is what a *StaleError wraps: the save was based on a revision
// that is no longer the latest.
var ErrStale = errors.New("the story changed since this edit began")

// StaleError is SaveRevision's refusal of a save whose base revision is
// not the latest: nothing was written; Current is the revision to show the
// writer (0 when the language has none yet) so they can merge by hand.
type StaleError struct {
	StoryID string
	Lang    string
	Base    int64 // the revision the save was based on
	Current int64 // the latest revision now
}

func (e *StaleError) Error() string {
	return fmt.Sprintf("story %s index.%s.md: based on revision %d, the latest is %d: %v", e.StoryID, e.Lang, e.Base, e.Current, ErrStale)
}

// Unwrap makes errors.Is(err, ErrStale) hold.
func (e *StaleError) Unwrap() error { return ErrStale }

// Summary is what List returns of a story: ids, state, languages with
// their current revision, and dates; nothing is decrypted.
type Summary struct {
	ID    string
	State State
	// Owner is the storyteller's account ("acct-..."), "" until SetOwner.
	Owner     string
	Languages map[string]int64 // language code -> current revision
	// Published maps each language that a publish put live to that
	// revision (MarkPublished); absent: never published.
	Published map[string]int64
	CreatedAt time.Time
	UpdatedAt time.Time
}

// Story is a stored story, decrypted: its summary, slug and the current
// revision of each language.
type Story struct {
	Summary
	Slug    string
	Current map[string]Revision // language code -> current revision
}

// Revision is one saved revision of one language of a story.
type Revision struct {
	StoryID string
	Lang    string // "en", "es": two lowercase letters
	Rev     int64  // 1, 2, ... per language
	// Author is the account that saved it; TypedByStaff records that
	// staff typed it for the storyteller (she dictated or wrote on paper).
	Author       string
	TypedByStaff bool
	CreatedAt    time.Time
	// FrontMatter is the YAML between the --- lines, without them; Body
	// is the Markdown after. Materialise writes "---\n" + FrontMatter +
	// "---\n" + Body, the page Hugo reads.
	FrontMatter []byte
	Body        []byte
}

// Source returns the revision as the page file Hugo reads.
func (r Revision) Source() []byte {
	out := make([]byte, 0, len(r.FrontMatter)+len(r.Body)+8)
	out = append(out, "---\n"...)
	out = append(out, r.FrontMatter...)
	if n := len(r.FrontMatter); n > 0 && r.FrontMatter[n-1] != '\n' {
		out = append(out, '\n')
	}
	out = append(out, "---\n"...)
	return append(out, r.Body...)
}

// Create stores a new story with a fresh id ("st-" and 26 lowercase
// letters or digits), its own key wrapped to the vault's recipients, the
// slug (the bundle folder name: lowercase letters, digits and single
// hyphens, at most 80) encrypted, state drafting, and a "created" event by
// the account by. Errors wrap ErrInvalid (the value is not echoed).
func (s *Store) Create(ctx context.Context, slug, by string) (string, error) {
	return s.create(ctx, newID("st-"), slug, by)
}

// CreateWithID is Create for a story that already has a story_id (an
// imported page bundle keeps its id: object keys and the audit log name
// it). ErrExists when the id is stored, or was erased (an erased id is
// never reused).
func (s *Store) CreateWithID(ctx context.Context, id, slug, by string) error {
	if !storyIDRe.MatchString(id) {
		return fmt.Errorf("create story: field story_id: %w: not an opaque story id (st- and 4 to 32 lowercase letters or digits)", ErrInvalid)
	}
	_, err := s.create(ctx, id, slug, by)
	return err
}

func (s *Store) create(ctx context.Context, id, slug, by string) (string, error) {
	if len(slug) > 80 || !slugRe.MatchString(slug) {
		return "", fmt.Errorf("create story: field slug: %w: lowercase letters, digits and single hyphens, at most 80", ErrInvalid)
	}
	if err := checkBy(by); err != nil {
		return "", fmt.Errorf("create story: %w", err)
	}
	key, err := newStoryKey()
	if err != nil {
		return "", err
	}
	wrapped, err := s.wrap(key)
	if err != nil {
		return "", fmt.Errorf("create story: wrap key: %w", err)
	}
	recipient := key.id.Recipient().String()
	meta, err := sealFor(recipient, "stories/"+id+"/slug", []byte(slug))
	if err != nil {
		return "", err
	}
	now := s.millis()
	err = s.inTx(ctx, func(tx *sql.Tx) error {
		var n int
		if err := tx.QueryRowContext(ctx, s.q("SELECT (SELECT COUNT(*) FROM stories WHERE id = ?) + (SELECT COUNT(*) FROM erased_stories WHERE story_id = ?)"), id, id).Scan(&n); err != nil {
			return err
		}
		if n > 0 {
			return fmt.Errorf("create story %s: %w", id, ErrExists)
		}
		if _, err := s.exec(ctx, tx, "INSERT INTO stories (id, state, recipient, meta_ct, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)",
			id, string(StateDrafting), recipient, meta, now, now); err != nil {
			return err
		}
		if _, err := s.exec(ctx, tx, "INSERT INTO story_keys (story_id, wrapped, created_at) VALUES (?, ?, ?)", id, wrapped, now); err != nil {
			return err
		}
		return s.event(ctx, tx, id, "created", by, now)
	})
	if err != nil {
		return "", err
	}
	return id, nil
}

// checkBy refuses an author that is not an account id (it would be
// stored in plaintext).
func checkBy(by string) error {
	if !accountIDRe.MatchString(by) {
		return fmt.Errorf("field by: %w: not an account id (acct-...)", ErrInvalid)
	}
	return nil
}

func (s *Store) event(ctx context.Context, tx *sql.Tx, storyID, kind, by string, at int64) error {
	_, err := s.exec(ctx, tx, "INSERT INTO story_events (id, story_id, kind, account_id, at) VALUES (?, ?, ?, ?, ?)",
		newID("ev-"), storyID, kind, by, at)
	return err
}

// recipient returns the story key's recipient; ErrErased or ErrNotFound.
func (s *Store) recipient(ctx context.Context, q interface {
	QueryRowContext(context.Context, string, ...any) *sql.Row
}, id string) (string, error) {
	var rc string
	err := q.QueryRowContext(ctx, s.q("SELECT recipient FROM stories WHERE id = ?"), id).Scan(&rc)
	if errors.Is(err, sql.ErrNoRows) {
		return "", s.missing(ctx, id)
	}
	return rc, err
}

// missing returns the error for a story id with no row: ErrErased when it
// was erased, else ErrNotFound.
func (s *Store) missing(ctx context.Context, id string) error {
	var n int
	s.db.QueryRowContext(ctx, s.q("SELECT COUNT(*) FROM erased_stories WHERE story_id = ?"), id).Scan(&n)
	if n > 0 {
		return fmt.Errorf("story %s: %w", id, ErrErased)
	}
	return fmt.Errorf("story %s: %w", safeID(id), ErrNotFound)
}

func safeID(id string) string {
	if storyIDRe.MatchString(id) {
		return id
	}
	return "(not a story id)"
}

// SaveRevision saves a new revision of one language of the story, based on
// revision base (0 for the language's first). When base is not the
// latest, nothing is written and the error is a *StaleError (errors.Is
// ErrStale) carrying the latest: of two writers saving on the same base,
// on one machine or several, exactly one wins. Returns the new revision
// number (base+1). The front matter and body are encrypted to the story
// key. Errors: ErrInvalid (lang not two lowercase letters, by not an
// account id), ErrNotFound, ErrErased, ErrWithdrawn.
func (s *Store) SaveRevision(ctx context.Context, storyID, lang string, base int64, r Revision) (int64, error) {
	if !langRe.MatchString(lang) {
		return 0, fmt.Errorf("save story %s: field lang: %w: not a two-letter language code", safeID(storyID), ErrInvalid)
	}
	if err := checkBy(r.Author); err != nil {
		return 0, fmt.Errorf("save story %s: %w", safeID(storyID), err)
	}
	if base < 0 {
		return 0, fmt.Errorf("save story %s: field base: %w: negative", safeID(storyID), ErrInvalid)
	}
	rc, err := s.recipient(ctx, s.db, storyID)
	if err != nil {
		return 0, err
	}
	rev := base + 1
	ct, err := sealFor(rc, revAddr(storyID, lang, rev), encodeRevision(r.FrontMatter, r.Body))
	if err != nil {
		return 0, err
	}
	now := s.millis()
	err = s.inTx(ctx, func(tx *sql.Tx) error {
		if err := s.notWithdrawn(ctx, tx, storyID); err != nil {
			return err
		}
		var res sql.Result
		var err error
		if base == 0 {
			res, err = s.exec(ctx, tx, "INSERT INTO story_languages (story_id, lang, current_rev, updated_at) VALUES (?, ?, 1, ?) ON CONFLICT DO NOTHING", storyID, lang, now)
		} else {
			res, err = s.exec(ctx, tx, "UPDATE story_languages SET current_rev = ?, updated_at = ? WHERE story_id = ? AND lang = ? AND current_rev = ?", rev, now, storyID, lang, base)
		}
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n != 1 {
			var cur int64
			if err := tx.QueryRowContext(ctx, s.q("SELECT current_rev FROM story_languages WHERE story_id = ? AND lang = ?"), storyID, lang).Scan(&cur); err != nil && !errors.Is(err, sql.ErrNoRows) {
				return err
			}
			return &StaleError{StoryID: storyID, Lang: lang, Base: base, Current: cur}
		}
		staff := 0
		if r.TypedByStaff {
			staff = 1
		}
		if _, err := s.exec(ctx, tx, "INSERT INTO revisions (story_id, lang, rev, author, typed_by_staff, created_at, text_ct) VALUES (?, ?, ?, ?, ?, ?, ?)",
			storyID, lang, rev, r.Author, staff, now, ct); err != nil {
			return err
		}
		if _, err := s.exec(ctx, tx, "UPDATE stories SET updated_at = ? WHERE id = ?", now, storyID); err != nil {
			return err
		}
		return s.event(ctx, tx, storyID, "revision."+lang, r.Author, now)
	})
	if err != nil {
		return 0, err
	}
	return rev, nil
}

func revAddr(storyID, lang string, rev int64) string {
	return "revisions/" + storyID + "/" + lang + "/" + strconv.FormatInt(rev, 10)
}

// encodeRevision joins front matter and body as "<len of fm>\n" fm body.
func encodeRevision(fm, body []byte) []byte {
	out := strconv.AppendInt(nil, int64(len(fm)), 10)
	out = append(out, '\n')
	out = append(out, fm...)
	return append(out, body...)
}

func decodeRevision(b []byte) (fm, body []byte, err error) {
	i := 0
	for i < len(b) && b[i] != '\n' {
		i++
	}
	n, perr := strconv.Atoi(string(b[:i]))
	if i == len(b) || perr != nil || n < 0 || n > len(b)-i-1 {
		return nil, nil, errors.New("revision record is malformed")
	}
	rest := b[i+1:]
	return rest[:n], rest[n:], nil
}

// key returns the story's unwrapped key: ErrLocked, ErrErased, ErrNotFound.
func (s *Store) key(ctx context.Context, storyID string) (*storyKey, error) {
	var wrapped []byte
	err := s.db.QueryRowContext(ctx, s.q("SELECT wrapped FROM story_keys WHERE story_id = ?"), storyID).Scan(&wrapped)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, s.missing(ctx, storyID)
	}
	if err != nil {
		return nil, err
	}
	return s.unwrap(storyID, wrapped)
}

// Revision returns revision rev of the story's language lang (rev 0: the
// current one), decrypted. ErrNotFound, ErrErased, ErrLocked, ErrTampered.
func (s *Store) Revision(ctx context.Context, storyID, lang string, rev int64) (Revision, error) {
	k, err := s.key(ctx, storyID)
	if err != nil {
		return Revision{}, err
	}
	return s.revision(ctx, k, storyID, lang, rev)
}

func (s *Store) revision(ctx context.Context, k *storyKey, storyID, lang string, rev int64) (Revision, error) {
	if rev == 0 {
		err := s.db.QueryRowContext(ctx, s.q("SELECT current_rev FROM story_languages WHERE story_id = ? AND lang = ?"), storyID, lang).Scan(&rev)
		if errors.Is(err, sql.ErrNoRows) {
			return Revision{}, fmt.Errorf("story %s index.%s.md: %w", storyID, safeLang(lang), ErrNotFound)
		}
		if err != nil {
			return Revision{}, err
		}
	}
	r := Revision{StoryID: storyID, Lang: lang, Rev: rev}
	var staff int
	var at int64
	var ct []byte
	err := s.db.QueryRowContext(ctx, s.q("SELECT author, typed_by_staff, created_at, text_ct FROM revisions WHERE story_id = ? AND lang = ? AND rev = ?"), storyID, lang, rev).
		Scan(&r.Author, &staff, &at, &ct)
	if errors.Is(err, sql.ErrNoRows) {
		return Revision{}, fmt.Errorf("story %s index.%s.md revision %d: %w", storyID, safeLang(lang), rev, ErrNotFound)
	}
	if err != nil {
		return Revision{}, err
	}
	plain, err := k.openFor(storyID, revAddr(storyID, lang, rev), ct)
	if err != nil {
		return Revision{}, err
	}
	if r.FrontMatter, r.Body, err = decodeRevision(plain); err != nil {
		return Revision{}, fmt.Errorf("story %s index.%s.md revision %d: %w", storyID, lang, rev, err)
	}
	r.TypedByStaff, r.CreatedAt = staff == 1, time.UnixMilli(at).UTC()
	return r, nil
}

func safeLang(lang string) string {
	if langRe.MatchString(lang) {
		return lang
	}
	return "??"
}

// RevisionInfo is a revision's plaintext record: who saved it and when.
type RevisionInfo struct {
	Lang         string
	Rev          int64
	Author       string
	TypedByStaff bool
	CreatedAt    time.Time
}

// Revisions lists the revisions of every language of the story, oldest
// first, without decrypting them.
func (s *Store) Revisions(ctx context.Context, storyID string) ([]RevisionInfo, error) {
	rows, err := s.db.QueryContext(ctx, s.q("SELECT lang, rev, author, typed_by_staff, created_at FROM revisions WHERE story_id = ? ORDER BY lang, rev"), storyID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []RevisionInfo
	for rows.Next() {
		var ri RevisionInfo
		var staff int
		var at int64
		if err := rows.Scan(&ri.Lang, &ri.Rev, &ri.Author, &staff, &at); err != nil {
			return nil, err
		}
		ri.TypedByStaff, ri.CreatedAt = staff == 1, time.UnixMilli(at).UTC()
		out = append(out, ri)
	}
	return out, rows.Err()
}

// List returns every stored story (not the erased ones), oldest first,
// without decrypting anything: it works without the vault key.
func (s *Store) List(ctx context.Context) ([]Summary, error) {
	return s.list(ctx, "", nil)
}

// ListOwnedBy is List of the stories whose owner is the account: what a
// storyteller may see (the desk's access check shows her nothing else).
func (s *Store) ListOwnedBy(ctx context.Context, accountID string) ([]Summary, error) {
	return s.list(ctx, "WHERE s.owner_account = ?", []any{accountID})
}

func (s *Store) list(ctx context.Context, where string, args []any) ([]Summary, error) {
	rows, err := s.db.QueryContext(ctx, s.q(`SELECT s.id, s.state, s.owner_account, s.created_at, s.updated_at, l.lang, l.current_rev, l.published_rev
FROM stories s LEFT JOIN story_languages l ON l.story_id = s.id `+where+`
ORDER BY s.created_at, s.id, l.lang`), args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Summary
	for rows.Next() {
		var sm Summary
		var state string
		var c, u int64
		var lang, owner sql.NullString
		var rev, pub sql.NullInt64
		if err := rows.Scan(&sm.ID, &state, &owner, &c, &u, &lang, &rev, &pub); err != nil {
			return nil, err
		}
		if n := len(out); n == 0 || out[n-1].ID != sm.ID {
			sm.State, sm.Owner, sm.CreatedAt, sm.UpdatedAt = State(state), owner.String, time.UnixMilli(c).UTC(), time.UnixMilli(u).UTC()
			sm.Languages, sm.Published = map[string]int64{}, map[string]int64{}
			out = append(out, sm)
		}
		if lang.Valid {
			out[len(out)-1].Languages[lang.String] = rev.Int64
			if pub.Int64 > 0 {
				out[len(out)-1].Published[lang.String] = pub.Int64
			}
		}
	}
	return out, rows.Err()
}

// summary returns one story's Summary.
func (s *Store) summary(ctx context.Context, id string) (Summary, error) {
	one, err := s.list(ctx, "WHERE s.id = ?", []any{id})
	if err != nil {
		return Summary{}, err
	}
	if len(one) == 0 {
		return Summary{}, s.missing(ctx, id)
	}
	return one[0], nil
}

// Get returns the story decrypted: slug and the current revision of each
// language. ErrNotFound, ErrErased, ErrLocked, ErrTampered.
func (s *Store) Get(ctx context.Context, id string) (Story, error) {
	k, err := s.key(ctx, id)
	if err != nil {
		return Story{}, err
	}
	sm, err := s.summary(ctx, id)
	if err != nil {
		return Story{}, err
	}
	st := Story{Summary: sm, Current: map[string]Revision{}}
	if st.Slug, err = s.slug(ctx, k, id); err != nil {
		return Story{}, err
	}
	for lang, rev := range sm.Languages {
		r, err := s.revision(ctx, k, id, lang, rev)
		if err != nil {
			return Story{}, err
		}
		st.Current[lang] = r
	}
	return st, nil
}

// slug returns the story's decrypted slug.
func (s *Store) slug(ctx context.Context, k *storyKey, id string) (string, error) {
	var meta []byte
	if err := s.db.QueryRowContext(ctx, s.q("SELECT meta_ct FROM stories WHERE id = ?"), id).Scan(&meta); err != nil {
		return "", err
	}
	slug, err := k.openFor(id, "stories/"+id+"/slug", meta)
	if err != nil {
		return "", err
	}
	// Anyone who can write to the database can encrypt to the story's
	// public recipient: check the slug again before it names a folder.
	if len(slug) > 80 || !slugRe.Match(slug) {
		return "", fmt.Errorf("story %s: stored slug: %w", id, ErrTampered)
	}
	return string(slug), nil
}

// SetState moves the story to state and records a "state.<state>" event
// by the account by. Use RecordWithdrawal for the withdrawal levels:
// StateStopped and StateWithdrawn are refused here (ErrInvalid), and a
// withdrawn story cannot move at all (ErrWithdrawn). A stopped story may
// be resumed (the storyteller said yes again).
func (s *Store) SetState(ctx context.Context, id string, state State, by string) error {
	if !state.Valid() || state == StateStopped || state == StateWithdrawn {
		return fmt.Errorf("set state: field state: %w", ErrInvalid)
	}
	if err := checkBy(by); err != nil {
		return fmt.Errorf("set state: %w", err)
	}
	now := s.millis()
	return s.inTx(ctx, func(tx *sql.Tx) error {
		if err := s.notWithdrawn(ctx, tx, id); err != nil {
			return err
		}
		if _, err := s.exec(ctx, tx, "UPDATE stories SET state = ?, updated_at = ? WHERE id = ?", string(state), now, id); err != nil {
			return err
		}
		return s.event(ctx, tx, id, "state."+string(state), by, now)
	})
}

// notWithdrawn returns ErrWithdrawn for a withdrawn story, ErrNotFound or
// ErrErased for a missing one, inside tx (so the check and the write that
// follows it see the same row).
func (s *Store) notWithdrawn(ctx context.Context, tx *sql.Tx, id string) error {
	var state string
	err := tx.QueryRowContext(ctx, s.q("SELECT state FROM stories WHERE id = ?"), id).Scan(&state)
	if errors.Is(err, sql.ErrNoRows) {
		return s.missing(ctx, id)
	}
	if err != nil {
		return err
	}
	if State(state) == StateWithdrawn {
		return fmt.Errorf("story %s: %w", id, ErrWithdrawn)
	}
	return nil
}

// SetOwner records the storyteller's account as the story's owner (the
// account whose stories a storyteller sees). ErrNotFound when the story
// or an active storyteller account is missing; ErrInvalid when the account
// is staff.
func (s *Store) SetOwner(ctx context.Context, storyID, accountID, by string) error {
	if err := checkBy(by); err != nil {
		return fmt.Errorf("set owner: %w", err)
	}
	now := s.millis()
	return s.inTx(ctx, func(tx *sql.Tx) error {
		var role string
		err := tx.QueryRowContext(ctx, s.q("SELECT role FROM accounts WHERE id = ? AND disabled_at IS NULL"), accountID).Scan(&role)
		if errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("set owner: account: %w", ErrNotFound)
		}
		if err != nil {
			return err
		}
		if Role(role) != RoleStoryteller {
			return fmt.Errorf("set owner: field account: %w: not a storyteller's account", ErrInvalid)
		}
		res, err := s.exec(ctx, tx, "UPDATE stories SET owner_account = ?, updated_at = ? WHERE id = ?", accountID, now, storyID)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return s.missing(ctx, storyID)
		}
		return s.event(ctx, tx, storyID, "owner", by, now)
	})
}

// MarkPublished records, per language, the revision a publish just put
// live (revs: language -> revision), so a later "stop new uses" keeps
// exactly those. The pipeline calls it after a deploy succeeded. A
// revision that is not stored is refused (ErrNotFound) and nothing is
// recorded.
func (s *Store) MarkPublished(ctx context.Context, storyID string, revs map[string]int64) error {
	return s.inTx(ctx, func(tx *sql.Tx) error {
		for lang, rev := range revs {
			var n int
			if err := tx.QueryRowContext(ctx, s.q("SELECT COUNT(*) FROM revisions WHERE story_id = ? AND lang = ? AND rev = ?"), storyID, lang, rev).Scan(&n); err != nil {
				return err
			}
			if n == 0 {
				return fmt.Errorf("mark published: story %s index.%s.md revision %d: %w", safeID(storyID), safeLang(lang), rev, ErrNotFound)
			}
			if _, err := s.exec(ctx, tx, "UPDATE story_languages SET published_rev = ? WHERE story_id = ? AND lang = ?", rev, storyID, lang); err != nil {
				return err
			}
		}
		return nil
	})
}

// Event is one thing that happened to a story: ids, kind and date only.
type Event struct {
	Kind      string // created, revision.<lang>, state.<state>, consent, comment, withdraw.<level>
	AccountID string
	At        time.Time
}

// Events returns the story's events, oldest first.
func (s *Store) Events(ctx context.Context, id string) ([]Event, error) {
	rows, err := s.db.QueryContext(ctx, s.q("SELECT kind, account_id, at FROM story_events WHERE story_id = ? ORDER BY at, id"), id)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Event
	for rows.Next() {
		var e Event
		var at int64
		if err := rows.Scan(&e.Kind, &e.AccountID, &at); err != nil {
			return nil, err
		}
		e.At = time.UnixMilli(at).UTC()
		out = append(out, e)
	}
	return out, rows.Err()
}

package stories

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// ConsentAnswers is one set of the storyteller's answers to the desk's
// consent questions (the desk's format, opaque here), encrypted to the
// story key. The latest set is the current one.
type ConsentAnswers struct {
	ID        string // "ca-..."
	Author    string
	CreatedAt time.Time
	Answers   []byte
}

// AddConsentAnswers stores a new set of answers by the account by and
// records a "consent" event. ErrNotFound, ErrErased, ErrInvalid.
func (s *Store) AddConsentAnswers(ctx context.Context, storyID string, answers []byte, by string) (string, error) {
	return s.addRecord(ctx, storyID, "consent_answers", "consent", "", answers, by)
}

// ConsentAnswers returns the story's answer sets, oldest first, decrypted.
func (s *Store) ConsentAnswers(ctx context.Context, storyID string) ([]ConsentAnswers, error) {
	var out []ConsentAnswers
	err := s.records(ctx, storyID, "consent_answers", func(id, lang, author string, at time.Time, plain []byte) {
		out = append(out, ConsentAnswers{ID: id, Author: author, CreatedAt: at, Answers: plain})
	})
	return out, err
}

// Comment is a note on a story (a suggested edit, a question), in one
// language, encrypted to the story key.
type Comment struct {
	ID        string // "cm-..."
	Lang      string
	Author    string
	CreatedAt time.Time
	Text      string
}

// AddComment stores a comment on the story's language lang by the account
// by and records a "comment" event. ErrNotFound, ErrErased, ErrInvalid.
func (s *Store) AddComment(ctx context.Context, storyID, lang, text, by string) (string, error) {
	if !langRe.MatchString(lang) {
		return "", fmt.Errorf("add comment: field lang: %w", ErrInvalid)
	}
	return s.addRecord(ctx, storyID, "comments", "comment", lang, []byte(text), by)
}

// Comments returns the story's comments, oldest first, decrypted.
func (s *Store) Comments(ctx context.Context, storyID string) ([]Comment, error) {
	var out []Comment
	err := s.records(ctx, storyID, "comments", func(id, lang, author string, at time.Time, plain []byte) {
		out = append(out, Comment{ID: id, Lang: lang, Author: author, CreatedAt: at, Text: string(plain)})
	})
	return out, err
}

// record tables: name -> (id prefix, ciphertext column, has lang).
var recordTables = map[string]struct {
	prefix, col string
	lang        bool
}{
	"consent_answers": {"ca-", "answers_ct", false},
	"comments":        {"cm-", "text_ct", true},
}

func (s *Store) addRecord(ctx context.Context, storyID, table, kind, lang string, plain []byte, by string) (string, error) {
	if err := checkBy(by); err != nil {
		return "", fmt.Errorf("add %s: %w", kind, err)
	}
	rc, err := s.recipient(ctx, s.db, storyID)
	if err != nil {
		return "", err
	}
	t := recordTables[table]
	id := newID(t.prefix)
	ct, err := sealFor(rc, table+"/"+storyID+"/"+id, plain)
	if err != nil {
		return "", err
	}
	now := s.millis()
	err = s.inTx(ctx, func(tx *sql.Tx) error {
		var err error
		if t.lang {
			_, err = s.exec(ctx, tx, "INSERT INTO "+table+" (id, story_id, lang, author, created_at, "+t.col+") VALUES (?, ?, ?, ?, ?, ?)", id, storyID, lang, by, now, ct)
		} else {
			_, err = s.exec(ctx, tx, "INSERT INTO "+table+" (id, story_id, author, created_at, "+t.col+") VALUES (?, ?, ?, ?, ?)", id, storyID, by, now, ct)
		}
		if err != nil {
			return err
		}
		return s.event(ctx, tx, storyID, kind, by, now)
	})
	return id, err
}

func (s *Store) records(ctx context.Context, storyID, table string, fn func(id, lang, author string, at time.Time, plain []byte)) error {
	k, err := s.key(ctx, storyID)
	if err != nil {
		return err
	}
	t := recordTables[table]
	langCol := "''"
	if t.lang {
		langCol = "lang"
	}
	rows, err := s.db.QueryContext(ctx, s.q("SELECT id, "+langCol+", author, created_at, "+t.col+" FROM "+table+" WHERE story_id = ? ORDER BY created_at, id"), storyID)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var id, lang, author string
		var at int64
		var ct []byte
		if err := rows.Scan(&id, &lang, &author, &at, &ct); err != nil {
			return err
		}
		plain, err := k.openFor(storyID, table+"/"+storyID+"/"+id, ct)
		if err != nil {
			return err
		}
		fn(id, lang, author, time.UnixMilli(at).UTC(), plain)
	}
	return rows.Err()
}

// WithdrawLevel is how far a withdrawal goes (issue #14).
type WithdrawLevel string

// The three levels; each is recorded as a "withdraw.<level>" event.
const (
	// StopNewUses: nothing new goes out; what is live stays until staff
	// act. State becomes StateStopped.
	StopNewUses WithdrawLevel = "stop_new_uses"
	// TakeDown: today's withdrawal (storyguard withdraw: every page and
	// object deleted). State becomes StateWithdrawn.
	TakeDown WithdrawLevel = "take_down"
	// TakeDownAndErase: TakeDown, then Erase: key and rows destroyed.
	TakeDownAndErase WithdrawLevel = "erase"
)

// RecordWithdrawal records the storyteller's withdrawal at level: the
// state and a "withdraw.<level>" event, in one transaction. StopNewUses on
// a story already taken down is refused (ErrWithdrawn). It does not
// take anything down: the caller runs the takedown (publish.Withdraw)
// for TakeDown and TakeDownAndErase and, for TakeDownAndErase, calls
// Erase once the takedown is proven (so a failed takedown can be run
// again with the story's id and text still at hand).
func (s *Store) RecordWithdrawal(ctx context.Context, storyID string, level WithdrawLevel, by string) error {
	state := StateWithdrawn
	switch level {
	case StopNewUses:
		state = StateStopped
	case TakeDown, TakeDownAndErase:
	default:
		return fmt.Errorf("withdraw: field level: %w: not stop_new_uses, take_down or erase", ErrInvalid)
	}
	if err := checkBy(by); err != nil {
		return fmt.Errorf("withdraw: %w", err)
	}
	now := s.millis()
	return s.inTx(ctx, func(tx *sql.Tx) error {
		// Taken down stays taken down: a later "stop new uses" must not
		// bring back what is live. Taking down again is recorded (a rerun
		// that finishes an interrupted takedown).
		if err := s.notWithdrawn(ctx, tx, storyID); err != nil && (level == StopNewUses || !errors.Is(err, ErrWithdrawn)) {
			return err
		}
		if _, err := s.exec(ctx, tx, "UPDATE stories SET state = ?, updated_at = ? WHERE id = ?", string(state), now, storyID); err != nil {
			return err
		}
		return s.event(ctx, tx, storyID, "withdraw."+string(level), by, now)
	})
}

// Erased is what remains of an erased story: its id and dates.
type Erased struct {
	StoryID   string
	CreatedAt time.Time
	ErasedAt  time.Time
	AccountID string
}

// Erase destroys the story: in one transaction it deletes the wrapped
// story key and every row of the story (revisions, languages, consent
// answers, comments, approvals, events, the story), keeping only its id and dates in
// erased_stories (an erased id is never reused). With the key gone, no
// copy of the database taken before, backups included, can be decrypted
// again, even with the vault key. On SQLite, secure_delete has zeroed the
// deleted content in the database pages, and Erase then checkpoints the
// WAL and truncates it, so no page of the story survives in any file of
// the store (an error is returned if a reader kept the checkpoint from
// completing: run Erase again, it finishes the job). ErrNotFound when the
// story does not exist; erasing an erased story again only checkpoints.
func (s *Store) Erase(ctx context.Context, storyID, by string) error {
	if err := checkBy(by); err != nil {
		return fmt.Errorf("erase: %w", err)
	}
	now := s.millis()
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		var created int64
		err := tx.QueryRowContext(ctx, s.q("SELECT created_at FROM stories WHERE id = ?"), storyID).Scan(&created)
		if errors.Is(err, sql.ErrNoRows) {
			if me := s.missingTx(ctx, tx, storyID); me != nil {
				return me
			}
			return nil // already erased
		}
		if err != nil {
			return err
		}
		for _, table := range []string{"story_keys", "revisions", "story_languages", "consent_answers", "comments", "approvals", "story_events"} {
			if _, err := s.exec(ctx, tx, "DELETE FROM "+table+" WHERE story_id = ?", storyID); err != nil {
				return fmt.Errorf("erase story %s: %w", storyID, err)
			}
		}
		if _, err := s.exec(ctx, tx, "DELETE FROM stories WHERE id = ?", storyID); err != nil {
			return fmt.Errorf("erase story %s: %w", storyID, err)
		}
		_, err = s.exec(ctx, tx, "INSERT INTO erased_stories (story_id, created_at, erased_at, account_id) VALUES (?, ?, ?, ?)", storyID, created, now, by)
		return err
	})
	if err != nil {
		return err
	}
	if !s.pg {
		return s.checkpoint(ctx)
	}
	return nil
}

// missingTx is missing inside a transaction: nil when the id was erased,
// else ErrNotFound.
func (s *Store) missingTx(ctx context.Context, tx *sql.Tx, id string) error {
	var n int
	if err := tx.QueryRowContext(ctx, s.q("SELECT COUNT(*) FROM erased_stories WHERE story_id = ?"), id).Scan(&n); err != nil {
		return err
	}
	if n > 0 {
		return nil
	}
	return fmt.Errorf("story %s: %w", safeID(id), ErrNotFound)
}

// ErasedStories returns the erased stories' ids and dates, oldest first.
func (s *Store) ErasedStories(ctx context.Context) ([]Erased, error) {
	rows, err := s.db.QueryContext(ctx, "SELECT story_id, created_at, erased_at, account_id FROM erased_stories ORDER BY erased_at, story_id")
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Erased
	for rows.Next() {
		var e Erased
		var c, d int64
		if err := rows.Scan(&e.StoryID, &c, &d, &e.AccountID); err != nil {
			return nil, err
		}
		e.CreatedAt, e.ErasedAt = time.UnixMilli(c).UTC(), time.UnixMilli(d).UTC()
		out = append(out, e)
	}
	return out, rows.Err()
}

// Approval records that the storyteller approved one exact revision of
// one language: Digest is the approval digest of that page
// (review.approved_sha256, consent.ApprovalDigest of the materialised
// page), encrypted to the story key.
type Approval struct {
	Lang      string
	Rev       int64
	Digest    string
	By        string // her account id
	ReadAloud bool   // staff read the text aloud to her
	At        time.Time
}

// RecordApproval records a.By's approval of revision a.Rev of a.Lang,
// and an "approval.<lang>" event, in one transaction. The revision must
// be the current one: when a newer revision was saved since the page she
// read was shown, nothing is recorded and the error is a *StaleError
// (she approves what she read, never a later text). ErrInvalid for an
// empty digest or a bad language or account; ErrWithdrawn, ErrNotFound.
func (s *Store) RecordApproval(ctx context.Context, storyID string, a Approval) error {
	if !langRe.MatchString(a.Lang) || a.Digest == "" || a.Rev < 1 {
		return fmt.Errorf("record approval: %w: language, revision and digest are required", ErrInvalid)
	}
	if err := checkBy(a.By); err != nil {
		return fmt.Errorf("record approval: %w", err)
	}
	rc, err := s.recipient(ctx, s.db, storyID)
	if err != nil {
		return err
	}
	id := newID("ap-")
	ct, err := sealFor(rc, "approvals/"+storyID+"/"+id, []byte(a.Digest))
	if err != nil {
		return err
	}
	now := s.millis()
	return s.inTx(ctx, func(tx *sql.Tx) error {
		if err := s.notWithdrawn(ctx, tx, storyID); err != nil {
			return err
		}
		var cur int64
		err := tx.QueryRowContext(ctx, s.q("SELECT current_rev FROM story_languages WHERE story_id = ? AND lang = ?"), storyID, a.Lang).Scan(&cur)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return err
		}
		if cur != a.Rev {
			return &StaleError{StoryID: storyID, Lang: a.Lang, Base: a.Rev, Current: cur}
		}
		aloud := 0
		if a.ReadAloud {
			aloud = 1
		}
		if _, err := s.exec(ctx, tx, "INSERT INTO approvals (id, story_id, lang, rev, account_id, read_aloud, at, digest_ct) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
			id, storyID, a.Lang, a.Rev, a.By, aloud, now, ct); err != nil {
			return err
		}
		return s.event(ctx, tx, storyID, "approval."+a.Lang, a.By, now)
	})
}

// Approvals returns the story's approvals, oldest first, decrypted.
func (s *Store) Approvals(ctx context.Context, storyID string) ([]Approval, error) {
	k, err := s.key(ctx, storyID)
	if err != nil {
		return nil, err
	}
	rows, err := s.db.QueryContext(ctx, s.q("SELECT id, lang, rev, account_id, read_aloud, at, digest_ct FROM approvals WHERE story_id = ? ORDER BY at, id"), storyID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Approval
	for rows.Next() {
		var id string
		var a Approval
		var aloud int
		var at int64
		var ct []byte
		if err := rows.Scan(&id, &a.Lang, &a.Rev, &a.By, &aloud, &at, &ct); err != nil {
			return nil, err
		}
		d, err := k.openFor(storyID, "approvals/"+storyID+"/"+id, ct)
		if err != nil {
			return nil, err
		}
		a.Digest, a.ReadAloud, a.At = string(d), aloud == 1, time.UnixMilli(at).UTC()
		out = append(out, a)
	}
	return out, rows.Err()
}

package stories

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"time"
)

// Role is what an account may do in the desk (the desk's access check
// decides; the store only records it).
type Role string

// The roles of DESIGN.md "The desk".
const (
	RoleStoryteller Role = "storyteller"
	RoleEditor      Role = "editor"
	RolePublisher   Role = "publisher"
	RoleAdmin       Role = "admin"
)

// Valid reports whether r is one of the four roles.
func (r Role) Valid() bool {
	switch r {
	case RoleStoryteller, RoleEditor, RolePublisher, RoleAdmin:
		return true
	}
	return false
}

// Errors of the account API; callers tell them apart with errors.Is.
var (
	// ErrNotFound: no such account, story, session or credential.
	ErrNotFound = errors.New("not found")
	// ErrCodeInvalid: the enrolment code is unknown, used or expired (one
	// error for all three, so the desk cannot tell an attacker which).
	ErrCodeInvalid = errors.New("enrolment code invalid, used or expired")
	// ErrSessionInvalid: the session token is unknown, revoked or expired.
	ErrSessionInvalid = errors.New("session invalid or expired")
	// ErrInvalid: an argument failed validation (the value is not echoed).
	ErrInvalid = errors.New("invalid argument")
	// ErrExists: the id or credential is already stored.
	ErrExists = errors.New("already exists")
)

var (
	accountIDRe = regexp.MustCompile(`^acct-[a-z0-9]{4,32}$`)
	personIDRe  = regexp.MustCompile(`^p-[a-z0-9]{2,32}$`)
)

// Account is a desk account. Label is the display label shown to staff
// ("Ana*"; never a real name, but still stored encrypted to the vault's
// recipients); it is empty when the store is locked (no identities) or
// none was given.
type Account struct {
	ID         string // "acct-" and 26 lowercase letters or digits
	Role       Role
	PersonID   string // registry person id, for a storyteller; "" otherwise
	Label      string
	CreatedAt  time.Time
	DisabledAt time.Time // zero while the account is active
	// Enrolling is true while the account has neither a sign-in secret
	// nor a passkey (a new account, or one after ResetAccess): the desk
	// lets it do nothing but choose one.
	Enrolling bool
}

// CreateAccount stores a new account with a fresh id and returns it.
// role must be valid; personID is required for a storyteller (a registry
// id "p-..."), and refused for staff. Errors wrap ErrInvalid, naming the
// field but not its value.
func (s *Store) CreateAccount(ctx context.Context, role Role, personID, label string) (Account, error) {
	if !role.Valid() {
		return Account{}, fmt.Errorf("create account: field role: %w: not storyteller, editor, publisher or admin", ErrInvalid)
	}
	if role == RoleStoryteller && !personIDRe.MatchString(personID) {
		return Account{}, fmt.Errorf("create account: field person: %w: a storyteller needs a registry person id (p- and letters or digits)", ErrInvalid)
	}
	if role != RoleStoryteller && personID != "" {
		return Account{}, fmt.Errorf("create account: field person: %w: only a storyteller's account names a person", ErrInvalid)
	}
	var labelCT []byte
	if label != "" {
		var err error
		if labelCT, err = seal(s.recipients, []byte(label)); err != nil {
			return Account{}, fmt.Errorf("create account: encrypt label: %w", err)
		}
	}
	a := Account{ID: newID("acct-"), Role: role, PersonID: personID, Label: label, CreatedAt: time.UnixMilli(s.millis()).UTC()}
	_, err := s.exec(ctx, nil, "INSERT INTO accounts (id, role, person_id, label_ct, created_at) VALUES (?, ?, ?, ?, ?)",
		a.ID, string(a.Role), nullString(personID), labelCT, a.CreatedAt.UnixMilli())
	if err != nil {
		return Account{}, fmt.Errorf("create account: %w", err)
	}
	return a, nil
}

func nullString(v string) sql.NullString { return sql.NullString{String: v, Valid: v != ""} }

func nullTime(ms sql.NullInt64) time.Time {
	if !ms.Valid {
		return time.Time{}
	}
	return time.UnixMilli(ms.Int64).UTC()
}

const accountCols = `id, role, person_id, label_ct, created_at, disabled_at,
  (SELECT COUNT(*) FROM sign_in_secrets x WHERE x.account_id = accounts.id) + (SELECT COUNT(*) FROM passkeys x WHERE x.account_id = accounts.id)`

func (s *Store) scanAccount(row interface{ Scan(...any) error }) (Account, error) {
	var a Account
	var role string
	var person sql.NullString
	var label []byte
	var created int64
	var disabled sql.NullInt64
	var ways int
	if err := row.Scan(&a.ID, &role, &person, &label, &created, &disabled, &ways); err != nil {
		return Account{}, err
	}
	a.Enrolling = ways == 0
	a.Role, a.PersonID = Role(role), person.String
	a.CreatedAt, a.DisabledAt = time.UnixMilli(created).UTC(), nullTime(disabled)
	if len(label) > 0 && len(s.identities) > 0 {
		if plain, err := open(s.identities, label); err == nil {
			a.Label = string(plain)
		}
	}
	return a, nil
}

// Account returns the account id; ErrNotFound when there is none.
func (s *Store) Account(ctx context.Context, id string) (Account, error) {
	a, err := s.scanAccount(s.db.QueryRowContext(ctx, s.q("SELECT "+accountCols+" FROM accounts WHERE id = ?"), id))
	if errors.Is(err, sql.ErrNoRows) {
		return Account{}, fmt.Errorf("account: %w", ErrNotFound)
	}
	return a, err
}

// Accounts returns every account, oldest first.
func (s *Store) Accounts(ctx context.Context) ([]Account, error) {
	rows, err := s.db.QueryContext(ctx, "SELECT "+accountCols+" FROM accounts ORDER BY created_at, id")
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Account
	for rows.Next() {
		a, err := s.scanAccount(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, a)
	}
	return out, rows.Err()
}

// SetRole changes an account's role (a storyteller's stays storyteller:
// ErrInvalid). ErrNotFound when there is no such account.
func (s *Store) SetRole(ctx context.Context, id string, role Role) error {
	if !role.Valid() || role == RoleStoryteller {
		return fmt.Errorf("set role: field role: %w", ErrInvalid)
	}
	return s.affectOne(ctx, nil, "set role", "UPDATE accounts SET role = ? WHERE id = ? AND role <> 'storyteller'", string(role), id)
}

// DisableAccount marks the account disabled and, in the same transaction,
// revokes all its sessions and unused enrolment codes. ErrNotFound when
// there is no such account.
func (s *Store) DisableAccount(ctx context.Context, id string) error {
	now := s.millis()
	return s.inTx(ctx, func(tx *sql.Tx) error {
		if err := s.affectOne(ctx, tx, "disable account", "UPDATE accounts SET disabled_at = ? WHERE id = ?", now, id); err != nil {
			return err
		}
		if _, err := s.exec(ctx, tx, "DELETE FROM sessions WHERE account_id = ?", id); err != nil {
			return err
		}
		_, err := s.exec(ctx, tx, "DELETE FROM enrolment_codes WHERE account_id = ? AND used_at IS NULL", id)
		return err
	})
}

func (s *Store) affectOne(ctx context.Context, tx *sql.Tx, what, query string, args ...any) error {
	res, err := s.exec(ctx, tx, query, args...)
	if err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("%s: %w", what, ErrNotFound)
	}
	return nil
}

// accountExists returns nil when the account exists (and, when active,
// is not disabled), else an error wrapping ErrNotFound prefixed by what.
func (s *Store) accountExists(ctx context.Context, tx *sql.Tx, what, accountID string, active bool) error {
	query := "SELECT COUNT(*) FROM accounts WHERE id = ?"
	if active {
		query += " AND disabled_at IS NULL"
	}
	var n int
	if err := tx.QueryRowContext(ctx, s.q(query), accountID).Scan(&n); err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	if n == 0 {
		return fmt.Errorf("%s: account: %w", what, ErrNotFound)
	}
	return nil
}

func digest(secret string) []byte {
	h := sha256.Sum256([]byte(secret))
	return h[:]
}

// AddEnrolmentCode stores the SHA-256 of code for the account, usable once
// until expires. The code itself is the desk's (its length and alphabet are
// the desk's policy: give it enough entropy, since only its hash is here).
// ErrNotFound when there is no such active account; ErrExists when the same
// code is already stored.
func (s *Store) AddEnrolmentCode(ctx context.Context, accountID, code string, expires time.Time) error {
	if code == "" {
		return fmt.Errorf("add enrolment code: field code: %w: empty", ErrInvalid)
	}
	return s.inTx(ctx, func(tx *sql.Tx) error {
		return s.addCode(ctx, tx, accountID, code, expires)
	})
}

func (s *Store) addCode(ctx context.Context, tx *sql.Tx, accountID, code string, expires time.Time) error {
	if err := s.accountExists(ctx, tx, "add enrolment code", accountID, true); err != nil {
		return err
	}
	res, err := s.exec(ctx, tx, "INSERT INTO enrolment_codes (code_hash, account_id, created_at, expires_at) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING",
		digest(code), accountID, s.millis(), expires.UTC().UnixMilli())
	if err != nil {
		return fmt.Errorf("add enrolment code: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("add enrolment code: %w", ErrExists)
	}
	return nil
}

// consumeCodeSQL uses a code up, returning its account (args: now, code
// hash, now); upsertSecretSQL stores a verifier (args: account, verifier,
// now). ConsumeEnrolmentCode, EnrolWithCode and SetSecret share them.
const (
	consumeCodeSQL = `UPDATE enrolment_codes SET used_at = ?
WHERE code_hash = ? AND used_at IS NULL AND expires_at > ?
  AND account_id IN (SELECT id FROM accounts WHERE disabled_at IS NULL)
RETURNING account_id`
	upsertSecretSQL = `INSERT INTO sign_in_secrets (account_id, verifier, updated_at) VALUES (?, ?, ?)
ON CONFLICT (account_id) DO UPDATE SET verifier = excluded.verifier, updated_at = excluded.updated_at`
)

// ConsumeEnrolmentCode marks code used and returns its account id, in one
// statement (UPDATE ... WHERE used_at IS NULL ... RETURNING): of any number
// of concurrent calls with one code, on one machine or several, exactly one
// succeeds. ErrCodeInvalid when the code is unknown, already used, expired
// (expires at or before now) or its account is disabled.
func (s *Store) ConsumeEnrolmentCode(ctx context.Context, code string) (string, error) {
	now := s.millis()
	var acct string
	err := s.db.QueryRowContext(ctx, s.q(consumeCodeSQL), now, digest(code), now).Scan(&acct)
	if errors.Is(err, sql.ErrNoRows) {
		return "", ErrCodeInvalid
	}
	if err != nil {
		return "", fmt.Errorf("consume enrolment code: %w", err)
	}
	return acct, nil
}

// EnrolmentCodeAccount returns the account id of code while it can still
// be used (not used, not expired, its account not disabled), without
// using it: the desk checks the code when she types it and uses it up
// only when she has chosen her phrase (EnrolWithCode), so an enrolment
// left half-way does not strand her. ErrCodeInvalid otherwise.
func (s *Store) EnrolmentCodeAccount(ctx context.Context, code string) (string, error) {
	var acct string
	err := s.db.QueryRowContext(ctx, s.q(`SELECT account_id FROM enrolment_codes
WHERE code_hash = ? AND used_at IS NULL AND expires_at > ?
  AND account_id IN (SELECT id FROM accounts WHERE disabled_at IS NULL)`), digest(code), s.millis()).Scan(&acct)
	if errors.Is(err, sql.ErrNoRows) {
		return "", ErrCodeInvalid
	}
	if err != nil {
		return "", fmt.Errorf("enrolment code: %w", err)
	}
	return acct, nil
}

// EnrolWithCode uses code up and stores verifier as its account's sign-in
// secret in one transaction, deleting the account's sessions as SetSecret
// does: either the code is used and the phrase set, or neither. The code
// is consumed as by ConsumeEnrolmentCode (one UPDATE ... WHERE used_at IS
// NULL), so of concurrent calls with one code exactly one succeeds.
// ErrCodeInvalid when the code is unknown, used, expired or its account
// disabled; ErrInvalid for an empty verifier.
func (s *Store) EnrolWithCode(ctx context.Context, code string, verifier []byte) (string, error) {
	if len(verifier) == 0 {
		return "", fmt.Errorf("enrol with code: field verifier: %w: empty", ErrInvalid)
	}
	var acct string
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		now := s.millis()
		err := tx.QueryRowContext(ctx, s.q(consumeCodeSQL), now, digest(code), now).Scan(&acct)
		if errors.Is(err, sql.ErrNoRows) {
			return ErrCodeInvalid
		}
		if err != nil {
			return fmt.Errorf("enrol with code: %w", err)
		}
		if _, err := s.exec(ctx, tx, upsertSecretSQL, acct, verifier, now); err != nil {
			return fmt.Errorf("enrol with code: %w", err)
		}
		_, err = s.exec(ctx, tx, "DELETE FROM sessions WHERE account_id = ?", acct)
		return err
	})
	if err != nil {
		return "", err
	}
	return acct, nil
}

// SetSecret stores the account's sign-in verifier (opaque bytes the desk
// computed, e.g. an argon2id hash with its parameters), replacing any
// earlier one, and in the same transaction deletes the account's sessions
// (a new phrase signs out everywhere; the desk creates the new session
// after). ErrNotFound when there is no such account.
func (s *Store) SetSecret(ctx context.Context, accountID string, verifier []byte) error {
	if len(verifier) == 0 {
		return fmt.Errorf("set secret: field verifier: %w: empty", ErrInvalid)
	}
	return s.inTx(ctx, func(tx *sql.Tx) error {
		if err := s.accountExists(ctx, tx, "set secret", accountID, false); err != nil {
			return err
		}
		if _, err := s.exec(ctx, tx, upsertSecretSQL, accountID, verifier, s.millis()); err != nil {
			return err
		}
		_, err := s.exec(ctx, tx, "DELETE FROM sessions WHERE account_id = ?", accountID)
		return err
	})
}

// Secret returns the account's sign-in verifier; ErrNotFound when it has
// none.
func (s *Store) Secret(ctx context.Context, accountID string) ([]byte, error) {
	var v []byte
	err := s.db.QueryRowContext(ctx, s.q("SELECT verifier FROM sign_in_secrets WHERE account_id = ?"), accountID).Scan(&v)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("secret: %w", ErrNotFound)
	}
	return v, err
}

// Passkey is a stored passkey credential: its credential id and the desk's
// opaque record of it (public key, sign count, ...).
type Passkey struct {
	CredentialID []byte
	AccountID    string
	Data         []byte
	CreatedAt    time.Time
	UpdatedAt    time.Time
}

// AddPasskey stores a credential for the account. ErrExists when the
// credential id is already stored (for any account); ErrNotFound when
// there is no such account.
func (s *Store) AddPasskey(ctx context.Context, accountID string, credentialID, data []byte) error {
	if len(credentialID) == 0 || len(data) == 0 {
		return fmt.Errorf("add passkey: %w: empty credential", ErrInvalid)
	}
	now := s.millis()
	return s.inTx(ctx, func(tx *sql.Tx) error {
		if err := s.accountExists(ctx, tx, "add passkey", accountID, false); err != nil {
			return err
		}
		res, err := s.exec(ctx, tx, "INSERT INTO passkeys (credential_id, account_id, data, created_at, updated_at) VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
			credentialID, accountID, data, now, now)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return fmt.Errorf("add passkey: %w", ErrExists)
		}
		return nil
	})
}

// PasskeyByCredential returns the credential with that id; ErrNotFound
// when there is none.
func (s *Store) PasskeyByCredential(ctx context.Context, credentialID []byte) (Passkey, error) {
	var p Passkey
	var c, u int64
	err := s.db.QueryRowContext(ctx, s.q("SELECT credential_id, account_id, data, created_at, updated_at FROM passkeys WHERE credential_id = ?"), credentialID).
		Scan(&p.CredentialID, &p.AccountID, &p.Data, &c, &u)
	if errors.Is(err, sql.ErrNoRows) {
		return Passkey{}, fmt.Errorf("passkey: %w", ErrNotFound)
	}
	p.CreatedAt, p.UpdatedAt = time.UnixMilli(c).UTC(), time.UnixMilli(u).UTC()
	return p, err
}

// Passkeys returns the account's credentials, oldest first.
func (s *Store) Passkeys(ctx context.Context, accountID string) ([]Passkey, error) {
	rows, err := s.db.QueryContext(ctx, s.q("SELECT credential_id, account_id, data, created_at, updated_at FROM passkeys WHERE account_id = ? ORDER BY created_at"), accountID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Passkey
	for rows.Next() {
		var p Passkey
		var c, u int64
		if err := rows.Scan(&p.CredentialID, &p.AccountID, &p.Data, &c, &u); err != nil {
			return nil, err
		}
		p.CreatedAt, p.UpdatedAt = time.UnixMilli(c).UTC(), time.UnixMilli(u).UTC()
		out = append(out, p)
	}
	return out, rows.Err()
}

// UpdatePasskey replaces the credential's record (after a sign-in raised
// its sign count). ErrNotFound when there is no such credential.
func (s *Store) UpdatePasskey(ctx context.Context, credentialID, data []byte) error {
	return s.affectOne(ctx, nil, "update passkey", "UPDATE passkeys SET data = ?, updated_at = ? WHERE credential_id = ?", data, s.millis(), credentialID)
}

// DeletePasskey removes the credential. ErrNotFound when there is none.
func (s *Store) DeletePasskey(ctx context.Context, credentialID []byte) error {
	return s.affectOne(ctx, nil, "delete passkey", "DELETE FROM passkeys WHERE credential_id = ?", credentialID)
}

// Session is a signed-in session, stored under the SHA-256 of its token
// (the token is the desk's; it is never stored).
type Session struct {
	AccountID  string
	CreatedAt  time.Time
	LastSeenAt time.Time
	ExpiresAt  time.Time
	// Data is the desk's opaque record of the session, written once when
	// it starts (CreateSessionData); nil when none was given.
	Data []byte
}

// CreateSession stores a session for the account under the hash of token,
// expiring at expires, with no data (CreateSessionData). ErrNotFound when
// there is no such active account; ErrExists when the token is already
// stored.
func (s *Store) CreateSession(ctx context.Context, accountID, token string, expires time.Time) error {
	return s.CreateSessionData(ctx, accountID, token, expires, nil)
}

// CreateSessionData is CreateSession with the desk's data for the session,
// stored in the same statement, so that no session is ever seen without
// it. Errors as CreateSession.
func (s *Store) CreateSessionData(ctx context.Context, accountID, token string, expires time.Time, data []byte) error {
	if token == "" {
		return fmt.Errorf("create session: field token: %w: empty", ErrInvalid)
	}
	now := s.millis()
	return s.inTx(ctx, func(tx *sql.Tx) error {
		if err := s.accountExists(ctx, tx, "create session", accountID, true); err != nil {
			return err
		}
		res, err := s.exec(ctx, tx, "INSERT INTO sessions (token_hash, account_id, created_at, last_seen_at, expires_at, data) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
			digest(token), accountID, now, now, expires.UTC().UnixMilli(), data)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return fmt.Errorf("create session: %w", ErrExists)
		}
		return nil
	})
}

const sessionCols = "account_id, created_at, last_seen_at, expires_at, data"

func scanSession(row interface{ Scan(...any) error }) (Session, error) {
	var ss Session
	var c, l, e int64
	if err := row.Scan(&ss.AccountID, &c, &l, &e, &ss.Data); err != nil {
		return Session{}, err
	}
	ss.CreatedAt, ss.LastSeenAt, ss.ExpiresAt = time.UnixMilli(c).UTC(), time.UnixMilli(l).UTC(), time.UnixMilli(e).UTC()
	return ss, nil
}

// LookupSession returns the session of token, without touching it, when
// it is live (not expired at now, account not disabled): the desk reads
// its stored times to judge the idle timeout and the maximum age by its
// own clock before it calls TouchSession. ErrSessionInvalid otherwise.
func (s *Store) LookupSession(ctx context.Context, token string) (Session, error) {
	ss, err := scanSession(s.db.QueryRowContext(ctx, s.q(`SELECT `+sessionCols+` FROM sessions
WHERE token_hash = ? AND expires_at > ?
  AND account_id IN (SELECT id FROM accounts WHERE disabled_at IS NULL)`), digest(token), s.millis()))
	if errors.Is(err, sql.ErrNoRows) {
		return Session{}, ErrSessionInvalid
	}
	if err != nil {
		return Session{}, fmt.Errorf("lookup session: %w", err)
	}
	return ss, nil
}

// TouchSession looks the session up by token and, when it is live (not
// expired at now, account not disabled), records now as last seen and sets
// its expiry to expires (the desk's idle timeout; the zero time keeps the
// old expiry). ErrSessionInvalid otherwise.
func (s *Store) TouchSession(ctx context.Context, token string, expires time.Time) (Session, error) {
	now := s.millis()
	exp := sql.NullInt64{Int64: expires.UTC().UnixMilli(), Valid: !expires.IsZero()}
	ss, err := scanSession(s.db.QueryRowContext(ctx, s.q(`UPDATE sessions SET last_seen_at = ?, expires_at = COALESCE(?, expires_at)
WHERE token_hash = ? AND expires_at > ?
  AND account_id IN (SELECT id FROM accounts WHERE disabled_at IS NULL)
RETURNING `+sessionCols), now, exp, digest(token), now))
	if errors.Is(err, sql.ErrNoRows) {
		return Session{}, ErrSessionInvalid
	}
	if err != nil {
		return Session{}, fmt.Errorf("touch session: %w", err)
	}
	return ss, nil
}

// RevokeSession deletes the session of token (sign out). Revoking an
// unknown token is not an error.
func (s *Store) RevokeSession(ctx context.Context, token string) error {
	_, err := s.exec(ctx, nil, "DELETE FROM sessions WHERE token_hash = ?", digest(token))
	return err
}

// RevokeSessions deletes every session of the account (sign out
// everywhere) and returns how many there were.
func (s *Store) RevokeSessions(ctx context.Context, accountID string) (int64, error) {
	res, err := s.exec(ctx, nil, "DELETE FROM sessions WHERE account_id = ?", accountID)
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}

// ResetAccess is the revoke-everything of a lost phrase or phone: in one
// transaction it deletes the account's sign-in secret, passkeys, sessions
// and unused enrolment codes, and stores newCode (its hash) as the one way
// back in, valid until expires. Either all of it happens or none.
// ErrNotFound when there is no such active account.
func (s *Store) ResetAccess(ctx context.Context, accountID, newCode string, expires time.Time) error {
	if newCode == "" {
		return fmt.Errorf("reset access: field code: %w: empty", ErrInvalid)
	}
	return s.inTx(ctx, func(tx *sql.Tx) error {
		for _, q := range []string{
			"DELETE FROM sign_in_secrets WHERE account_id = ?",
			"DELETE FROM passkeys WHERE account_id = ?",
			"DELETE FROM sessions WHERE account_id = ?",
			"DELETE FROM enrolment_codes WHERE account_id = ? AND used_at IS NULL",
		} {
			if _, err := s.exec(ctx, tx, q, accountID); err != nil {
				return fmt.Errorf("reset access: %w", err)
			}
		}
		return s.addCode(ctx, tx, accountID, newCode, expires)
	})
}

// loginHash is the SHA-256 of the sign-in name, trimmed and lowercased.
func loginHash(login string) []byte { return digest(strings.ToLower(strings.TrimSpace(login))) }

// SetLogin gives the account a sign-in name (chosen with staff, never her
// name; compared without case), stored only as its SHA-256 and replacing
// any earlier one. ErrExists when another account has that name;
// ErrNotFound when there is no such account.
func (s *Store) SetLogin(ctx context.Context, accountID, login string) error {
	if strings.TrimSpace(login) == "" {
		return fmt.Errorf("set login: field login: %w: empty", ErrInvalid)
	}
	return s.inTx(ctx, func(tx *sql.Tx) error {
		if err := s.accountExists(ctx, tx, "set login", accountID, false); err != nil {
			return err
		}
		var owner string
		err := tx.QueryRowContext(ctx, s.q("SELECT account_id FROM account_logins WHERE login_hash = ?"), loginHash(login)).Scan(&owner)
		if err == nil && owner != accountID {
			return fmt.Errorf("set login: %w", ErrExists)
		}
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return err
		}
		if _, err := s.exec(ctx, tx, "DELETE FROM account_logins WHERE account_id = ?", accountID); err != nil {
			return err
		}
		res, err := s.exec(ctx, tx, "INSERT INTO account_logins (login_hash, account_id) VALUES (?, ?) ON CONFLICT DO NOTHING", loginHash(login), accountID)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return fmt.Errorf("set login: %w", ErrExists) // taken by a concurrent SetLogin
		}
		return nil
	})
}

// AccountByLogin returns the account with that sign-in name; ErrNotFound
// when there is none (the desk must not tell the two apart to the user).
func (s *Store) AccountByLogin(ctx context.Context, login string) (Account, error) {
	a, err := s.scanAccount(s.db.QueryRowContext(ctx, s.q("SELECT "+accountCols+" FROM accounts WHERE id = (SELECT account_id FROM account_logins WHERE login_hash = ?)"), loginHash(login)))
	if errors.Is(err, sql.ErrNoRows) {
		return Account{}, fmt.Errorf("account: %w", ErrNotFound)
	}
	return a, err
}

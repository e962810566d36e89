// Package stories is the story store: stories written in the desk, with
// their revisions, consent answers, comments and events, kept outside git
// in a database beside the vault, and the desk's accounts (DESIGN.md
// "Where stories live: outside git", "The desk").
//
// # Engines
//
// SQLite (modernc.org/sqlite, pure Go) in the file <vault>/desk.db is the
// default; PostgreSQL 15 or later (github.com/jackc/pgx/v5 through its
// database/sql driver) when STORYGUARD_DATABASE_URL names one. One *sql.DB
// and one set of queries serve both: portable SQL with ? placeholders,
// numbered for PostgreSQL by Store.q. SQLite runs with _txlock=immediate
// (a transaction takes the write lock at BEGIN, so concurrent writers queue
// for up to busy_timeout, 10 s), journal_mode=WAL, synchronous=FULL,
// foreign_keys and secure_delete; Open checks that they took effect.
//
// # Migrations
//
// Plain SQL files migrations/NNNN_name.sql, embedded in the binary, applied
// by Open in version order, each in one transaction and recorded in
// schema_migrations (version, name, applied_at). A database that records a
// version this binary does not know is refused with ErrDatabaseNewer.
//
// # Encryption at rest
//
// Every story has its own age X25519 key. Its text (every revision), slug,
// consent answers and comments are age-encrypted to that key, each value
// bound to the row it is stored in (ErrTampered when moved). The story key
// is stored only wrapped (age-encrypted) to the vault's recipients, in the
// table story_keys, apart from the data. In plaintext the database holds
// only ids (st-..., acct-..., p-...), states, language codes, event kinds,
// counts and dates. Reading needs the vault's identities (Options.
// Identities); without them writes still work and reads fail with
// ErrLocked. Erase deletes the wrapped key and every row: no copy of the
// database taken before can be decrypted again, even with the vault key.
//
// # Accounts API (for tools/desk)
//
// Policy (code generation, argon2id parameters, cookies, timeouts) is the
// desk's; storage and atomicity are this package's.
//
//   - CreateAccount(ctx, role, personID, label) (Account, error): id
//     "acct-" + 26 random [a-z0-9]; role storyteller | editor | publisher |
//     admin; personID (registry "p-...") for a storyteller only; label
//     (optional display label, never a real name) stored age-encrypted to
//     the vault recipients. Account, Accounts, SetRole (staff roles only),
//     DisableAccount (also revokes its sessions and unused codes).
//     Account.Enrolling: no secret and no passkey yet.
//   - Sign-in names: SetLogin(ctx, acct, login) stores SHA-256 of the
//     trimmed, lowercased name (unique: ErrExists); AccountByLogin.
//   - Enrolment codes: AddEnrolmentCode(ctx, acct, code, expires) stores
//     SHA-256(code) only; ConsumeEnrolmentCode(ctx, code) (acct, error)
//     marks it used in one UPDATE ... RETURNING: of concurrent uses exactly
//     one wins; unknown, used, expired and disabled are one error,
//     ErrCodeInvalid.
//   - Sign-in secret: SetSecret(ctx, acct, verifier []byte) (also deletes
//     the account's sessions, in the same transaction), Secret(ctx, acct):
//     opaque bytes the desk computed with argon2id.
//   - Passkeys: AddPasskey(ctx, acct, credentialID, data),
//     PasskeyByCredential, Passkeys, UpdatePasskey, DeletePasskey: opaque
//     blobs keyed by credential id (unique across accounts: ErrExists).
//   - Sessions, stored by SHA-256 of the token: CreateSession(ctx, acct,
//     token, expires), CreateSessionData with the desk's opaque record of
//     it; LookupSession(ctx, token) reads it untouched; TouchSession(ctx,
//     token, newExpiry) (Session, error) records last seen and returns the
//     account and the stored times, ErrSessionInvalid when
//     unknown, revoked, expired or the account is disabled; RevokeSession
//     (sign out); RevokeSessions(ctx, acct) (sign out everywhere).
//   - ResetAccess(ctx, acct, newCode, expires): when a phrase or phone is
//     lost, deletes the secret, passkeys, sessions and unused codes and
//     stores the new code, in one transaction.
//
// # Stories API
//
//   - Create(ctx, slug, by) (story id, error): a fresh "st-" id, its own
//     key, state drafting; CreateWithID for an imported bundle's id (an
//     erased id is never reused: ErrExists). SetOwner(ctx, story, acct,
//     by) names the storyteller's account; ListOwnedBy(ctx, acct) is all
//     a storyteller may see.
//   - SaveRevision(ctx, story, lang, base, Revision{FrontMatter, Body,
//     Author, TypedByStaff}) (rev, error): per-language revisions 1, 2, ...;
//     a base that is not the latest is refused with *StaleError (ErrStale)
//     carrying the latest, never merged. Revision(ctx, story, lang, rev)
//     (rev 0: current), Revisions (plaintext records only), Get (slug and
//     current revisions, decrypted), List (ids, states, owner, languages,
//     dates; nothing decrypted).
//   - AddConsentAnswers / ConsentAnswers, AddComment / Comments
//     (encrypted), Events (ids, kinds and dates only), SetState (the
//     queue; never out of withdrawn: ErrWithdrawn).
//   - RecordApproval(ctx, story, Approval{Lang, Rev, Digest, By,
//     ReadAloud}): only of the current revision (else *StaleError), the
//     digest encrypted; Approvals.
//   - Withdrawal: RecordWithdrawal(ctx, story, StopNewUses | TakeDown |
//     TakeDownAndErase, by) records the level; the caller runs the takedown,
//     then, for TakeDownAndErase, Erase(ctx, story, by).
//     MarkPublished(ctx, story, lang -> rev) records what a publish put
//     live, which is all Materialise writes of a stopped story.
//   - Materialise(ctx, contentDir, defaultLang) ([]Bundle, error) writes
//     the stored stories as page bundles into a build stage;
//     SaveBack(ctx, contentDir, bundles, by) saves as new revisions the
//     pages a command (approve, withdraw) changed there, each on the
//     revision written (a desk edit meanwhile: *StaleError, never lost);
//     NameDiagnostics renames findings on them to DeskName(story, lang),
//     "desk:<story id>/index.<lang>.md". Import(ctx, root, defaultLang,
//     by) moves content/stories/ bundles in, byte for byte.
//   - OpenForVault(ctx, vaultDir, registry, identities, getenv) is Open
//     for a vault: STORYGUARD_DATABASE_URL or <vault>/desk.db.
//
// Errors callers tell apart: ErrNotFound, ErrExists, ErrInvalid (names the
// field, never echoes the value), ErrCodeInvalid, ErrSessionInvalid,
// ErrLocked, ErrErased, ErrWithdrawn, ErrTampered, ErrStale (a *StaleError),
// ErrDatabaseNewer, ErrNoRecipients, identity.ErrDemoKey.
package stories

-- 0001_init: the desk's accounts and the story store.
-- Portable SQL: it runs unchanged on SQLite (modernc.org/sqlite) and
-- PostgreSQL 15. Times are BIGINT Unix milliseconds (UTC), flags are
-- SMALLINT 0/1, opaque bytes are BYTEA (SQLite stores them as blobs).
-- Nothing personal is stored in plaintext: names, labels, slugs, text,
-- consent answers and comments are age ciphertext (see crypt.go).

CREATE TABLE accounts (
    id          TEXT PRIMARY KEY,        -- acct-...
    role        TEXT NOT NULL,           -- storyteller | editor | publisher | admin
    person_id   TEXT,                    -- registry person id (p-...), storytellers only
    label_ct    BYTEA,                   -- display label, age-encrypted to the vault recipients
    created_at  BIGINT NOT NULL,
    disabled_at BIGINT
);

CREATE TABLE enrolment_codes (
    code_hash   BYTEA PRIMARY KEY,       -- SHA-256 of the code; the code itself is never stored
    account_id  TEXT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    created_at  BIGINT NOT NULL,
    expires_at  BIGINT NOT NULL,
    used_at     BIGINT
);
CREATE INDEX enrolment_codes_account ON enrolment_codes(account_id);

CREATE TABLE sign_in_secrets (
    account_id  TEXT PRIMARY KEY REFERENCES accounts(id) ON DELETE CASCADE,
    verifier    BYTEA NOT NULL,          -- opaque, computed by the desk (argon2id)
    updated_at  BIGINT NOT NULL
);

CREATE TABLE passkeys (
    credential_id BYTEA PRIMARY KEY,
    account_id    TEXT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    data          BYTEA NOT NULL,        -- opaque credential record, the desk's format
    created_at    BIGINT NOT NULL,
    updated_at    BIGINT NOT NULL
);
CREATE INDEX passkeys_account ON passkeys(account_id);

CREATE TABLE sessions (
    token_hash   BYTEA PRIMARY KEY,      -- SHA-256 of the session token
    account_id   TEXT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    created_at   BIGINT NOT NULL,
    last_seen_at BIGINT NOT NULL,
    expires_at   BIGINT NOT NULL
);
CREATE INDEX sessions_account ON sessions(account_id);

CREATE TABLE stories (
    id          TEXT PRIMARY KEY,        -- st-...
    state       TEXT NOT NULL,
    recipient   TEXT NOT NULL,           -- the story key's public half (age1...)
    meta_ct     BYTEA NOT NULL,          -- slug and the like, encrypted to the story key
    created_at  BIGINT NOT NULL,
    updated_at  BIGINT NOT NULL
);

-- The story keys live apart from the data: one row per story, the story's
-- age identity encrypted to the vault's recipients. Erase deletes it.
CREATE TABLE story_keys (
    story_id    TEXT PRIMARY KEY REFERENCES stories(id) ON DELETE CASCADE,
    wrapped     BYTEA NOT NULL,
    created_at  BIGINT NOT NULL
);

CREATE TABLE story_languages (
    story_id    TEXT NOT NULL REFERENCES stories(id) ON DELETE CASCADE,
    lang        TEXT NOT NULL,
    current_rev BIGINT NOT NULL,
    updated_at  BIGINT NOT NULL,
    PRIMARY KEY (story_id, lang)
);

CREATE TABLE revisions (
    story_id       TEXT NOT NULL REFERENCES stories(id) ON DELETE CASCADE,
    lang           TEXT NOT NULL,
    rev            BIGINT NOT NULL,
    author         TEXT NOT NULL,        -- account id
    typed_by_staff SMALLINT NOT NULL,
    created_at     BIGINT NOT NULL,
    text_ct        BYTEA NOT NULL,       -- front matter and body, encrypted to the story key
    PRIMARY KEY (story_id, lang, rev)
);

CREATE TABLE consent_answers (
    id          TEXT PRIMARY KEY,        -- ca-...
    story_id    TEXT NOT NULL REFERENCES stories(id) ON DELETE CASCADE,
    author      TEXT NOT NULL,
    created_at  BIGINT NOT NULL,
    answers_ct  BYTEA NOT NULL
);
CREATE INDEX consent_answers_story ON consent_answers(story_id, created_at);

CREATE TABLE comments (
    id          TEXT PRIMARY KEY,        -- cm-...
    story_id    TEXT NOT NULL REFERENCES stories(id) ON DELETE CASCADE,
    lang        TEXT NOT NULL,
    author      TEXT NOT NULL,
    created_at  BIGINT NOT NULL,
    text_ct     BYTEA NOT NULL
);
CREATE INDEX comments_story ON comments(story_id, created_at);

CREATE TABLE story_events (
    id          TEXT PRIMARY KEY,        -- ev-...
    story_id    TEXT NOT NULL REFERENCES stories(id) ON DELETE CASCADE,
    kind        TEXT NOT NULL,
    account_id  TEXT NOT NULL,
    at          BIGINT NOT NULL
);
CREATE INDEX story_events_story ON story_events(story_id, at);

-- What remains of an erased story: its id and the dates, nothing else, so
-- the id is never reused and staff can prove the erasure.
CREATE TABLE erased_stories (
    story_id    TEXT PRIMARY KEY,
    created_at  BIGINT NOT NULL,
    erased_at   BIGINT NOT NULL,
    account_id  TEXT NOT NULL
);

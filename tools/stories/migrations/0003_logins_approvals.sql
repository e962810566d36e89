-- 0003_logins_approvals: sign-in names and the storyteller's approvals.
-- login_hash: SHA-256 of the sign-in name chosen with staff (never her
-- name), lowercased; unique, so one name opens one account.
-- approvals: that a storyteller approved one exact revision; the digest
-- (review.approved_sha256) is encrypted to the story key like the text.
CREATE TABLE account_logins (
    login_hash  BYTEA PRIMARY KEY,
    account_id  TEXT NOT NULL UNIQUE REFERENCES accounts(id) ON DELETE CASCADE
);

CREATE TABLE approvals (
    id          TEXT PRIMARY KEY,        -- ap-...
    story_id    TEXT NOT NULL REFERENCES stories(id) ON DELETE CASCADE,
    lang        TEXT NOT NULL,
    rev         BIGINT NOT NULL,
    account_id  TEXT NOT NULL,
    read_aloud  SMALLINT NOT NULL,
    at          BIGINT NOT NULL,
    digest_ct   BYTEA NOT NULL
);
CREATE INDEX approvals_story ON approvals(story_id, lang, at);

-- 0002_owner_published: who a story belongs to, and what of it is live.
-- owner_account: the storyteller's account (acct-...), the one the desk's
-- access check compares; NULL until staff assign it.
-- published_rev: per language, the revision the last publish put live (0:
-- never), so "stop new uses" can keep exactly that and nothing newer.
ALTER TABLE stories ADD COLUMN owner_account TEXT;
CREATE INDEX stories_owner ON stories(owner_account);
ALTER TABLE story_languages ADD COLUMN published_rev BIGINT NOT NULL DEFAULT 0;

-- 0004_session_data: the desk's own record of a session.
-- data: opaque bytes the desk writes when the session starts (whether it
-- is an enrolment session, and the check that refuses a story holding her
-- phrase, keyed by the session token, which is never stored); NULL for a
-- session that carries none.
ALTER TABLE sessions ADD COLUMN data BYTEA;

-- Up Migration
-- BACKUPCODE (DESIGN §15): a user's set of one-time codes is one authenticator (verification_type
-- 'BACKUPCODE', no enrollment exchange) and one row per code here, holding only the code's
-- HMAC-SHA256 (keyed from SECRET_KEY, the key id in the authenticator's data). A code is used
-- by one conditional UPDATE (used_at IS NULL), so of any number of racing sign-ins with one
-- code exactly one succeeds; a used code stays, so a replay is told apart from a wrong code.
-- Regeneration deletes the set and inserts the new one; removing the authenticator removes it.
CREATE TABLE backup_codes (
  ph_id     uuid        NOT NULL REFERENCES authenticators (ph_id) ON DELETE CASCADE,
  code_hash bytea       NOT NULL CHECK (length(code_hash) = 32),
  used_at   timestamptz,
  PRIMARY KEY (ph_id, code_hash)
);

-- Down Migration
DROP TABLE backup_codes;

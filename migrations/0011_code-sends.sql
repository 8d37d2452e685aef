-- Up Migration
-- One row per SMS or email code sent, for the send caps of the code methods (DESIGN §11): at
-- most 5 per destination per 10 minutes and per user per hour, counted over a sliding window.
-- `key` is an HMAC of what is limited (the destination, or tenant and user), never the
-- destination itself; rows older than the longest window are deleted as new ones are written.
CREATE TABLE code_sends (
  key     text        NOT NULL CHECK (length(key) BETWEEN 1 AND 128),
  sent_at timestamptz NOT NULL
);
CREATE INDEX code_sends_key_sent_at ON code_sends (key, sent_at);

-- Down Migration
DROP TABLE code_sends;

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

-- A live exchange waiting for a message (an SMS or email code) names it in
-- `method_state.delivery.message_id`; when the outbox finishes the message, the exchange's
-- status document shows the outcome, found by this index.
CREATE INDEX exchanges_delivery_message ON exchanges ((method_state->'delivery'->>'message_id'))
  WHERE method_state ? 'delivery' AND status IN ('INITIATED', 'SCANNED');

-- Down Migration
DROP INDEX exchanges_delivery_message;
DROP TABLE code_sends;

-- Up Migration
-- PUSH approval (DESIGN §10). Device keys live in the generic `authenticators.public_key`
-- (the public JWK as JSON); what PUSH adds is what must be unique or counted.
--
-- 1. A device token (`Authorization: Device <jws>`) is used once: its `jti` is recorded per
--    device until the token expires, and a second use conflicts on the primary key. Rows go
--    with their device.
CREATE TABLE push_device_token_uses (
  ph_id      uuid        NOT NULL REFERENCES authenticators (ph_id) ON DELETE CASCADE,
  jti        text        NOT NULL CHECK (length(jti) BETWEEN 1 AND 128),
  expires_at timestamptz NOT NULL,
  PRIMARY KEY (ph_id, jti)
);
CREATE INDEX push_device_token_uses_expiry ON push_device_token_uses (expires_at);

-- 2. Push-fatigue lockouts: 3 denials within 10 minutes, or one answer reported as fraud,
--    lock PUSH sign-in for the user until `locked_until`.
CREATE TABLE push_lockouts (
  tenant_id    text        NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
  sub          text        NOT NULL,
  locked_until timestamptz NOT NULL,
  reason       text        NOT NULL CHECK (reason IN ('denials', 'fraud')),
  PRIMARY KEY (tenant_id, sub)
);

-- 3. What a device polls for, and what the pending limit counts: a user's live PUSH challenges.
CREATE INDEX exchanges_pending_push ON exchanges (tenant_id, sub, created_at)
  WHERE kind = 'challenge' AND verification_type = 'PUSH' AND status = 'INITIATED';

-- Down Migration
DROP INDEX exchanges_pending_push;
DROP TABLE push_lockouts;
DROP TABLE push_device_token_uses;

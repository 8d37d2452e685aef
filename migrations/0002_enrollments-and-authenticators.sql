-- Up Migration
CREATE TABLE enrollments (
  status_id               uuid        PRIMARY KEY,
  exchange_id             uuid        NOT NULL UNIQUE,
  tenant_id               text        NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
  sub                     text        NOT NULL,
  verification_type       text        NOT NULL,
  status                  text        NOT NULL CHECK (status IN ('INITIATED', 'SCANNED', 'ENROLLED', 'EXPIRED', 'CANCELLED', 'FAILED')),
  authenticator_client_id uuid        NOT NULL,
  -- AES-256-GCM (iv | tag | data); cleared once the enrollment ends so dead secrets do not linger.
  secret_ciphertext       bytea,
  secret_key_id           text,
  algorithm               text        NOT NULL,
  digits                  smallint    NOT NULL,
  period                  smallint    NOT NULL,
  window_steps            smallint    NOT NULL,
  device_id               text,
  push_id                 text,
  public_key              text,
  ph_id                   uuid,
  failed_attempts         integer     NOT NULL DEFAULT 0,
  max_attempts            integer     NOT NULL,
  expires_at              timestamptz NOT NULL,
  created_at              timestamptz NOT NULL,
  updated_at              timestamptz NOT NULL,
  -- Bumped by every change; the status ETag and event ordering use it.
  version                 integer     NOT NULL DEFAULT 1,
  CHECK ((status IN ('INITIATED', 'SCANNED')) = (secret_ciphertext IS NOT NULL))
);
CREATE INDEX enrollments_live_expiry ON enrollments (expires_at) WHERE status IN ('INITIATED', 'SCANNED');
CREATE INDEX enrollments_owner ON enrollments (tenant_id, sub);

-- Exchange ids replaced by a rotation, so using one says "replaced" rather than "unknown".
CREATE TABLE retired_exchanges (
  exchange_id uuid        PRIMARY KEY,
  status_id   uuid        NOT NULL REFERENCES enrollments (status_id) ON DELETE CASCADE,
  retired_at  timestamptz NOT NULL
);

CREATE TABLE authenticators (
  ph_id                uuid        PRIMARY KEY,
  tenant_id            text        NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
  sub                  text        NOT NULL,
  verification_type    text        NOT NULL,
  -- One enrollment can never produce two authenticators, whatever races.
  enrollment_status_id uuid        NOT NULL UNIQUE REFERENCES enrollments (status_id),
  device_id            text,
  push_id              text,
  public_key           text,
  friendly_name        text,
  secret_ciphertext    bytea       NOT NULL,
  secret_key_id        text        NOT NULL,
  algorithm            text        NOT NULL,
  digits               smallint    NOT NULL,
  period               smallint    NOT NULL,
  window_steps         smallint    NOT NULL,
  -- The last TOTP step accepted: a code at or before it is a replay.
  last_used_step       bigint      NOT NULL,
  created_at           timestamptz NOT NULL,
  last_used_at         timestamptz
);
CREATE INDEX authenticators_owner ON authenticators (tenant_id, sub, verification_type);

CREATE TABLE sign_in_throttle (
  tenant_id         text        NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
  sub               text        NOT NULL,
  verification_type text        NOT NULL,
  failures          integer     NOT NULL DEFAULT 0,
  locked_until      timestamptz,
  PRIMARY KEY (tenant_id, sub, verification_type)
);

-- Down Migration
DROP TABLE sign_in_throttle;
DROP TABLE authenticators;
DROP TABLE retired_exchanges;
DROP TABLE enrollments;

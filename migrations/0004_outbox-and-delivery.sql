-- Up Migration
-- A transactional outbox (shared/outbox): each row is written in the transaction of the change
-- that causes it, and a worker in every process delivers it with retries.
CREATE TABLE outbox (
  id                  uuid        PRIMARY KEY,
  -- Allocation order. A row with an ordering key waits for every earlier open row of its key.
  seq                 bigint      GENERATED ALWAYS AS IDENTITY UNIQUE,
  queue               text        NOT NULL CHECK (length(queue) BETWEEN 1 AND 64),
  ordering_key        text        CHECK (length(ordering_key) BETWEEN 1 AND 256),
  tenant_id           text,
  status              text        NOT NULL CHECK (status IN ('pending', 'in_flight', 'delivered', 'failed')),
  -- Non-secret payloads stay readable (for listing and replaying deliveries)…
  payload             jsonb,
  -- …secret ones (codes) are AES-256-GCM sealed and erased once delivered or given up.
  sealed_payload      bytea,
  sealed_key_id       text,
  -- Kept after the payload is gone: what the row was about, without secrets.
  metadata            jsonb       NOT NULL DEFAULT '{}',
  attempts            integer     NOT NULL DEFAULT 0,
  next_attempt_at     timestamptz NOT NULL,
  -- Past it the row is given up instead of tried again (a code that already expired).
  deadline            timestamptz,
  claimed_by          text,
  claim_token         uuid,
  lease_until         timestamptz,
  last_error          text,
  last_http_status    integer,
  provider_message_id text,
  created_at          timestamptz NOT NULL,
  updated_at          timestamptz NOT NULL,
  finished_at         timestamptz,
  CHECK ((sealed_payload IS NULL) = (sealed_key_id IS NULL)),
  CHECK ((status = 'in_flight') = (claim_token IS NOT NULL)),
  CHECK ((status IN ('delivered', 'failed')) = (finished_at IS NOT NULL))
);
CREATE INDEX outbox_due ON outbox (next_attempt_at) WHERE status = 'pending';
CREATE INDEX outbox_leased ON outbox (lease_until) WHERE status = 'in_flight';
CREATE INDEX outbox_open_keys ON outbox (queue, ordering_key, seq) WHERE status IN ('pending', 'in_flight') AND ordering_key IS NOT NULL;
CREATE INDEX outbox_finished ON outbox (finished_at) WHERE finished_at IS NOT NULL;

-- One row per attempt to deliver an outbox row, whatever its outcome.
CREATE TABLE outbox_attempts (
  id                  bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  outbox_id           uuid        NOT NULL REFERENCES outbox (id) ON DELETE CASCADE,
  attempt             integer     NOT NULL,
  worker              text        NOT NULL,
  started_at          timestamptz NOT NULL,
  finished_at         timestamptz NOT NULL,
  outcome             text        NOT NULL CHECK (outcome IN ('delivered', 'retry', 'failed')),
  http_status         integer,
  error               text,
  provider_message_id text,
  -- False when the worker had lost its claim by the time it recorded this attempt.
  recorded            boolean     NOT NULL DEFAULT true
);
CREATE INDEX outbox_attempts_row ON outbox_attempts (outbox_id, id);

-- Messages the development `log` provider sent, for GET /verification-srv/dev/outbox. The
-- provider is refused in production, so nothing is ever written here there; rows are sealed.
CREATE TABLE dev_outbox_messages (
  id             bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  message_id     uuid        NOT NULL,
  destination    text        NOT NULL,
  sealed_content bytea       NOT NULL,
  sealed_key_id  text        NOT NULL,
  created_at     timestamptz NOT NULL
);
CREATE INDEX dev_outbox_messages_destination ON dev_outbox_messages (destination, id DESC);

-- Down Migration
DROP TABLE dev_outbox_messages;
DROP TABLE outbox_attempts;
DROP TABLE outbox;

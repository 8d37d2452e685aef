-- Up Migration
-- Tenant webhook endpoints (DESIGN §17). Each event an endpoint subscribes to becomes one row of
-- the outbox (queue 'webhook', ordering key = the endpoint id), written in the transaction of
-- the change; the outbox row id is the webhook-id receivers deduplicate by.
CREATE TABLE webhook_endpoints (
  id                     uuid        PRIMARY KEY,
  tenant_id              text        NOT NULL,
  url                    text        NOT NULL CHECK (length(url) BETWEEN 1 AND 2048),
  description            text        CHECK (length(description) <= 256),
  -- Event types, or '*' for every type.
  events                 text[]      NOT NULL CHECK (cardinality(events) >= 1),
  -- 'disabled' after the receiver answered 410 Gone: nothing is sent to it any more.
  status                 text        NOT NULL CHECK (status IN ('enabled', 'disabled')),
  disabled_reason        text,
  disabled_at            timestamptz,
  -- The signing secret (whsec_…), AES-256-GCM sealed with the keyring, bound to the endpoint id.
  secret_sealed          bytea       NOT NULL,
  secret_key_id          text        NOT NULL,
  -- After a rotation the previous secret also signs, until previous_expires_at.
  previous_secret_sealed bytea,
  previous_key_id        text,
  previous_expires_at    timestamptz,
  created_at             timestamptz NOT NULL,
  updated_at             timestamptz NOT NULL,
  CHECK ((previous_secret_sealed IS NULL) = (previous_key_id IS NULL)),
  CHECK ((previous_secret_sealed IS NULL) = (previous_expires_at IS NULL)),
  CHECK ((status = 'disabled') = (disabled_at IS NOT NULL))
);
CREATE INDEX webhook_endpoints_tenant ON webhook_endpoints (tenant_id, created_at);

-- An endpoint's deliveries, newest first, whatever their status.
CREATE INDEX outbox_by_key ON outbox (queue, ordering_key, seq) WHERE ordering_key IS NOT NULL;
-- The claim takes keyed rows by their key's head (outbox_open_keys) and the others from here,
-- so a backlog of one endpoint's deliveries is never scanned row by row.
CREATE INDEX outbox_open_unkeyed ON outbox (seq) WHERE ordering_key IS NULL AND status IN ('pending', 'in_flight');

-- Down Migration
DROP INDEX outbox_open_unkeyed;
DROP INDEX outbox_by_key;
DROP TABLE webhook_endpoints;

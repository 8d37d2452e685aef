-- Up Migration
CREATE TABLE tenants (
  id         text PRIMARY KEY CHECK (length(id) BETWEEN 1 AND 128),
  created_at timestamptz NOT NULL DEFAULT now()
);

-- One row per tenant and method once an admin changed anything; absent rows mean defaults.
CREATE TABLE tenant_methods (
  tenant_id                 text        NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
  verification_type         text        NOT NULL,
  active                    boolean     NOT NULL,
  algorithm                 text        NOT NULL CHECK (algorithm IN ('SHA1', 'SHA256', 'SHA512')),
  digits                    smallint    NOT NULL CHECK (digits BETWEEN 6 AND 8),
  period                    smallint    NOT NULL CHECK (period BETWEEN 15 AND 120),
  window_steps              smallint    NOT NULL CHECK (window_steps BETWEEN 0 AND 2),
  exchange_lifetime_seconds integer     NOT NULL CHECK (exchange_lifetime_seconds BETWEEN 60 AND 3600),
  max_devices               smallint    NOT NULL CHECK (max_devices BETWEEN 1 AND 20),
  issuer                    text        CHECK (length(issuer) BETWEEN 1 AND 64),
  updated_at                timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant_id, verification_type)
);

-- Down Migration
DROP TABLE tenant_methods;
DROP TABLE tenants;

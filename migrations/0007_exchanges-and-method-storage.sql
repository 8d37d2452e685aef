-- Up Migration
-- Methods as modules (issue 10): storage no method owns.
--
-- 1. Enrollments become exchanges of two kinds, enrollments and sign-in challenges, each with
--    its own state machine (shared/exchanges/state-machine.ts). TOTP's parameters move from
--    their own columns into `method_state`, where every method keeps what is not secret.
ALTER TABLE enrollments RENAME TO exchanges;
ALTER TABLE exchanges RENAME CONSTRAINT enrollments_pkey TO exchanges_pkey;
ALTER TABLE exchanges RENAME CONSTRAINT enrollments_exchange_id_key TO exchanges_exchange_id_key;
ALTER TABLE exchanges RENAME CONSTRAINT enrollments_tenant_id_fkey TO exchanges_tenant_id_fkey;
ALTER INDEX enrollments_live_expiry RENAME TO exchanges_live_expiry;
ALTER INDEX enrollments_owner RENAME TO exchanges_owner;

ALTER TABLE exchanges ADD COLUMN kind text NOT NULL DEFAULT 'enrollment';
ALTER TABLE exchanges ALTER COLUMN kind DROP DEFAULT;
ALTER TABLE exchanges DROP CONSTRAINT enrollments_status_check;
ALTER TABLE exchanges ADD CONSTRAINT exchanges_kind_status CHECK (
  (kind = 'enrollment' AND status IN ('INITIATED', 'SCANNED', 'ENROLLED', 'EXPIRED', 'CANCELLED', 'FAILED'))
  OR (kind = 'challenge' AND status IN ('INITIATED', 'AUTHENTICATED', 'DENIED', 'EXPIRED', 'CANCELLED', 'FAILED'))
);
-- A secret only while the exchange is live (a method may have none at all); erased when it ends.
ALTER TABLE exchanges DROP CONSTRAINT enrollments_check;
ALTER TABLE exchanges ADD CONSTRAINT exchanges_secret_only_live CHECK (secret_ciphertext IS NULL OR status IN ('INITIATED', 'SCANNED'));
ALTER TABLE exchanges ADD CONSTRAINT exchanges_secret_with_key CHECK ((secret_ciphertext IS NULL) = (secret_key_id IS NULL));
-- Challenges are not shown as a QR code: no companion app client.
ALTER TABLE exchanges ALTER COLUMN authenticator_client_id DROP NOT NULL;

ALTER TABLE exchanges ADD COLUMN method_state jsonb NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(method_state) = 'object');
UPDATE exchanges SET method_state = jsonb_build_object('algorithm', algorithm, 'digits', digits, 'period', period, 'window', window_steps);
ALTER TABLE exchanges DROP COLUMN algorithm, DROP COLUMN digits, DROP COLUMN period, DROP COLUMN window_steps;

-- Retention deletes every ended exchange but an enrollment that produced an authenticator.
DROP INDEX enrollments_ended;
CREATE INDEX exchanges_ended ON exchanges (updated_at) WHERE status NOT IN ('INITIATED', 'SCANNED', 'ENROLLED');

-- 2. Authenticators of any method: the secret is optional, TOTP's parameters move into `data`
--    (non-secret per-method attributes), and the last TOTP step becomes a counter any method
--    may use (a TOTP step, a WebAuthn signature count). A method may enroll without an exchange
--    (BACKUPCODE's codes are generated at once); an enrollment still creates one at most.
--    Methods that need indexes or unique keys add their own columns in their own migrations.
ALTER TABLE authenticators ALTER COLUMN enrollment_status_id DROP NOT NULL;
ALTER TABLE authenticators ADD COLUMN data jsonb NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(data) = 'object');
UPDATE authenticators SET data = jsonb_build_object('algorithm', algorithm, 'digits', digits, 'period', period, 'window', window_steps);
ALTER TABLE authenticators DROP COLUMN algorithm, DROP COLUMN digits, DROP COLUMN period, DROP COLUMN window_steps;
ALTER TABLE authenticators RENAME COLUMN last_used_step TO counter;
ALTER TABLE authenticators ALTER COLUMN counter SET DEFAULT 0;
ALTER TABLE authenticators ALTER COLUMN secret_ciphertext DROP NOT NULL;
ALTER TABLE authenticators ALTER COLUMN secret_key_id DROP NOT NULL;
ALTER TABLE authenticators ADD CONSTRAINT authenticators_secret_with_key CHECK ((secret_ciphertext IS NULL) = (secret_key_id IS NULL));

-- 3. Tenant settings of any method, validated by the method's module on write: the members an
--    admin set (defaults are merged on read).
ALTER TABLE tenant_methods ADD COLUMN settings jsonb NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(settings) = 'object');
UPDATE tenant_methods SET settings = jsonb_build_object(
  'algorithm', algorithm, 'digits', digits, 'period', period, 'window', window_steps,
  'exchange_lifetime', exchange_lifetime_seconds, 'max_devices', max_devices, 'issuer', issuer);
ALTER TABLE tenant_methods
  DROP COLUMN algorithm, DROP COLUMN digits, DROP COLUMN period, DROP COLUMN window_steps,
  DROP COLUMN exchange_lifetime_seconds, DROP COLUMN max_devices, DROP COLUMN issuer;

-- Down Migration
-- Back to TOTP-only storage: what only other methods have (their settings, authenticators and
-- exchanges, and every sign-in challenge) has no place there and is deleted. TOTP members an
-- admin never set take TOTP's defaults.
ALTER TABLE tenant_methods
  ADD COLUMN algorithm text, ADD COLUMN digits smallint, ADD COLUMN period smallint, ADD COLUMN window_steps smallint,
  ADD COLUMN exchange_lifetime_seconds integer, ADD COLUMN max_devices smallint, ADD COLUMN issuer text;
DELETE FROM tenant_methods WHERE verification_type <> 'TOTP';
UPDATE tenant_methods SET
  algorithm = COALESCE(settings->>'algorithm', 'SHA1'),
  digits = COALESCE((settings->>'digits')::smallint, 6),
  period = COALESCE((settings->>'period')::smallint, 30),
  window_steps = COALESCE((settings->>'window')::smallint, 1),
  exchange_lifetime_seconds = COALESCE((settings->>'exchange_lifetime')::integer, 600),
  max_devices = COALESCE((settings->>'max_devices')::smallint, 5),
  issuer = settings->>'issuer';
ALTER TABLE tenant_methods
  ALTER COLUMN algorithm SET NOT NULL, ALTER COLUMN digits SET NOT NULL, ALTER COLUMN period SET NOT NULL,
  ALTER COLUMN window_steps SET NOT NULL, ALTER COLUMN exchange_lifetime_seconds SET NOT NULL, ALTER COLUMN max_devices SET NOT NULL,
  ADD CHECK (algorithm IN ('SHA1', 'SHA256', 'SHA512')),
  ADD CHECK (digits BETWEEN 6 AND 8),
  ADD CHECK (period BETWEEN 15 AND 120),
  ADD CHECK (window_steps BETWEEN 0 AND 2),
  ADD CHECK (exchange_lifetime_seconds BETWEEN 60 AND 3600),
  ADD CHECK (max_devices BETWEEN 1 AND 20),
  ADD CHECK (length(issuer) BETWEEN 1 AND 64),
  DROP COLUMN settings;

DELETE FROM authenticators WHERE verification_type <> 'TOTP' OR secret_ciphertext IS NULL OR enrollment_status_id IS NULL;
ALTER TABLE authenticators ALTER COLUMN enrollment_status_id SET NOT NULL;
ALTER TABLE authenticators DROP CONSTRAINT authenticators_secret_with_key;
ALTER TABLE authenticators ALTER COLUMN secret_ciphertext SET NOT NULL;
ALTER TABLE authenticators ALTER COLUMN secret_key_id SET NOT NULL;
ALTER TABLE authenticators ALTER COLUMN counter DROP DEFAULT;
ALTER TABLE authenticators RENAME COLUMN counter TO last_used_step;
ALTER TABLE authenticators ADD COLUMN algorithm text, ADD COLUMN digits smallint, ADD COLUMN period smallint, ADD COLUMN window_steps smallint;
UPDATE authenticators SET
  algorithm = COALESCE(data->>'algorithm', 'SHA1'), digits = COALESCE((data->>'digits')::smallint, 6),
  period = COALESCE((data->>'period')::smallint, 30), window_steps = COALESCE((data->>'window')::smallint, 1);
ALTER TABLE authenticators
  ALTER COLUMN algorithm SET NOT NULL, ALTER COLUMN digits SET NOT NULL, ALTER COLUMN period SET NOT NULL, ALTER COLUMN window_steps SET NOT NULL,
  DROP COLUMN data;

DELETE FROM exchanges WHERE kind <> 'enrollment' OR verification_type <> 'TOTP';
DROP INDEX exchanges_ended;
CREATE INDEX enrollments_ended ON exchanges (updated_at) WHERE status IN ('EXPIRED', 'CANCELLED', 'FAILED');
ALTER TABLE exchanges ADD COLUMN algorithm text, ADD COLUMN digits smallint, ADD COLUMN period smallint, ADD COLUMN window_steps smallint;
UPDATE exchanges SET
  algorithm = COALESCE(method_state->>'algorithm', 'SHA1'), digits = COALESCE((method_state->>'digits')::smallint, 6),
  period = COALESCE((method_state->>'period')::smallint, 30), window_steps = COALESCE((method_state->>'window')::smallint, 1);
ALTER TABLE exchanges
  ALTER COLUMN algorithm SET NOT NULL, ALTER COLUMN digits SET NOT NULL, ALTER COLUMN period SET NOT NULL, ALTER COLUMN window_steps SET NOT NULL,
  DROP COLUMN method_state;
ALTER TABLE exchanges ALTER COLUMN authenticator_client_id SET NOT NULL;
ALTER TABLE exchanges DROP CONSTRAINT exchanges_secret_with_key;
ALTER TABLE exchanges DROP CONSTRAINT exchanges_secret_only_live;
ALTER TABLE exchanges ADD CONSTRAINT enrollments_check CHECK ((status IN ('INITIATED', 'SCANNED')) = (secret_ciphertext IS NOT NULL));
ALTER TABLE exchanges DROP CONSTRAINT exchanges_kind_status;
ALTER TABLE exchanges ADD CONSTRAINT enrollments_status_check CHECK (status IN ('INITIATED', 'SCANNED', 'ENROLLED', 'EXPIRED', 'CANCELLED', 'FAILED'));
ALTER TABLE exchanges DROP COLUMN kind;
ALTER INDEX exchanges_owner RENAME TO enrollments_owner;
ALTER INDEX exchanges_live_expiry RENAME TO enrollments_live_expiry;
ALTER TABLE exchanges RENAME CONSTRAINT exchanges_tenant_id_fkey TO enrollments_tenant_id_fkey;
ALTER TABLE exchanges RENAME CONSTRAINT exchanges_exchange_id_key TO enrollments_exchange_id_key;
ALTER TABLE exchanges RENAME CONSTRAINT exchanges_pkey TO enrollments_pkey;
ALTER TABLE exchanges RENAME TO enrollments;

-- Up Migration
-- The audit trail (DESIGN §16): one row per security event, hash-chained per tenant.
--
-- Two stages. The service writes each event to audit_pending in the transaction of the change
-- (so a change that rolls back leaves no row, and one that commits cannot lose its event).
-- audit_chain() then moves committed events of a tenant into audit_events in batches, under
-- the tenant's chain head lock, giving each the next seq and its hash. Chaining right in the
-- change's transaction would hold that lock across every commit's WAL flush and serialise all
-- of a tenant's changes (measured: about a third of the unaudited rate); batches take one lock
-- and one flush for many events. Nothing on the recording path NOTIFYs either, since NOTIFY
-- also serialises commits. Readers chain what is pending first, so they never miss an event.
CREATE TABLE audit_events (
  id          uuid        PRIMARY KEY,
  tenant_id   text        NOT NULL,
  -- Position in the tenant's chain: 1, 2, 3, … without gaps.
  seq         bigint      NOT NULL CHECK (seq >= 1),
  at          timestamptz NOT NULL,
  sub         text,
  actor       text,
  event       text        NOT NULL,
  type        text,
  ph_id       text,
  status_id   text,
  outcome     text        NOT NULL,
  ip          text,
  user_agent  text,
  request_id  text,
  details     jsonb       NOT NULL DEFAULT '{}',
  prev_hash   text        NOT NULL CHECK (prev_hash ~ '^[0-9a-f]{64}$'),
  hash        text        NOT NULL CHECK (hash ~ '^[0-9a-f]{64}$'),
  UNIQUE (tenant_id, seq)
);
CREATE INDEX audit_events_sub ON audit_events (tenant_id, sub, seq);
CREATE INDEX audit_events_at ON audit_events (tenant_id, at);

-- One row per tenant: the end of its chain (what reveals rows deleted from the end) and the
-- checkpoint retention deleted up to (checkpoint_hash is the hash of the row at checkpoint_seq,
-- so the chain still verifies from there on).
CREATE TABLE audit_chain_heads (
  tenant_id       text        PRIMARY KEY,
  last_seq        bigint      NOT NULL DEFAULT 0,
  last_id         uuid,
  last_hash       text        NOT NULL,
  checkpoint_seq  bigint      NOT NULL DEFAULT 0,
  checkpoint_hash text        NOT NULL,
  checkpoint_at   timestamptz,
  CHECK (checkpoint_seq <= last_seq)
);

-- Events recorded by committed (or still running) changes, not yet in the chain. Immutable:
-- a row leaves only once audit_chain() put it into audit_events.
CREATE TABLE audit_pending (
  id             uuid        PRIMARY KEY,
  -- The order events were written in; audit_chain() chains a tenant's events in this order.
  pending_seq    bigint      GENERATED ALWAYS AS IDENTITY,
  tenant_id      text        NOT NULL,
  at             timestamptz NOT NULL,
  sub            text,
  actor          text,
  event          text        NOT NULL,
  type           text,
  ph_id          text,
  status_id      text,
  outcome        text        NOT NULL,
  ip             text,
  user_agent     text,
  request_id     text,
  details        jsonb       NOT NULL,
  -- The row's canonical JSON (shared/audit/audit-hash.ts) before and after the value of "seq",
  -- which is known only once the row is chained.
  canonical_head text        NOT NULL,
  canonical_tail text        NOT NULL
);
-- Rows stay only until the next chaining (well under a second), so the table stays small: no
-- index but the key, which keeps recording an event cheap.

-- The database's own floor for audit retention, enforced below for every role. The run-time
-- role may read it, not change it (README: two roles in production); the owner changes it with
-- UPDATE audit_policy SET retention_days = N.
CREATE TABLE audit_policy (
  singleton      boolean PRIMARY KEY DEFAULT true CHECK (singleton),
  retention_days integer NOT NULL CHECK (retention_days BETWEEN 1 AND 3650)
);
INSERT INTO audit_policy (retention_days) VALUES (365);

-- Chains a tenant's committed pending events, oldest first, at most max_rows of them:
-- hash = hex(SHA-256(prev_hash || canonical row)). Runs as the owner, so the run-time role needs
-- no right to write audit_events or the heads. With wait = false it returns NULL at once when
-- another session is chaining the tenant (that one will see these rows, or the next call will).
-- Returns how many rows it chained.
CREATE FUNCTION audit_chain(tenant text, max_rows integer, wait boolean) RETURNS integer LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, public AS $$
DECLARE
  head     audit_chain_heads%ROWTYPE;
  pending  audit_pending%ROWTYPE;
  next_seq bigint;
  prev     text;
  chained  uuid[] := '{}';
BEGIN
  -- Readers call this before every read: with nothing to chain, take no lock.
  IF NOT EXISTS (SELECT 1 FROM audit_pending WHERE tenant_id = tenant) THEN
    RETURN 0;
  END IF;
  IF wait THEN
    SELECT * INTO head FROM audit_chain_heads WHERE tenant_id = tenant FOR UPDATE;
  ELSE
    SELECT * INTO head FROM audit_chain_heads WHERE tenant_id = tenant FOR UPDATE SKIP LOCKED;
    IF NOT FOUND AND EXISTS (SELECT 1 FROM audit_chain_heads WHERE tenant_id = tenant) THEN
      RETURN NULL;
    END IF;
  END IF;
  IF NOT FOUND THEN
    INSERT INTO audit_chain_heads (tenant_id, last_seq, last_hash, checkpoint_seq, checkpoint_hash)
    VALUES (tenant, 0, repeat('0', 64), 0, repeat('0', 64)) ON CONFLICT (tenant_id) DO NOTHING;
    SELECT * INTO head FROM audit_chain_heads WHERE tenant_id = tenant FOR UPDATE;
  END IF;
  next_seq := head.last_seq;
  prev := head.last_hash;
  FOR pending IN SELECT * FROM audit_pending WHERE tenant_id = tenant ORDER BY pending_seq LIMIT max_rows LOOP
    next_seq := next_seq + 1;
    INSERT INTO audit_events (id, tenant_id, seq, at, sub, actor, event, type, ph_id, status_id, outcome, ip, user_agent,
                              request_id, details, prev_hash, hash)
    VALUES (pending.id, tenant, next_seq, pending.at, pending.sub, pending.actor, pending.event, pending.type, pending.ph_id,
            pending.status_id, pending.outcome, pending.ip, pending.user_agent, pending.request_id, pending.details, prev,
            encode(sha256(convert_to(prev || pending.canonical_head || next_seq::text || pending.canonical_tail, 'UTF8')), 'hex'))
    RETURNING hash INTO prev;
    chained := chained || pending.id;
  END LOOP;
  IF cardinality(chained) > 0 THEN
    UPDATE audit_chain_heads SET last_seq = next_seq, last_id = chained[cardinality(chained)], last_hash = prev WHERE tenant_id = tenant;
    DELETE FROM audit_pending WHERE id = ANY (chained);
  END IF;
  RETURN cardinality(chained);
END;
$$;

-- A pending row never changes, and leaves only into the chain.
CREATE FUNCTION audit_pending_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'DELETE' AND EXISTS (SELECT 1 FROM audit_events WHERE id = OLD.id) THEN
    RETURN OLD;
  END IF;
  RAISE EXCEPTION 'audit_pending rows leave only into the chain: % is refused', TG_OP USING ERRCODE = 'insufficient_privilege';
END;
$$;
CREATE TRIGGER audit_pending_no_update BEFORE UPDATE OR DELETE ON audit_pending FOR EACH ROW EXECUTE FUNCTION audit_pending_guard();
CREATE TRIGGER audit_pending_no_truncate BEFORE TRUNCATE ON audit_pending FOR EACH STATEMENT EXECUTE FUNCTION audit_pending_guard();

-- Append-only: no role may change a row or empty the table. (A superuser can disable
-- triggers; the hash chain is what still shows such an edit.)
CREATE FUNCTION audit_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'audit_events is append-only: % is refused', TG_OP USING ERRCODE = 'insufficient_privilege';
END;
$$;

-- A row may be deleted only by retention: older than the policy's floor (by the database's
-- clock) and behind its tenant's checkpoint, so the rest of the chain still verifies.
CREATE FUNCTION audit_guard_delete() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  floor_days integer;
  behind     bigint;
BEGIN
  SELECT retention_days INTO floor_days FROM audit_policy;
  IF OLD.at >= now() - make_interval(days => floor_days) THEN
    RAISE EXCEPTION 'audit row % is younger than the audit retention of % days', OLD.id, floor_days
      USING ERRCODE = 'insufficient_privilege';
  END IF;
  SELECT checkpoint_seq INTO behind FROM audit_chain_heads WHERE tenant_id = OLD.tenant_id;
  IF behind IS NULL OR OLD.seq > behind THEN
    RAISE EXCEPTION 'audit row % is not behind its chain checkpoint', OLD.id USING ERRCODE = 'insufficient_privilege';
  END IF;
  RETURN OLD;
END;
$$;

CREATE TRIGGER audit_events_no_update BEFORE UPDATE ON audit_events
  FOR EACH ROW EXECUTE FUNCTION audit_refuse_change();
CREATE TRIGGER audit_events_no_truncate BEFORE TRUNCATE ON audit_events
  FOR EACH STATEMENT EXECUTE FUNCTION audit_refuse_change();
CREATE TRIGGER audit_events_retention_only BEFORE DELETE ON audit_events
  FOR EACH ROW EXECUTE FUNCTION audit_guard_delete();

-- Retention for one tenant: deletes up to `max_rows` of the oldest rows of its chain that are
-- older than `older_than` and than the policy's floor (only a prefix of the chain: the first
-- younger row ends the batch), after moving the checkpoint to the last of them. Runs as the
-- owner, so the run-time role needs no DELETE on audit_events. Returns the rows deleted.
CREATE FUNCTION audit_cut(tenant text, older_than timestamptz, max_rows integer) RETURNS integer LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, public AS $$
DECLARE
  head     audit_chain_heads%ROWTYPE;
  cutoff   timestamptz;
  boundary record;
  deleted  integer;
BEGIN
  SELECT LEAST(older_than, now() - make_interval(days => retention_days)) INTO cutoff FROM audit_policy;
  SELECT * INTO head FROM audit_chain_heads WHERE tenant_id = tenant FOR UPDATE;
  IF NOT FOUND THEN
    RETURN 0;
  END IF;
  SELECT batch.seq, batch.hash INTO boundary FROM (
    SELECT e.seq, e.hash, bool_and(e.at < cutoff) OVER (ORDER BY e.seq) AS prefix_old
      FROM (SELECT seq, hash, at FROM audit_events WHERE tenant_id = tenant AND seq > head.checkpoint_seq ORDER BY seq LIMIT max_rows) e
  ) batch WHERE batch.prefix_old ORDER BY batch.seq DESC LIMIT 1;
  IF NOT FOUND THEN
    RETURN 0;
  END IF;
  UPDATE audit_chain_heads SET checkpoint_seq = boundary.seq, checkpoint_hash = boundary.hash, checkpoint_at = now() WHERE tenant_id = tenant;
  DELETE FROM audit_events WHERE tenant_id = tenant AND seq <= boundary.seq;
  GET DIAGNOSTICS deleted = ROW_COUNT;
  RETURN deleted;
END;
$$;

-- Nobody but the owner holds anything by default; scripts/runtime-role.sql grants the run-time
-- role what it needs: INSERT on audit_pending, SELECT on the rest, EXECUTE on audit_chain and
-- audit_cut.
REVOKE ALL ON audit_events, audit_chain_heads, audit_pending, audit_policy FROM PUBLIC;
REVOKE ALL ON FUNCTION audit_chain(text, integer, boolean), audit_cut(text, timestamptz, integer) FROM PUBLIC;

-- Down Migration
DROP FUNCTION audit_cut(text, timestamptz, integer);
DROP FUNCTION audit_chain(text, integer, boolean);
DROP TABLE audit_policy;
DROP TABLE audit_pending;
DROP TABLE audit_chain_heads;
DROP TABLE audit_events;
DROP FUNCTION audit_pending_guard();
DROP FUNCTION audit_guard_delete();
DROP FUNCTION audit_refuse_change();

import type { Queryable } from '../db/database.ts';
import type { JsonObject } from '../db/json.ts';
import { LIVE_STATUSES, isLiveStatus, type ExchangeStatus } from '../status/status-document.ts';
import type { VerificationType } from '../tenants/verification-type.ts';
import type { Exchange, ExchangeKind, ExchangeRef, StatusOf } from './exchange.ts';
import { transitionOf, type ExchangeEvent } from './state-machine.ts';

interface ExchangeRow {
  status_id: string;
  exchange_id: string;
  kind: ExchangeKind;
  tenant_id: string;
  sub: string;
  verification_type: VerificationType;
  status: ExchangeStatus;
  authenticator_client_id: string | null;
  secret_ciphertext: Buffer | null;
  secret_key_id: string | null;
  method_state: JsonObject;
  device_id: string | null;
  push_id: string | null;
  public_key: string | null;
  ph_id: string | null;
  failed_attempts: number;
  max_attempts: number;
  stepped_up: boolean;
  expires_at: Date;
  created_at: Date;
  updated_at: Date;
  version: number;
}

function toExchange(row: ExchangeRow): Exchange {
  return {
    kind: row.kind,
    statusId: row.status_id,
    exchangeId: row.exchange_id,
    tenantId: row.tenant_id,
    sub: row.sub,
    verificationType: row.verification_type,
    // The table's CHECK keeps every row's status within its kind's machine.
    status: row.status as StatusOf<ExchangeKind>,
    authenticatorClientId: row.authenticator_client_id,
    secret: row.secret_ciphertext && row.secret_key_id ? { ciphertext: row.secret_ciphertext, keyId: row.secret_key_id } : null,
    methodState: row.method_state,
    deviceId: row.device_id,
    pushId: row.push_id,
    publicKey: row.public_key,
    phId: row.ph_id,
    failedAttempts: row.failed_attempts,
    maxAttempts: row.max_attempts,
    steppedUp: row.stepped_up,
    expiresAt: row.expires_at,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    version: row.version,
  };
}

/** Narrows a row read for an exchange of `kind` (the query named the kind). */
function ofKind<K extends ExchangeKind>(row: ExchangeRow | undefined): Exchange<K> | undefined {
  return row && (toExchange(row) as Exchange<K>);
}

// The expiry rule in SQL, as hasLapsed (shared/status) states it: a live exchange has lapsed once
// its lifetime ended. `$now` is replaced by the placeholder holding the current time.
const LIVE = `status IN (${LIVE_STATUSES.map((s) => `'${s}'`).join(', ')})`;
const LAPSED = (now: string) => `${LIVE} AND expires_at <= ${now}`;
const RUNNING = (now: string) => `expires_at > ${now}`;

/** Columns a new exchange is written with; the repository fills in the version. */
export type NewExchangeRow = Omit<Exchange, 'version' | 'updatedAt'>;

/**
 * Writes a new exchange (version 1) and returns it as stored; with `notify`, the same statement
 * sends that NOTIFY (delivered when the transaction commits), one round trip instead of two.
 */
export async function insertExchange(q: Queryable, e: NewExchangeRow, notify?: { channel: string; payload: string }): Promise<Exchange> {
  const insert = `INSERT INTO exchanges (status_id, exchange_id, kind, tenant_id, sub, verification_type, status, authenticator_client_id,
       secret_ciphertext, secret_key_id, method_state, device_id, push_id, public_key, ph_id, failed_attempts, max_attempts,
       stepped_up, expires_at, created_at, updated_at, version)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $20, 1)
     RETURNING *`;
  const { rows } = await q.query<ExchangeRow>(
    notify ? `WITH created AS (${insert}) SELECT created.*, pg_notify($21, $22)::text AS notified FROM created` : insert,
    [
      e.statusId, e.exchangeId, e.kind, e.tenantId, e.sub, e.verificationType, e.status, e.authenticatorClientId,
      e.secret?.ciphertext ?? null, e.secret?.keyId ?? null, e.methodState, e.deviceId, e.pushId, e.publicKey, e.phId,
      e.failedAttempts, e.maxAttempts, e.steppedUp, e.expiresAt, e.createdAt,
      ...(notify ? [notify.channel, notify.payload] : []),
    ],
  );
  return toExchange(rows[0]!);
}

/**
 * The exchange of this kind and method an exchange id names; `forUpdate` locks it until the
 * transaction ends. An exchange of another kind or method is not found: an enrollment's
 * exchange id cannot answer a sign-in challenge, nor a TOTP one a PUSH route.
 */
export async function findByExchangeId<K extends ExchangeKind>(q: Queryable, ref: ExchangeRef<K>, forUpdate = false): Promise<Exchange<K> | undefined> {
  const { rows } = await q.query<ExchangeRow>(
    `SELECT * FROM exchanges WHERE exchange_id = $1 AND kind = $2 AND verification_type = $3${forUpdate ? ' FOR UPDATE' : ''}`,
    [ref.exchangeId, ref.kind, ref.type],
  );
  return ofKind<K>(rows[0]);
}

/** The exchange a status id names, of any kind and method (status reads). */
export async function findByStatusId(q: Queryable, statusId: string): Promise<Exchange | undefined> {
  const { rows } = await q.query<ExchangeRow>('SELECT * FROM exchanges WHERE status_id = $1', [statusId]);
  return rows[0] && toExchange(rows[0]);
}

/** Whether `exchangeId` once belonged to an enrollment and was replaced by a rotation. */
export async function isRetiredExchange(q: Queryable, exchangeId: string): Promise<boolean> {
  const { rowCount } = await q.query('SELECT 1 FROM retired_exchanges WHERE exchange_id = $1', [exchangeId]);
  return (rowCount ?? 0) > 0;
}

export async function retireExchange(q: Queryable, exchangeId: string, statusId: string, at: Date): Promise<void> {
  await q.query('INSERT INTO retired_exchanges (exchange_id, status_id, retired_at) VALUES ($1, $2, $3)', [exchangeId, statusId, at]);
}

/** Columns a transition may set besides the status itself. */
export interface TransitionChanges {
  exchangeId?: string;
  secret?: { ciphertext: Buffer; keyId: string };
  methodState?: JsonObject;
  expiresAt?: Date;
  deviceId?: string | null;
  pushId?: string | null;
  publicKey?: string | null;
  phId?: string;
  failedAttempts?: number;
}

const COLUMN_OF: Record<Exclude<keyof TransitionChanges, 'secret'>, string> = {
  exchangeId: 'exchange_id',
  methodState: 'method_state',
  expiresAt: 'expires_at',
  deviceId: 'device_id',
  pushId: 'push_id',
  publicKey: 'public_key',
  phId: 'ph_id',
  failedAttempts: 'failed_attempts',
};

/** The SET list of moving to `to` at `$now`: a status that is not live erases the secret. */
function transitionSets(to: ExchangeStatus, now: string): string[] {
  const sets = [`status = '${to}'`, `updated_at = ${now}`, 'version = version + 1'];
  if (!isLiveStatus(to)) sets.push('secret_ciphertext = NULL', 'secret_key_id = NULL');
  return sets;
}

/**
 * Applies `event` only if the exchange is still in a state that allows it and, for every event
 * but `expire`, has not lapsed at `now` (the expiry rule). One conditional UPDATE: of two
 * racing requests exactly one gets the row back.
 *
 * @returns the updated exchange, or undefined when the condition did not hold.
 */
export async function applyTransition<K extends ExchangeKind>(
  q: Queryable,
  kind: K,
  statusId: string,
  event: ExchangeEvent<K>,
  now: Date,
  changes: TransitionChanges = {},
): Promise<Exchange<K> | undefined> {
  const { text, params } = transitionStatement(kind, statusId, event, now, changes);
  const { rows } = await q.query<ExchangeRow>(text, params);
  return ofKind<K>(rows[0]);
}

/**
 * The status document a transition is expected to write (the caller computed it from the row
 * it holds locked), with the values of the row it was computed from.
 */
export interface ExpectedAnnouncement {
  channel: string;
  payload: string;
  version: number;
  expiresAt: Date;
  phId: string | null;
  deviceId: string | null;
  /** `method_state.delivery`, the one part of the state the document shows; null when absent. */
  delivery: unknown;
}

/**
 * applyTransition, sending `expected`'s NOTIFY in the same statement when the row it writes has
 * exactly the values the expected document was computed from (one round trip fewer). When it
 * has not (the caller's copy of the row was stale), nothing is sent and `announced` is false:
 * the caller announces the row as written.
 */
export async function applyAnnouncedTransition<K extends ExchangeKind>(
  q: Queryable,
  kind: K,
  statusId: string,
  event: ExchangeEvent<K>,
  now: Date,
  changes: TransitionChanges,
  expected: ExpectedAnnouncement,
): Promise<{ exchange: Exchange<K>; announced: boolean } | undefined> {
  const { text, params } = transitionStatement(kind, statusId, event, now, changes);
  const n = params.length;
  params.push(expected.version, expected.expiresAt, expected.phId, expected.deviceId, expected.delivery === null ? null : JSON.stringify(expected.delivery));
  params.push(expected.channel, expected.payload);
  const { rows } = await q.query<ExchangeRow & { announced: string | null }>(
    `${text},
       CASE WHEN version = $${n + 1} AND expires_at = $${n + 2} AND ph_id IS NOT DISTINCT FROM $${n + 3}::uuid
         AND device_id IS NOT DISTINCT FROM $${n + 4} AND (method_state -> 'delivery') IS NOT DISTINCT FROM $${n + 5}::jsonb
       THEN pg_notify($${n + 6}, $${n + 7})::text END AS announced`,
    params,
  );
  const row = rows[0];
  const exchange = ofKind<K>(row);
  return exchange && { exchange, announced: row!.announced !== null };
}

/** The conditional UPDATE … RETURNING * of a transition (see applyTransition). */
function transitionStatement(kind: ExchangeKind, statusId: string, event: string, now: Date, changes: TransitionChanges) {
  const { from, to } = transitionOf(kind, event as ExchangeEvent<typeof kind>);
  const params: unknown[] = [statusId, kind, from, now];
  const sets = transitionSets(to, '$4');
  for (const [key, column] of Object.entries(COLUMN_OF) as [keyof typeof COLUMN_OF, string][]) {
    if (changes[key] === undefined) continue;
    params.push(changes[key]);
    sets.push(`${column} = $${params.length}`);
  }
  if (isLiveStatus(to) && changes.secret) {
    params.push(changes.secret.ciphertext, changes.secret.keyId);
    sets.push(`secret_ciphertext = $${params.length - 1}`, `secret_key_id = $${params.length}`);
  }
  const lifetime = event === 'expire' ? LAPSED('$4') : RUNNING('$4');
  return {
    text: `UPDATE exchanges SET ${sets.join(', ')}
     WHERE status_id = $1 AND kind = $2 AND status = ANY($3::text[]) AND ${lifetime}
     RETURNING *`,
    params,
  };
}

/** Counts one wrong code; the caller decides whether the exchange has now failed. */
export async function recordFailedAttempt(q: Queryable, statusId: string): Promise<number> {
  const { rows } = await q.query<{ failed_attempts: number }>(
    'UPDATE exchanges SET failed_attempts = failed_attempts + 1 WHERE status_id = $1 RETURNING failed_attempts',
    [statusId],
  );
  return rows[0]?.failed_attempts ?? 0;
}

/**
 * Records the outcome of the message a live exchange is waiting for (`method_state.delivery`,
 * matched by its message id) as a new version of the exchange, so watchers see it. A message a
 * resend replaced, or an exchange that already ended, is left alone.
 *
 * @returns the updated exchange, or undefined when no live exchange waits for this message.
 */
export async function setDeliveryState(q: Queryable, messageId: string, state: string, now: Date): Promise<Exchange | undefined> {
  const { rows } = await q.query<ExchangeRow>(
    `UPDATE exchanges SET method_state = jsonb_set(method_state, '{delivery,state}', to_jsonb($2::text)), updated_at = $3, version = version + 1
     WHERE method_state ? 'delivery' AND ${LIVE} AND method_state->'delivery'->>'message_id' = $1 AND ${RUNNING('$3')}
     RETURNING *`,
    [messageId, state, now],
  );
  return rows[0] && toExchange(rows[0]);
}

/**
 * Moves up to `limit` live exchanges of any kind whose lifetime ended by `now` to EXPIRED: the
 * `expire` transition of applyTransition, for many rows at once.
 */
export async function expireDue(q: Queryable, now: Date, limit: number): Promise<Exchange[]> {
  const { rows } = await q.query<ExchangeRow>(
    `UPDATE exchanges SET ${transitionSets('EXPIRED', '$1').join(', ')}
     WHERE status_id IN (
       SELECT status_id FROM exchanges WHERE ${LAPSED('$1')}
       ORDER BY expires_at LIMIT $2 FOR UPDATE SKIP LOCKED)
     RETURNING *`,
    [now, limit],
  );
  return rows.map(toExchange);
}

/**
 * Deletes up to `limit` exchanges that ended before `before` (every terminal status but
 * ENROLLED), with their retired exchange ids. Never one an authenticator still refers to.
 *
 * @returns how many were deleted.
 */
export async function deleteEndedExchanges(q: Queryable, before: Date, limit: number): Promise<number> {
  const { rowCount } = await q.query(
    `DELETE FROM exchanges WHERE status_id IN (
       SELECT e.status_id FROM exchanges e
       WHERE e.status NOT IN ('INITIATED', 'SCANNED', 'ENROLLED') AND e.updated_at < $1
         AND NOT EXISTS (SELECT 1 FROM authenticators a WHERE a.enrollment_status_id = e.status_id)
       LIMIT $2 FOR UPDATE SKIP LOCKED)`,
    [before, limit],
  );
  return rowCount ?? 0;
}

/** Deletes up to `limit` exchange ids retired by a rotation before `before`; how many went. */
export async function deleteRetiredExchanges(q: Queryable, before: Date, limit: number): Promise<number> {
  const { rowCount } = await q.query(
    `DELETE FROM retired_exchanges WHERE exchange_id IN (
       SELECT exchange_id FROM retired_exchanges WHERE retired_at < $1 LIMIT $2 FOR UPDATE SKIP LOCKED)`,
    [before, limit],
  );
  return rowCount ?? 0;
}

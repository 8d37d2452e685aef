import type { Database } from '../../db/database.ts';
import type { Clock } from '../../clock/clock.ts';
import type { ChallengeInbox } from './challenge-inbox.ts';
import { deviceRemoved, type PushDevice } from './device-token.ts';
import { listPendingForDevice, type PendingChallengeRow } from './push-repository.ts';

/** A challenge as a device sees it: what to show, and what to sign. Never the number. */
export interface PendingChallengeView {
  exchange_id: string;
  status_id: string;
  message: string;
  details: Record<string, string>;
  /** Whether the user must type the number the sign-in screen shows. */
  number_matching: boolean;
  created_at: string;
  expires_at: string;
}

function toView(row: PendingChallengeRow): PendingChallengeView {
  const state = row.method_state;
  return {
    exchange_id: row.exchange_id,
    status_id: row.status_id,
    message: typeof state.message === 'string' ? state.message : '',
    details: (state.details as Record<string, string> | undefined) ?? {},
    number_matching: state.number_matching === true,
    created_at: row.created_at.toISOString(),
    expires_at: row.expires_at.toISOString(),
  };
}

export interface PendingDeps {
  db: Database;
  inbox: ChallengeInbox;
  clock: Clock;
  /** Registers a handler the process calls when held requests must answer now (shutdown). */
  onRelease: (handler: () => void) => () => void;
}

export interface PendingRequest {
  device: PushDevice;
  /**
   * The first read, when the caller folds it into another statement (the device token's jti
   * insert); a plain read of the list otherwise. Runs after the watch is in place.
   */
  firstRead?: () => Promise<PendingChallengeRow[]>;
  /** Hold the request this long while nothing is pending (long poll); 0 answers at once. */
  waitMs: number;
  signal?: AbortSignal;
}

/**
 * The device's user's live PUSH challenges, oldest first. With `waitMs`, an empty answer waits
 * until a change is announced (on any instance) or the time is up.
 *
 * @throws VerificationError DEVICE_TOKEN_INVALID when the device was removed (the list is read
 *   together with the device, so a poll held for a removed device ends at its removal)
 */
export async function pendingChallenges(deps: PendingDeps, req: PendingRequest): Promise<PendingChallengeView[]> {
  const { tenantId, sub } = req.device;
  const read = async () => {
    const rows = await listPendingForDevice(deps.db, req.device.phId, deps.clock());
    if (!rows) throw deviceRemoved();
    return rows.map(toView);
  };
  const readFirst = req.firstRead ? async () => (await req.firstRead!()).map(toView) : read;
  if (req.waitMs <= 0) return readFirst();
  await deps.inbox.start();
  let wake: () => void = () => undefined;
  const woken = new Promise<void>((resolve) => (wake = resolve));
  // Watch before reading, so a challenge committed in between is not missed.
  const unwatch = deps.inbox.watch(tenantId, sub, () => wake());
  const unrelease = deps.onRelease(() => wake());
  const timer = setTimeout(() => wake(), req.waitMs);
  const onAbort = () => wake();
  req.signal?.addEventListener('abort', onAbort, { once: true });
  try {
    const first = await readFirst();
    if (first.length > 0) return first;
    await woken;
    return req.signal?.aborted ? [] : await read();
  } finally {
    clearTimeout(timer);
    unwatch();
    unrelease();
    req.signal?.removeEventListener('abort', onAbort);
  }
}

import type { Database } from '../db/database.ts';
import type { StatusHub } from '../events/status-hub.ts';
import type { Clock } from '../runtime/deps.ts';
import { readStatus } from './read-status.ts';
import { isTerminal } from './state-machine.ts';
import type { VersionedStatus } from './status-document.ts';

export interface WaitRequest {
  statusId: string;
  /** Resolve once the version is greater than this. */
  afterVersion: number;
  waitMs: number;
  signal?: AbortSignal;
}

/**
 * Long poll: resolves with the status as soon as it moves past `afterVersion` (woken by the
 * status event, not by polling the table), when the exchange lifetime ends, or after
 * `waitMs` with whatever is current.
 */
export async function waitForStatus(
  deps: { db: Database; statusHub: StatusHub; clock: Clock },
  req: WaitRequest,
): Promise<VersionedStatus> {
  const { db, statusHub, clock } = deps;
  const read = () => readStatus(db, req.statusId, clock());

  return new Promise<VersionedStatus>((resolve, reject) => {
    let settled = false;
    const timers: NodeJS.Timeout[] = [];
    const cleanups: (() => void)[] = [];
    const finish = (status: VersionedStatus) => {
      if (settled) return;
      settled = true;
      for (const t of timers) clearTimeout(t);
      for (const c of cleanups) c();
      resolve(status);
    };
    const fail = (err: unknown) => {
      if (settled) return;
      settled = true;
      for (const t of timers) clearTimeout(t);
      for (const c of cleanups) c();
      reject(err);
    };
    const check = () =>
      read().then((status) => {
        if (status.version > req.afterVersion) finish(status);
        return status;
      }, fail);

    cleanups.push(
      statusHub.watch(req.statusId, (status) => {
        if (status.version > req.afterVersion) finish(status);
      }),
      statusHub.onResync(() => void check()),
    );
    if (req.signal) {
      const onAbort = () => fail(req.signal!.reason);
      req.signal.addEventListener('abort', onAbort, { once: true });
      cleanups.push(() => req.signal!.removeEventListener('abort', onAbort));
    }
    // Read after watching, so a change committed in between is not missed.
    void check().then((status) => {
      if (!status || settled) return;
      if (isTerminal(status.document.status)) return finish(status);
      const untilExpiry = Date.parse(status.document.expires_at) - clock().getTime();
      if (untilExpiry < req.waitMs) timers.push(setTimeout(() => void check(), Math.max(untilExpiry, 0) + 5));
      timers.push(setTimeout(() => void read().then(finish, fail), req.waitMs));
    });
  });
}

import type { StatusHub } from '../events/status-hub.ts';
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
 * status event, the hub's resync or its expiry check, not by polling the table), when the
 * process asks waiters to answer (shutdown), or after `waitMs` with whatever is current.
 */
export async function waitForStatus(deps: { statusHub: StatusHub }, req: WaitRequest): Promise<VersionedStatus> {
  const { statusHub } = deps;
  const read = () => statusHub.read(req.statusId, req.afterVersion);

  return new Promise<VersionedStatus>((resolve, reject) => {
    let settled = false;
    const timers: NodeJS.Timeout[] = [];
    const cleanups: (() => void)[] = [];
    const settle = () => {
      settled = true;
      for (const t of timers) clearTimeout(t);
      for (const c of cleanups) c();
    };
    const finish = (status: VersionedStatus) => {
      if (settled) return;
      settle();
      resolve(status);
    };
    const fail = (err: unknown) => {
      if (settled) return;
      settle();
      reject(err);
    };
    const check = () =>
      read().then((status) => {
        if (status.version > req.afterVersion) finish(status);
        return status;
      }, fail);

    // Resyncs and expiries reach watchers too, so the watch covers missed events and lifetimes.
    cleanups.push(
      statusHub.watch(req.statusId, (status) => {
        if (status.version > req.afterVersion) finish(status);
      }),
      statusHub.onRelease(() => void read().then(finish, fail)),
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
      timers.push(setTimeout(() => void read().then(finish, fail), req.waitMs));
    });
  });
}

import { isTerminalStatus, type VersionedStatus } from '../status/status-document.ts';
import type { StatusHub } from './status-hub.ts';
import type { StatusMetrics } from './status-metrics.ts';

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
export async function waitForStatus(
  deps: { statusHub: StatusHub; statusMetrics?: Pick<StatusMetrics, 'longPolls'> },
  req: WaitRequest,
): Promise<VersionedStatus> {
  const { statusHub } = deps;
  const read = () => statusHub.read(req.statusId, req.afterVersion);

  return new Promise<VersionedStatus>((resolve, reject) => {
    let settled = false;
    let timer: NodeJS.Timeout | undefined;
    const cleanups: (() => void)[] = [];
    const settle = (outcome: { status: VersionedStatus } | { err: unknown }) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      for (const c of cleanups) c();
      if ('status' in outcome) resolve(outcome.status);
      else reject(outcome.err);
    };
    const finish = (status: VersionedStatus) => settle({ status });
    const fail = (err: unknown) => settle({ err });
    const finishIfNewer = (status: VersionedStatus) => {
      if (status.version > req.afterVersion) finish(status);
    };

    // Resyncs and expiries reach watchers too, so the watch covers missed events and lifetimes.
    cleanups.push(
      statusHub.watch(req.statusId, finishIfNewer),
      statusHub.onRelease(() => void read().then(finish, fail)),
    );
    // Counted only once watching, so a held poll in the gauge is one a transition will wake.
    const longPolls = deps.statusMetrics?.longPolls;
    longPolls?.inc();
    cleanups.push(() => longPolls?.dec());
    if (req.signal) {
      const onAbort = () => fail(req.signal!.reason);
      req.signal.addEventListener('abort', onAbort, { once: true });
      cleanups.push(() => req.signal!.removeEventListener('abort', onAbort));
    }
    // Read after watching, so a change committed in between is not missed.
    read().then((status) => {
      finishIfNewer(status);
      if (settled) return;
      if (isTerminalStatus(status.document.status)) return finish(status);
      timer = setTimeout(() => void read().then(finish, fail), req.waitMs);
    }, fail);
  });
}

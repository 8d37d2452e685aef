import type { Clock } from '../../clock/clock.ts';
import type { Database } from '../../db/database.ts';
import { isVerificationError, type VerificationError } from '../../errors/verification-error.ts';
import { ChallengeInbox } from './challenge-inbox.ts';
import { useDeviceTokenAndListPending, verifyDeviceToken } from './device-token.ts';
import { pendingChallenges, type PendingChallengeView } from './pending.ts';

/** Where a device's feed delivers. */
export interface DeviceFeedSink {
  /** The device's pending challenges: once at the start, then whenever one is announced. */
  challenges(list: PendingChallengeView[]): void;
  /** The device was removed: the feed has ended. */
  revoked(err: VerificationError): void;
}

/** Pending challenges pushed to a connected device (the status WebSocket's `subscribe_device`). */
export interface DeviceFeed {
  /**
   * Authenticates the device token and starts the feed.
   *
   * @returns a function that ends it
   * @throws VerificationError DEVICE_TOKEN_REQUIRED, DEVICE_TOKEN_INVALID, DEVICE_TOKEN_REPLAYED
   */
  open(token: string, sink: DeviceFeedSink): Promise<() => void>;
  close(): Promise<void>;
}

/** A feed over this process's one LISTEN on new challenges (shared by every connected device). */
export function createDeviceFeed(deps: { db: Database; clock: Clock }): DeviceFeed {
  const inbox = new ChallengeInbox(deps.db);
  const pendingDeps = { db: deps.db, inbox, clock: deps.clock, onRelease: () => () => undefined };
  return {
    async open(token, sink) {
      const verified = await verifyDeviceToken(deps.db, `Device ${token}`, deps.clock());
      const { device } = verified;
      await inbox.start();
      let ended = false;
      // Nothing is sent before the first list, whose statement records the token's jti: an
      // announcement heard meanwhile is read once that list is out.
      let authenticated = false;
      let heardMeanwhile = false;
      // Each announcement re-reads the list, which fails once the device is no longer
      // enrolled: removing a device announces, so its open connections end at once.
      const refresh = async () => {
        if (ended) return;
        if (!authenticated) {
          heardMeanwhile = true;
          return;
        }
        let list: PendingChallengeView[];
        try {
          list = await pendingChallenges(pendingDeps, { device, waitMs: 0 });
        } catch (err) {
          if (!isVerificationError(err) || ended) throw err;
          ended = true;
          unwatch();
          sink.revoked(err);
          return;
        }
        if (!ended) sink.challenges(list);
      };
      const unwatch = inbox.watch(device.tenantId, device.sub, () => void refresh().catch(() => undefined));
      try {
        const first = await pendingChallenges(pendingDeps, { device, waitMs: 0, firstRead: () => useDeviceTokenAndListPending(deps.db, verified, deps.clock()) });
        authenticated = true;
        sink.challenges(first);
      } catch (err) {
        ended = true;
        unwatch();
        throw err;
      }
      if (heardMeanwhile) void refresh().catch(() => undefined);
      return () => {
        ended = true;
        unwatch();
      };
    },
    close: () => inbox.close(),
  };
}

import { z } from 'zod';
import type { VersionedStatus } from '../../../shared/status/status-document.ts';
import { toProblem, type ProblemDocument } from '../../../shared/errors/problem.ts';
import type { PendingChallengeView } from '../../../shared/methods/push/pending.ts';
import { representationOf } from '../status-representation.ts';

/** The path the status WebSocket answers on. */
export const WS_PATH = '/verification-srv/ws';

// Ids are checked afterwards, so one bad id does not cost the others their subscription; how
// many one message may name depends on WS_MAX_SUBSCRIPTIONS, so the session checks that too.
const statusIds = z.array(z.string().max(100)).min(1, 'name at least one status id');

/** Every message a client may send (see asyncapi.yaml). Unknown members are ignored. */
export const clientMessage = z.discriminatedUnion('type', [
  z.object({ type: z.literal('subscribe'), status_ids: statusIds }),
  z.object({ type: z.literal('unsubscribe'), status_ids: statusIds }),
  z.object({ type: z.literal('ping') }),
  // A PUSH device's feed of pending challenges, authenticated by a device token (DESIGN §10).
  z.object({ type: z.literal('subscribe_device'), token: z.string().max(8192) }),
]);
export type ClientMessage = z.infer<typeof clientMessage>;

export type UnsubscribeReason = 'requested' | 'terminal';

type StatusMessage = { type: 'status'; status_id: string; version: number; etag: string; data: VersionedStatus['document'] };

/** Server → client messages, as sent. */
type ServerMessage =
  | StatusMessage
  | { type: 'unsubscribed'; status_id: string; reason: UnsubscribeReason }
  | { type: 'error'; status_ids?: string[]; error: ProblemDocument }
  | { type: 'pong' }
  | { type: 'push_challenges'; challenges: PendingChallengeView[] };

// A transition reaches every watcher of its id one after another with the same object, so the
// last encoding is kept. Nothing more: a retained Buffer would pin its whole 8 KiB pool slab.
let lastStatus: VersionedStatus | undefined;
let lastBytes: Buffer = Buffer.alloc(0);

/**
 * The `status` message for `status` as UTF-8 (send it as a text frame): the polling
 * endpoint's JSON under `data`, plus its version and ETag.
 */
export function statusMessage(status: VersionedStatus): Buffer {
  if (status !== lastStatus) {
    // The poll's representation of this version (its ETag, and its body serialized once) goes
    // in as it is: the same bytes JSON.stringify gives the whole message, without a second
    // serialization of the document per version.
    const { etag, body } = representationOf(status);
    const head: Omit<StatusMessage, 'data'> = { type: 'status', status_id: status.document.id, version: status.version, etag };
    lastBytes = Buffer.from(`${JSON.stringify(head).slice(0, -1)},"data":${body}}`);
    lastStatus = status;
  }
  return lastBytes;
}

/** At most this many ids are echoed in one error message; its detail gives the full count. */
export const MAX_LISTED_IDS = 20;

/**
 * An `error` message carrying the same problem document the HTTP API would return, and the
 * ids it concerns (the first MAX_LISTED_IDS, as the client sent them) when it concerns ids.
 */
export function errorMessage(err: unknown, statusIds?: string[]): string {
  const listed = statusIds === undefined ? {} : { status_ids: statusIds.slice(0, MAX_LISTED_IDS) };
  const message: ServerMessage = { type: 'error', ...listed, error: toProblem(err).body };
  return JSON.stringify(message);
}

export function unsubscribedMessage(statusId: string, reason: UnsubscribeReason): string {
  const message: ServerMessage = { type: 'unsubscribed', status_id: statusId, reason };
  return JSON.stringify(message);
}

export const PONG_MESSAGE = JSON.stringify({ type: 'pong' } satisfies ServerMessage);

/** A PUSH device's pending challenges (its `subscribe_device` feed). */
export function pushChallengesMessage(challenges: PendingChallengeView[]): string {
  const message: ServerMessage = { type: 'push_challenges', challenges };
  return JSON.stringify(message);
}

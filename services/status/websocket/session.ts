import WebSocket, { type RawData } from 'ws';
import { toProblem } from '../../../shared/errors/problem.ts';
import { VerificationError, isVerificationError } from '../../../shared/errors/verification-error.ts';
import type { StatusHub } from '../../../shared/events/status-hub.ts';
import type { DisconnectReason, StatusMetrics } from '../../../shared/events/status-metrics.ts';
import { StatusSubscription, type StatusSink } from '../../../shared/events/status-subscription.ts';
import { uuidSchema } from '../../../shared/validation/fields.ts';
import type { Logger } from '../../../shared/log/logger.ts';
import { TokenBucket } from '../../../shared/rate-limit/token-bucket.ts';
import { CloseCode, REASON_OF } from './close-codes.ts';
import type { DeviceFeed } from '../../../shared/methods/push/device-feed.ts';
import { MAX_LISTED_IDS, PONG_MESSAGE, clientMessage, errorMessage, pushChallengesMessage, statusMessage, unsubscribedMessage, type ClientMessage } from './messages.ts';

/** What every session of one server shares. */
export interface SessionContext {
  hub: StatusHub;
  metrics: StatusMetrics;
  log: Logger;
  maxSubscriptions: number;
  maxBufferedBytes: number;
  /** Average messages per second a client may send (bursts of twice that); 0: no limit. */
  maxMessagesPerSecond: number;
  /** PUSH devices' feeds of pending challenges (`subscribe_device`). */
  devices: DeviceFeed;
}

/** Messages a client may queue behind a subscribe whose snapshots are still being read. */
const MAX_BACKLOG = 64;
/** A slow consumer's close frame waits behind everything unread; it gets this long to take it. */
const SLOW_CONSUMER_GRACE_MS = 5_000;
const TEXT_FRAME = { binary: false };

/** Snapshot failures of one subscribe, grouped by problem code so each kind costs one message. */
type Refusals = Map<string, { err: unknown; ids: string[] }>;

function addRefusal(refusals: Refusals, statusId: string, err: unknown): void {
  const code = toProblem(err).body.code;
  const group = refusals.get(code);
  if (group) group.ids.push(statusId);
  else refusals.set(code, { err, ids: [statusId] });
}

/** One error for `ids` that failed alike: the first failure, its detail saying how many. */
function refusalOf(err: unknown, ids: string[]): unknown {
  if (ids.length === 1 || !isVerificationError(err)) return err;
  return new VerificationError(err.name, `${ids.length} status ids: ${err.message}`);
}

/**
 * One client connection: parses its messages, holds its subscriptions, and sends what they
 * deliver. A subscribe is answered (snapshots sent) before the next message is handled, so a
 * client's messages take effect in the order it sent them.
 */
export class StatusSocketSession {
  #subscriptions = new Map<string, StatusSubscription>();
  /** The subscribe being handled, if any; later messages wait in the backlog. */
  #inFlight: Promise<void> | undefined;
  #backlog: [RawData, boolean][] | undefined;
  #alive = true;
  #ending = false;
  #counted = false;
  readonly #budget: TokenBucket | undefined;
  /** Ends the device feed this connection subscribed to, if any. */
  #deviceFeed: (() => void) | undefined;

  constructor(
    private readonly socket: WebSocket,
    private readonly ctx: SessionContext,
    onClosed: () => void,
  ) {
    const rate = ctx.maxMessagesPerSecond;
    this.#budget = rate > 0 ? new TokenBucket(rate, 2 * rate) : undefined;
    socket.on('message', (data, isBinary) => this.#receive(data, isBinary));
    socket.on('pong', () => {
      this.#alive = true;
    });
    socket.on('error', (err: Error & { code?: string }) => {
      // ws closes the connection itself after an error (1009 for an oversized message).
      this.#count(err.code === 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH' ? 'message_too_big' : 'error');
    });
    socket.once('close', () => {
      this.#deviceFeed?.();
      this.#dropSubscriptions();
      this.#count('client');
      onClosed();
    });
  }

  /** Subscribes as if the client had sent `{type: "subscribe", status_ids}` (the `?status_id=` shortcut). */
  subscribe(statusIds: string[]): void {
    this.#run({ type: 'subscribe', status_ids: statusIds });
  }

  /** Called on every heartbeat tick: a peer that did not answer the previous ping is dropped. */
  heartbeat(): void {
    if (!this.#alive) {
      this.#count('heartbeat_timeout');
      this.socket.terminate();
      return;
    }
    this.#alive = false;
    this.socket.ping();
  }

  /** Lets the message being handled finish, then closes with 1001 and `reason`. */
  async shutdown(reason: string): Promise<void> {
    this.#backlog = undefined;
    this.#ending = true;
    await this.#inFlight;
    this.#closeWith(CloseCode.GOING_AWAY, reason);
  }

  terminate(): void {
    this.socket.terminate();
  }

  #receive(data: RawData, isBinary: boolean): void {
    if (this.#ending) return;
    if (this.#budget && !this.#budget.take()) {
      this.#closeWith(CloseCode.MESSAGE_RATE, `policy: message rate (at most ${this.#budget.ratePerSecond} messages per second)`);
      return;
    }
    if (this.#inFlight) {
      this.#backlog ??= [];
      if (this.#backlog.length >= MAX_BACKLOG) {
        this.#send(errorMessage(new VerificationError('INVALID_REQUEST', `more than ${MAX_BACKLOG} messages waiting: wait for the replies`)));
        return;
      }
      this.#backlog.push([data, isBinary]);
      return;
    }
    const message = this.#parse(data, isBinary);
    if (message) this.#run(message);
  }

  #parse(data: RawData, isBinary: boolean): ClientMessage | undefined {
    if (isBinary) {
      this.#send(errorMessage(new VerificationError('INVALID_REQUEST', 'messages must be JSON in text frames')));
      return undefined;
    }
    let value: unknown;
    try {
      value = JSON.parse(data.toString());
    } catch {
      this.#send(errorMessage(new VerificationError('MALFORMED_JSON', 'the message is not valid JSON')));
      return undefined;
    }
    const parsed = clientMessage.safeParse(value);
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!;
      const field = issue.path.length > 0 ? issue.path.join('.') : 'message';
      this.#send(errorMessage(new VerificationError('INVALID_REQUEST', `${field}: ${issue.message}`)));
      return undefined;
    }
    return parsed.data;
  }

  #run(message: ClientMessage): void {
    switch (message.type) {
      case 'ping':
        this.#send(PONG_MESSAGE);
        return;
      case 'unsubscribe':
        // Only ids this connection watched are confirmed: each confirmation was paid for by a subscribe.
        for (const id of this.#acceptedIds(message.status_ids) ?? []) {
          if (this.#forget(id)) this.#send(unsubscribedMessage(id, 'requested'));
        }
        return;
      case 'subscribe': {
        const ids = this.#acceptedIds(message.status_ids);
        const done = ids && this.#subscribeAll(ids);
        if (!done) return;
        this.#inFlight = done.finally(() => {
          this.#inFlight = undefined;
          this.#drainBacklog();
        });
        return;
      }
      case 'subscribe_device':
        this.#inFlight = this.#subscribeDevice(message.token).finally(() => {
          this.#inFlight = undefined;
          this.#drainBacklog();
        });
    }
  }

  /**
   * Starts the feed of a PUSH device: `push_challenges` now and whenever a challenge is
   * started for its user, and the status of each listed challenge (so the device sees it end).
   * A new `subscribe_device` replaces the feed; a refused token is an `error` message.
   */
  async #subscribeDevice(token: string): Promise<void> {
    try {
      const end = await this.ctx.devices.open(token, {
        challenges: (list) => {
          this.#send(pushChallengesMessage(list));
          const ids = new Set(list.map((c) => c.status_id));
          void this.#subscribeAll(ids);
        },
        revoked: (err) => {
          this.#deviceFeed = undefined;
          this.#send(errorMessage(err));
        },
      });
      if (this.#ending) return end();
      this.#deviceFeed?.();
      this.#deviceFeed = end;
    } catch (err) {
      this.#send(errorMessage(err));
    }
  }

  #drainBacklog(): void {
    while (!this.#inFlight && this.#backlog?.length) {
      const [data, isBinary] = this.#backlog.shift()!;
      const message = this.#parse(data, isBinary);
      if (message) this.#run(message);
    }
    if (this.#backlog?.length === 0) this.#backlog = undefined;
  }

  /**
   * The well-formed ids among `raw`, lower-cased and once each. Whatever the list holds, it
   * costs at most one error message: a list longer than a connection may watch is refused as
   * a whole (undefined), and the malformed ids of a shorter one are reported together.
   */
  #acceptedIds(raw: string[]): Set<string> | undefined {
    const max = this.ctx.maxSubscriptions;
    if (raw.length > max) {
      this.#send(errorMessage(new VerificationError('INVALID_REQUEST', `status_ids: at most ${max} ids per message, got ${raw.length}`)));
      return undefined;
    }
    const ids = new Set<string>();
    const malformed: string[] = [];
    for (const candidate of raw) {
      const parsed = uuidSchema.safeParse(candidate);
      if (parsed.success) ids.add(parsed.data);
      else malformed.push(candidate);
    }
    if (malformed.length > 0) {
      const listed = malformed.length > MAX_LISTED_IDS ? ` (the first ${MAX_LISTED_IDS} are listed)` : '';
      const detail = `status_ids: ${malformed.length} of ${raw.length} ${malformed.length === 1 ? 'is' : 'are'} not a UUID${listed}`;
      this.#send(errorMessage(new VerificationError('INVALID_ID', detail), malformed));
    }
    return ids;
  }

  /**
   * Opens a subscription per new id; resolves once every snapshot was sent and the ids that
   * could not be watched were reported (one message per kind of failure). Already watched
   * ids are left as they are.
   */
  #subscribeAll(ids: Set<string>): Promise<void> | undefined {
    const fresh = [...ids].filter((id) => !this.#subscriptions.has(id));
    if (fresh.length === 0) return undefined;
    const max = this.ctx.maxSubscriptions;
    if (this.#subscriptions.size + fresh.length > max) {
      this.#closeWith(CloseCode.TOO_MANY_SUBSCRIPTIONS, `at most ${max} subscriptions per connection`);
      return undefined;
    }
    // The refusals belong to this call: a subscribe of the device feed (started from its
    // callback, outside any client message) may overlap a client's, and each reports its own.
    const refusals: Refusals = new Map();
    const sink = this.#sinkCollecting(refusals);
    const ready: Promise<void>[] = [];
    for (const id of fresh) {
      const subscription = new StatusSubscription(this.ctx.hub, id, sink);
      this.#subscriptions.set(id, subscription);
      this.ctx.metrics.subscriptions.inc();
      ready.push(subscription.start());
    }
    return Promise.all(ready).then(() => this.#reportRefusals(refusals));
  }

  /** Where one subscribe's subscriptions deliver: statuses are sent, snapshot failures go into `refusals`. */
  #sinkCollecting(refusals: Refusals): StatusSink {
    return {
      status: (status) => {
        this.#send(statusMessage(status));
        this.ctx.metrics.eventsDelivered.inc();
      },
      ended: (statusId) => {
        this.#forget(statusId);
        this.#send(unsubscribedMessage(statusId, 'terminal'));
      },
      // A snapshot fails only before its start() settles, so before the report is sent.
      failed: (statusId, err) => {
        this.#forget(statusId);
        addRefusal(refusals, statusId, err);
      },
    };
  }

  #reportRefusals(refusals: Refusals): void {
    for (const { err, ids } of refusals.values()) {
      if (!isVerificationError(err)) {
        this.ctx.log.warn({ err: err instanceof Error ? err.message : String(err), ids: ids.length }, 'status snapshot failed');
      }
      this.#send(errorMessage(refusalOf(err, ids), ids));
    }
  }

  /** Ends the subscription of `statusId`; whether there was one. */
  #forget(statusId: string): boolean {
    const subscription = this.#subscriptions.get(statusId);
    if (!subscription) return false;
    subscription.close();
    this.#subscriptions.delete(statusId);
    this.ctx.metrics.subscriptions.dec();
    return true;
  }

  #dropSubscriptions(): void {
    for (const subscription of this.#subscriptions.values()) subscription.close();
    this.ctx.metrics.subscriptions.dec(this.#subscriptions.size);
    this.#subscriptions.clear();
  }

  #send(data: string | Buffer): void {
    const socket = this.socket;
    if (socket.readyState !== WebSocket.OPEN) return;
    socket.send(data, TEXT_FRAME);
    if (socket.bufferedAmount > this.ctx.maxBufferedBytes) {
      this.#closeWith(CloseCode.SLOW_CONSUMER, `more than ${this.ctx.maxBufferedBytes} bytes waiting to be sent: read faster`);
    }
  }

  #closeWith(code: CloseCode, reason: string): void {
    if (this.socket.readyState !== WebSocket.OPEN) return;
    // Counted now: the closing handshake of a peer that does not read can take a while.
    this.#count(REASON_OF[code]);
    this.#ending = true;
    this.#backlog = undefined;
    this.#deviceFeed?.();
    this.#dropSubscriptions();
    this.socket.close(code, reason);
    if (code === CloseCode.SLOW_CONSUMER) setTimeout(() => this.socket.terminate(), SLOW_CONSUMER_GRACE_MS).unref();
  }

  #count(reason: DisconnectReason): void {
    if (this.#counted) return;
    this.#counted = true;
    this.ctx.metrics.disconnects.inc({ reason });
  }
}

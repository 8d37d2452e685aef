import WebSocket, { type RawData } from 'ws';
import { VerificationError, isVerificationError } from '../../../shared/errors/verification-error.ts';
import type { VersionedStatus } from '../../../shared/enrollment/status-document.ts';
import type { StatusHub } from '../../../shared/events/status-hub.ts';
import type { DisconnectReason, StatusMetrics } from '../../../shared/events/status-metrics.ts';
import { StatusSubscription, type StatusSink } from '../../../shared/events/status-subscription.ts';
import { uuidSchema } from '../../../shared/http/params.ts';
import type { Logger } from '../../../shared/log/logger.ts';
import { CloseCode, REASON_OF } from './close-codes.ts';
import { PONG_MESSAGE, clientMessage, errorMessage, statusMessage, unsubscribedMessage, type ClientMessage } from './messages.ts';

/** What every session of one server shares. */
export interface SessionContext {
  hub: StatusHub;
  metrics: StatusMetrics;
  log: Logger;
  maxSubscriptions: number;
  maxBufferedBytes: number;
}

/** Messages a client may queue behind a subscribe whose snapshots are still being read. */
const MAX_BACKLOG = 64;
/** A slow consumer's close frame waits behind everything unread; it gets this long to take it. */
const SLOW_CONSUMER_GRACE_MS = 5_000;
const TEXT_FRAME = { binary: false };

/**
 * One client connection: parses its messages, holds its subscriptions, and sends what they
 * deliver (it is their sink). A subscribe is answered (snapshots sent) before the next message
 * is handled, so a client's messages take effect in the order it sent them.
 */
export class StatusSocketSession implements StatusSink {
  #subscriptions = new Map<string, StatusSubscription>();
  /** The subscribe being handled, if any; later messages wait in the backlog. */
  #inFlight: Promise<void> | undefined;
  #backlog: [RawData, boolean][] | undefined;
  #alive = true;
  #ending = false;
  #counted = false;

  constructor(
    private readonly socket: WebSocket,
    private readonly ctx: SessionContext,
    onClosed: () => void,
  ) {
    socket.on('message', (data, isBinary) => this.#receive(data, isBinary));
    socket.on('pong', () => {
      this.#alive = true;
    });
    socket.on('error', (err: Error & { code?: string }) => {
      // ws closes the connection itself after an error (1009 for an oversized message).
      this.#count(err.code === 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH' ? 'message_too_big' : 'error');
    });
    socket.once('close', () => {
      this.#dropSubscriptions();
      this.#count('client');
      onClosed();
    });
  }

  /** A subscription's snapshot or transition. */
  status(status: VersionedStatus): void {
    this.#send(statusMessage(status));
    this.ctx.metrics.eventsDelivered.inc();
  }

  /** A subscription delivered a terminal status. */
  ended(statusId: string): void {
    this.#forget(statusId);
    this.#send(unsubscribedMessage(statusId, 'terminal'));
  }

  /** A subscription could not read its snapshot. */
  failed(statusId: string, err: unknown): void {
    this.#forget(statusId);
    if (!isVerificationError(err)) this.ctx.log.warn({ err: err instanceof Error ? err.message : String(err) }, 'status snapshot failed');
    this.#send(errorMessage(err, statusId));
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
        for (const id of this.#validIds(message.status_ids)) {
          this.#forget(id);
          this.#send(unsubscribedMessage(id, 'requested'));
        }
        return;
      case 'subscribe': {
        const done = this.#subscribeAll(this.#validIds(message.status_ids));
        if (!done) return;
        this.#inFlight = done.finally(() => {
          this.#inFlight = undefined;
          this.#drainBacklog();
        });
      }
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

  /** The well-formed ids among `raw`, lower-cased and once each; an error message for each other one. */
  #validIds(raw: string[]): Set<string> {
    const ids = new Set<string>();
    for (const candidate of raw) {
      const parsed = uuidSchema.safeParse(candidate);
      if (parsed.success) ids.add(parsed.data.toLowerCase());
      else this.#send(errorMessage(new VerificationError('INVALID_ID', 'status_id must be a UUID'), candidate));
    }
    return ids;
  }

  /** Opens a subscription per new id; resolves once every snapshot was sent. Already watched ids are left as they are. */
  #subscribeAll(ids: Set<string>): Promise<void> | undefined {
    const fresh = [...ids].filter((id) => !this.#subscriptions.has(id));
    if (fresh.length === 0) return undefined;
    const max = this.ctx.maxSubscriptions;
    if (this.#subscriptions.size + fresh.length > max) {
      this.#closeWith(CloseCode.TOO_MANY_SUBSCRIPTIONS, `at most ${max} subscriptions per connection`);
      return undefined;
    }
    const ready: Promise<void>[] = [];
    for (const id of fresh) {
      const subscription = new StatusSubscription(this.ctx.hub, id, this);
      this.#subscriptions.set(id, subscription);
      this.ctx.metrics.subscriptions.inc();
      ready.push(subscription.start());
    }
    return Promise.all(ready).then(() => undefined);
  }

  #forget(statusId: string): void {
    const subscription = this.#subscriptions.get(statusId);
    if (!subscription) return;
    subscription.close();
    this.#subscriptions.delete(statusId);
    this.ctx.metrics.subscriptions.dec();
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

import WebSocket from 'ws';

/** A message the status WebSocket sent, parsed; tests assert on its members. */
export interface WsMessage {
  type: string;
  status_id?: string;
  /** On an `error`: the ids it concerns (at most 20 listed). */
  status_ids?: string[];
  version?: number;
  etag?: string;
  reason?: string;
  data?: { status: string; id: string; [key: string]: unknown };
  error?: { code: string; status: number; title: string; detail: string; type: string };
}

export interface CloseEvent {
  code: number;
  reason: string;
}

export interface OpenOptions {
  origin?: string;
  /** Answer server pings (true, as every real client does); false plays a dead peer. */
  autoPong?: boolean;
  maxPayload?: number;
}

/** The status WebSocket URL of a server whose HTTP base URL is `baseUrl`. */
export function wsUrl(baseUrl: string, query = ''): string {
  return `${baseUrl.replace(/^http/, 'ws')}/verification-srv/ws${query}`;
}

/**
 * A WebSocket client for tests: every message it receives is queued, and `next()` takes them
 * in order, so a test reads the conversation exactly as the server wrote it.
 */
export class TestSocket {
  readonly socket: WebSocket;
  readonly closed: Promise<CloseEvent>;
  #queue: WsMessage[] = [];
  #waiters: ((message: WsMessage) => void)[] = [];

  private constructor(socket: WebSocket) {
    this.socket = socket;
    socket.on('message', (data) => {
      const message = JSON.parse(data.toString()) as WsMessage;
      const waiter = this.#waiters.shift();
      if (waiter) waiter(message);
      else this.#queue.push(message);
    });
    this.closed = new Promise((resolve) => socket.once('close', (code, reason) => resolve({ code, reason: reason.toString() })));
  }

  /** Connects and resolves once the handshake succeeded. */
  static open(url: string, options: OpenOptions = {}): Promise<TestSocket> {
    const socket = new WebSocket(url, {
      ...(options.origin ? { origin: options.origin } : {}),
      autoPong: options.autoPong ?? true,
      maxPayload: options.maxPayload ?? 100 * 1024 * 1024,
    });
    const client = new TestSocket(socket);
    return new Promise((resolve, reject) => {
      socket.once('open', () => resolve(client));
      socket.once('error', reject);
    });
  }

  /** Connects expecting the server to refuse the handshake; resolves with its HTTP status and body. */
  static refused(url: string, options: OpenOptions = {}): Promise<{ status: number; body: unknown }> {
    const socket = new WebSocket(url, options.origin ? { origin: options.origin } : {});
    return new Promise((resolve, reject) => {
      socket.once('open', () => reject(new Error('the handshake was accepted')));
      socket.once('error', () => undefined);
      socket.once('unexpected-response', (_req, res) => {
        let text = '';
        res.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text ? JSON.parse(text) : undefined }));
      });
    });
  }

  send(message: unknown): void {
    this.socket.send(typeof message === 'string' ? message : JSON.stringify(message));
  }

  /** The next message, or a failure after `timeoutMs`. */
  next(timeoutMs = 5_000): Promise<WsMessage> {
    const queued = this.#queue.shift();
    if (queued) return Promise.resolve(queued);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#waiters.splice(this.#waiters.indexOf(waiter), 1);
        reject(new Error(`no message within ${timeoutMs} ms`));
      }, timeoutMs);
      const waiter = (message: WsMessage) => {
        clearTimeout(timer);
        resolve(message);
      };
      this.#waiters.push(waiter);
    });
  }

  /**
   * The first message `matches` accepts, skipping the ones before it (e.g. the delivery-state
   * updates of a live SMS challenge, which arrive whenever the outbox finishes its message).
   */
  async nextMatching(matches: (message: WsMessage) => boolean, timeoutMs = 5_000): Promise<WsMessage> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const message = await this.next(Math.max(1, deadline - Date.now()));
      if (matches(message)) return message;
    }
  }

  /** The next `count` messages, in order. */
  async take(count: number, timeoutMs = 5_000): Promise<WsMessage[]> {
    const messages: WsMessage[] = [];
    for (let i = 0; i < count; i++) messages.push(await this.next(timeoutMs));
    return messages;
  }

  /** Resolves if nothing arrives within `ms`, fails with the message otherwise. */
  async expectSilence(ms: number): Promise<void> {
    const message = await this.next(ms).catch(() => undefined);
    if (message) throw new Error(`expected no message, got ${JSON.stringify(message)}`);
  }

  subscribe(...statusIds: string[]): void {
    this.send({ type: 'subscribe', status_ids: statusIds });
  }

  unsubscribe(...statusIds: string[]): void {
    this.send({ type: 'unsubscribe', status_ids: statusIds });
  }

  /** Closes (if still open) and waits until the socket is gone. */
  async close(): Promise<CloseEvent> {
    if (this.socket.readyState === WebSocket.OPEN || this.socket.readyState === WebSocket.CONNECTING) this.socket.close(1000);
    return this.closed;
  }
}

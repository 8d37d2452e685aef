import pg from 'pg';
import type { Logger } from '../log/logger.ts';
import type { ListenerState, NotificationHandler } from './database.ts';

interface Channel {
  handlers: Set<NotificationHandler>;
  reconnectHandlers: Set<() => void>;
}

const MIN_BACKOFF_MS = 100;
const MAX_BACKOFF_MS = 5_000;
/** How often the idle connection is asked `SELECT 1`, to notice a peer that vanished silently. */
const HEALTH_CHECK_MS = 10_000;
/** A health check unanswered this long counts as a lost connection. */
const HEALTH_TIMEOUT_MS = 5_000;

/** The `application_name` of the listening connection, so operators (and tests) can find it. */
export const LISTENER_APPLICATION_NAME = 'verification-listener';

/**
 * One dedicated connection per process that LISTENs on every channel anyone subscribed to.
 * When the connection dies it reconnects with backoff, re-issues LISTEN, and tells the
 * subscribers so they can resync whatever was published while it was down.
 */
export class PostgresListener {
  #client: pg.Client | undefined;
  #state: ListenerState = 'reconnecting';
  #channels = new Map<string, Channel>();
  #connecting: Promise<void> | undefined;
  #closed = false;
  #tail: Promise<unknown> = Promise.resolve();
  #everConnected = false;
  #backoff = MIN_BACKOFF_MS;
  #timer: NodeJS.Timeout | undefined;
  #health: NodeJS.Timeout;

  constructor(
    private readonly connectionString: string,
    private readonly log: Logger,
  ) {
    this.#health = setInterval(() => this.#checkHealth(), HEALTH_CHECK_MS);
    this.#health.unref();
  }

  get state(): ListenerState {
    return this.#closed ? 'closed' : this.#state;
  }

  async subscribe(channel: string, onMessage: NotificationHandler, onReconnect?: () => void): Promise<() => Promise<void>> {
    let entry = this.#channels.get(channel);
    const isNew = !entry;
    if (!entry) {
      entry = { handlers: new Set(), reconnectHandlers: new Set() };
      this.#channels.set(channel, entry);
    }
    entry.handlers.add(onMessage);
    if (onReconnect) entry.reconnectHandlers.add(onReconnect);
    await this.#ensureConnected();
    const client = this.#client;
    if (isNew && client) await this.#serially(() => client.query(`LISTEN ${pg.escapeIdentifier(channel)}`));
    return async () => {
      entry.handlers.delete(onMessage);
      if (onReconnect) entry.reconnectHandlers.delete(onReconnect);
      if (entry.handlers.size === 0) {
        this.#channels.delete(channel);
        const client = this.#client;
        if (client) await this.#serially(() => client.query(`UNLISTEN ${pg.escapeIdentifier(channel)}`)).catch(() => undefined);
      }
    };
  }

  /** Runs one statement on the listening connection; fails while it is not connected. */
  query(text: string, params?: unknown[]): Promise<unknown> {
    const client = this.#client;
    if (!client) return Promise.reject(new Error('the listener is not connected'));
    return this.#serially(() => client.query(text, params));
  }

  /** One statement at a time on the connection (pg deprecates overlapping ones). */
  #serially<T>(run: () => Promise<T>): Promise<T> {
    const result = this.#tail.then(run, run);
    this.#tail = result.catch(() => undefined);
    return result;
  }

  async close(): Promise<void> {
    this.#closed = true;
    clearTimeout(this.#timer);
    clearInterval(this.#health);
    const client = this.#client;
    this.#client = undefined;
    await client?.end().catch(() => undefined);
  }

  #ensureConnected(): Promise<void> {
    if (this.#client) return Promise.resolve();
    this.#connecting ??= this.#connect().finally(() => {
      this.#connecting = undefined;
    });
    return this.#connecting;
  }

  async #connect(): Promise<void> {
    const client = new pg.Client({
      connectionString: this.connectionString,
      application_name: LISTENER_APPLICATION_NAME,
      keepAlive: true,
      connectionTimeoutMillis: 10_000,
    });
    client.on('notification', (msg) => {
      // Only the current connection speaks, and only once its LISTENs are in place and the
      // reconnect handlers ran: anything earlier is covered by their resync.
      if (this.#client !== client) return;
      const entry = this.#channels.get(msg.channel);
      if (!entry || msg.payload === undefined) return;
      for (const handler of entry.handlers) handler(msg.payload);
    });
    client.on('error', (err) => this.#lost(client, err));
    client.on('end', () => this.#lost(client));
    try {
      await client.connect();
      for (const channel of this.#channels.keys()) await client.query(`LISTEN ${pg.escapeIdentifier(channel)}`);
    } catch (err) {
      await client.end().catch(() => undefined);
      throw err;
    }
    if (this.#closed) {
      await client.end().catch(() => undefined);
      return;
    }
    this.#client = client;
    this.#state = 'connected';
    this.#backoff = MIN_BACKOFF_MS;
    const reconnected = this.#everConnected;
    this.#everConnected = true;
    if (reconnected) {
      this.log.info('database listener reconnected');
      // Synchronously, before any notification of the new connection is dispatched, so
      // subscribers drop what they cached before they hear anything new.
      for (const entry of this.#channels.values()) for (const resync of entry.reconnectHandlers) resync();
    }
  }

  #lost(client: pg.Client, err?: Error): void {
    if (this.#client !== client || this.#closed) return;
    this.#client = undefined;
    this.#state = 'reconnecting';
    this.log.warn({ err: err?.message }, 'database listener lost its connection; reconnecting');
    this.#scheduleReconnect();
  }

  #scheduleReconnect(): void {
    if (this.#closed) return;
    const delay = this.#backoff;
    this.#backoff = Math.min(this.#backoff * 2, MAX_BACKOFF_MS);
    this.#timer = setTimeout(() => {
      this.#ensureConnected().catch((err: unknown) => {
        this.log.warn({ err: err instanceof Error ? err.message : String(err), retryInMs: this.#backoff }, 'database listener could not reconnect');
        this.#scheduleReconnect();
      });
    }, delay);
    this.#timer.unref();
  }

  /** A connection whose peer vanished without a FIN (network cut) would otherwise look alive for hours. */
  #checkHealth(): void {
    const client = this.#client;
    if (!client) return;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error('listener health check timed out')), HEALTH_TIMEOUT_MS);
      timer.unref();
    });
    Promise.race([this.#serially(() => client.query('SELECT 1')), timeout]).then(
      () => clearTimeout(timer),
      (err: unknown) => {
        clearTimeout(timer);
        this.#lost(client, err instanceof Error ? err : new Error(String(err)));
        void client.end().catch(() => undefined);
      },
    );
  }
}

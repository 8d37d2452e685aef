import pg from 'pg';
import type { Logger } from '../log/logger.ts';
import type { ListenerState, NotificationHandler } from './database.ts';

interface Channel {
  handlers: Set<NotificationHandler>;
  reconnectHandlers: Set<() => void>;
}

const MIN_BACKOFF_MS = 100;
const MAX_BACKOFF_MS = 5_000;

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
  #backoff = MIN_BACKOFF_MS;
  #timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly connectionString: string,
    private readonly log: Logger,
  ) {}

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
    if (isNew && this.#client) await this.#client.query(`LISTEN ${pg.escapeIdentifier(channel)}`);
    return async () => {
      entry.handlers.delete(onMessage);
      if (onReconnect) entry.reconnectHandlers.delete(onReconnect);
      if (entry.handlers.size === 0) {
        this.#channels.delete(channel);
        await this.#client?.query(`UNLISTEN ${pg.escapeIdentifier(channel)}`).catch(() => undefined);
      }
    };
  }

  async close(): Promise<void> {
    this.#closed = true;
    clearTimeout(this.#timer);
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
    const client = new pg.Client({ connectionString: this.connectionString, application_name: 'verification-listener' });
    client.on('notification', (msg) => {
      const entry = this.#channels.get(msg.channel);
      if (!entry || msg.payload === undefined) return;
      for (const handler of entry.handlers) handler(msg.payload);
    });
    client.on('error', (err) => this.#lost(client, err));
    client.on('end', () => this.#lost(client));
    await client.connect();
    for (const channel of this.#channels.keys()) await client.query(`LISTEN ${pg.escapeIdentifier(channel)}`);
    this.#client = client;
    this.#state = 'connected';
    this.#backoff = MIN_BACKOFF_MS;
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
      this.#ensureConnected().then(
        () => {
          this.log.info('database listener reconnected');
          for (const entry of this.#channels.values()) for (const resync of entry.reconnectHandlers) resync();
        },
        () => this.#scheduleReconnect(),
      );
    }, delay);
    this.#timer.unref();
  }
}

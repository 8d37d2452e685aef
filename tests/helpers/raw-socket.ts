import { connect, type Socket } from 'node:net';

/** A plain TCP connection to a test server, for what an HTTP client library would never do. */
export class RawSocket {
  readonly socket: Socket;
  /** Resolves when the server (or anything) closed the connection, with what it had sent. */
  readonly closed: Promise<string>;
  #received = '';

  private constructor(socket: Socket) {
    this.socket = socket;
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => (this.#received += chunk));
    socket.on('error', () => undefined);
    this.closed = new Promise((resolve) => socket.once('close', () => resolve(this.#received)));
  }

  /** Connects to the HTTP base URL `baseUrl`. */
  static open(baseUrl: string): Promise<RawSocket> {
    const { hostname, port } = new URL(baseUrl);
    const socket = connect(Number(port), hostname);
    return new Promise((resolve, reject) => {
      socket.once('connect', () => resolve(new RawSocket(socket)));
      socket.once('error', reject);
    });
  }

  get received(): string {
    return this.#received;
  }

  get isClosed(): boolean {
    return this.socket.destroyed || this.socket.readyState === 'closed';
  }

  write(text: string): void {
    this.socket.write(text);
  }

  /** Sends a keep-alive GET and resolves with the raw response once it is complete. */
  async get(path: string, timeoutMs = 10_000): Promise<string> {
    const start = this.#received.length;
    this.write(`GET ${path} HTTP/1.1\r\nHost: test\r\nConnection: keep-alive\r\n\r\n`);
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const text = this.#received.slice(start);
      const headEnd = text.indexOf('\r\n\r\n');
      const length = /\r\ncontent-length: (\d+)/i.exec(text)?.[1];
      if (headEnd >= 0 && length !== undefined && text.length >= headEnd + 4 + Number(length)) return text;
      if (this.isClosed) throw new Error(`the connection closed before the response was complete: ${JSON.stringify(text)}`);
      if (Date.now() > deadline) throw new Error(`no complete response within ${timeoutMs} ms`);
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  }

  /** Resolves with true once the connection closes, false if it is still open after `ms`. */
  closesWithin(ms: number): Promise<boolean> {
    return Promise.race([this.closed.then(() => true), new Promise<boolean>((resolve) => setTimeout(() => resolve(false), ms))]);
  }

  destroy(): void {
    this.socket.destroy();
  }
}

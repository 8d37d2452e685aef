// @ts-check
// Following one status id: live over the status WebSocket, or, when the socket cannot be used
// (blocked by a proxy, closed, silent), by polling every 4 s as cidaas recommends, revalidating
// with the ETag so an unchanged status costs a bodiless 304.

/** @typedef {import('./types.js').StatusDocument} StatusDocument */
/** @typedef {'connecting' | 'websocket' | 'polling'} Transport */

export const POLL_INTERVAL_MS = 4000;
// A socket that opens but sends no snapshot this soon is treated as unusable.
const SNAPSHOT_TIMEOUT_MS = 5000;
const LIVE = new Set(['INITIATED', 'SCANNED']);

/**
 * @typedef {object} WatchOptions
 * @property {(status: StatusDocument) => void} onStatus each new status, once, in order
 * @property {(transport: Transport) => void} [onTransport] how updates arrive now
 * @property {number} [pollIntervalMs]
 */

/**
 * Watches `statusId` until its status is terminal or `stop()` is called. Both transports carry
 * the same document and ETag (asyncapi.yaml), so switching from one to the other mid-way
 * neither repeats nor skips a status.
 *
 * @param {string} statusId
 * @param {WatchOptions} options
 * @returns {{ stop(): void }}
 */
export function watchStatus(statusId, { onStatus, onTransport = () => {}, pollIntervalMs = POLL_INTERVAL_MS }) {
  let stopped = false;
  /** @type {string | undefined} */
  let lastEtag;
  /** @type {WebSocket | undefined} */
  let socket;
  /** @type {ReturnType<typeof setTimeout> | undefined} */
  let timer;

  const stop = () => {
    stopped = true;
    clearTimeout(timer);
    if (socket && socket.readyState <= WebSocket.OPEN) socket.close(1000);
    socket = undefined;
  };

  /**
   * @param {StatusDocument} status
   * @param {string | null} etag
   */
  const deliver = (status, etag) => {
    if (stopped || (etag && etag === lastEtag)) return;
    lastEtag = etag ?? undefined;
    onStatus(status);
    if (!LIVE.has(status.status)) stop();
  };

  async function poll() {
    if (stopped) return;
    try {
      const res = await fetch(`/verification-srv/verificationstatus/${encodeURIComponent(statusId)}`, {
        headers: { Accept: 'application/json', ...(lastEtag ? { 'If-None-Match': lastEtag } : {}) },
      });
      if (res.status === 200) deliver(await res.json(), res.headers.get('ETag'));
      // Gone (purged, or never known): nothing more will ever come.
      else if (res.status === 404) return stop();
    } catch {
      // Offline for a moment: the next poll tries again.
    }
    if (!stopped) timer = setTimeout(poll, pollIntervalMs);
  }

  const fallBackToPolling = () => {
    if (stopped || !socket) return;
    const dead = socket;
    socket = undefined;
    dead.onclose = null;
    if (dead.readyState <= WebSocket.OPEN) dead.close();
    clearTimeout(timer);
    onTransport('polling');
    void poll();
  };

  onTransport('connecting');
  const url = new URL('/verification-srv/ws', location.href);
  url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
  url.searchParams.set('status_id', statusId);
  try {
    socket = new WebSocket(url);
  } catch {
    onTransport('polling');
    void poll();
    return { stop };
  }
  timer = setTimeout(fallBackToPolling, SNAPSHOT_TIMEOUT_MS);
  socket.onmessage = (event) => {
    let message;
    try {
      message = JSON.parse(String(event.data));
    } catch {
      return fallBackToPolling();
    }
    if (message.type === 'status' && message.status_id === statusId) {
      clearTimeout(timer);
      onTransport('websocket');
      deliver(message.data, message.etag);
    } else if (message.type === 'error') {
      fallBackToPolling();
    }
  };
  // A close while the status is still live (refused, dropped, the instance shutting down).
  socket.onclose = fallBackToPolling;
  return { stop };
}

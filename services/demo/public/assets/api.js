// @ts-check
// Talking to the service: JSON in and out, problem+json refusals as ProblemError, the bearer
// token on every call, and step-up (DESIGN §8) handled in one place.

/** @typedef {import('./types.js').Problem} Problem */

/** A refusal by the service: its problem+json document, with the stable `code` to switch on. */
export class ProblemError extends Error {
  /**
   * @param {number} status
   * @param {Partial<Problem> | undefined} problem
   * @param {Headers} headers
   */
  constructor(status, problem, headers) {
    super(problem?.detail ?? problem?.title ?? `HTTP ${status}`);
    this.name = 'ProblemError';
    this.status = status;
    /** `VER_0041` and the like; empty when the answer was not problem+json (a proxy's error page). */
    this.code = problem?.code ?? '';
    this.problem = problem ?? {};
    const retryAfter = Number(problem?.retry_after ?? headers.get('Retry-After'));
    /** Seconds to wait before trying again (throttling, lockout), when the service said so. */
    this.retryAfter = Number.isFinite(retryAfter) && retryAfter > 0 ? retryAfter : undefined;
  }
}

/**
 * One request to this origin. Resolves with the JSON body (undefined for 204); throws a
 * ProblemError for any 4xx/5xx.
 *
 * @param {string} method
 * @param {string} path
 * @param {{ body?: unknown, headers?: Record<string, string>, signal?: AbortSignal }} [options]
 * @returns {Promise<unknown>}
 */
export async function requestJson(method, path, { body, headers = {}, signal } = {}) {
  /** @type {RequestInit} */
  const init = { method, headers: { Accept: 'application/json', ...headers } };
  if (body !== undefined) {
    init.headers = { ...init.headers, 'Content-Type': 'application/json' };
    init.body = JSON.stringify(body);
  }
  if (signal) init.signal = signal;
  return readJson(await fetch(path, init));
}

/**
 * The JSON body of `res` (undefined when it is not JSON); a ProblemError for any 4xx/5xx.
 *
 * @param {Response} res
 * @returns {Promise<unknown>}
 */
async function readJson(res) {
  const isJson = /^application\/(?:[\w.+-]+\+)?json/.test(res.headers.get('Content-Type') ?? '');
  const data = isJson ? await res.json() : undefined;
  if (!res.ok) throw new ProblemError(res.status, data, res.headers);
  return data;
}

/** The header a verification assertion travels in. */
export const ASSERTION_HEADER = 'Verification-Assertion';

/** Codes that mean the bearer token is missing, invalid or expired: the session is over. */
const SESSION_ENDED = new Set(['VER_0010', 'VER_0011']);
/** The step-up refusal: a fresh second factor is needed. */
const STEP_UP_REQUIRED = 'VER_0014';
// Drop an assertion a little before it expires rather than have a request refused for it.
const ASSERTION_MARGIN_MS = 15_000;

/**
 * When a verification assertion (a JWT) stops being accepted. The client only reads `exp`;
 * the service verifies the signature.
 *
 * @param {string} assertion
 */
function expiryOf(assertion) {
  try {
    const payload = JSON.parse(atob((assertion.split('.')[1] ?? '').replace(/-/g, '+').replace(/_/g, '/')));
    return typeof payload.exp === 'number' ? payload.exp * 1000 : 0;
  } catch {
    return 0;
  }
}

/**
 * @typedef {object} RequestOptions
 * @property {unknown} [body]
 * @property {boolean} [stepUp] the call changes factors: send the held assertion, and on
 *   `401 VER_0014` ask the user for a second factor and try once more
 * @property {AbortSignal} [signal]
 */

/**
 * The calls resolve with the JSON body as the type the caller declares for the variable it is
 * assigned to (the shapes of openapi.yaml, see types.js), e.g. a DeviceView array for
 * `api.get('/verification-actions-srv/devices')`.
 *
 * @typedef {object} Api
 * @property {<T>(path: string, options?: RequestOptions) => Promise<T>} get
 * @property {<T>(path: string, body?: unknown, options?: RequestOptions) => Promise<T>} post
 * @property {<T>(path: string, body?: unknown, options?: RequestOptions) => Promise<T>} put
 * @property {(path: string, options?: RequestOptions) => Promise<void>} del
 * @property {(assertion: string) => void} keepAssertion  hold an assertion a sign-in returned
 * @property {<T>(path: string, etag: string | undefined) => Promise<Revalidated<T> | undefined>} getIfChanged
 *   GET revalidated by the ETag of the copy the caller has: undefined while unchanged (a bodiless 304)
 */

/**
 * @template T
 * @typedef {{ body: T, etag: string | undefined }} Revalidated
 */

/**
 * A client for one signed-in user.
 *
 * Step-up: calls that change factors are sent with `stepUp: true`. They carry the assertion held
 * from the last sign-in verification while it is fresh (assertions live 5 minutes and may be
 * used for several changes); when the service still answers `401 VER_0014`, `proveSecondFactor`
 * asks the user for a code, and the call is repeated once with the new assertion. The assertion
 * is kept in memory only: never in storage, never in a URL.
 *
 * @param {object} options
 * @param {string} options.token the bearer token (first factor)
 * @param {(api: Api) => Promise<string>} options.proveSecondFactor resolves with a fresh assertion, or rejects when the user gives up
 * @param {() => void} [options.onSessionEnded] the token was refused: sign the user out
 * @returns {Api}
 */
export function createApi({ token, proveSecondFactor, onSessionEnded }) {
  /** @type {{ value: string, expiresAt: number } | undefined} */
  let held;

  const freshAssertion = () => (held && held.expiresAt - ASSERTION_MARGIN_MS > Date.now() ? held.value : undefined);

  /** @param {string} assertion */
  const keepAssertion = (assertion) => {
    held = { value: assertion, expiresAt: expiryOf(assertion) };
  };

  /**
   * @param {string} method
   * @param {string} path
   * @param {RequestOptions} options
   */
  async function send(method, path, { body, stepUp = false, signal } = {}) {
    /** @param {string | undefined} assertion */
    const attempt = (assertion) =>
      requestJson(method, path, {
        body,
        signal,
        headers: { Authorization: `Bearer ${token}`, ...(assertion ? { [ASSERTION_HEADER]: assertion } : {}) },
      });
    try {
      return await attempt(stepUp ? freshAssertion() : undefined);
    } catch (err) {
      if (err instanceof ProblemError && SESSION_ENDED.has(err.code)) onSessionEnded?.();
      if (!(stepUp && err instanceof ProblemError && err.code === STEP_UP_REQUIRED)) throw err;
    }
    keepAssertion(await proveSecondFactor(api));
    return attempt(freshAssertion());
  }

  /** @type {Api} */
  const api = {
    get: (path, options) => /** @type {Promise<any>} */ (send('GET', path, { ...options })),
    post: (path, body, options) => /** @type {Promise<any>} */ (send('POST', path, { ...options, body })),
    put: (path, body, options) => /** @type {Promise<any>} */ (send('PUT', path, { ...options, body })),
    del: async (path, options) => {
      await send('DELETE', path, { ...options });
    },
    keepAssertion,
    getIfChanged: async (path, etag) => {
      const res = await fetch(path, {
        headers: { Accept: 'application/json', Authorization: `Bearer ${token}`, ...(etag ? { 'If-None-Match': etag } : {}) },
      });
      if (res.status === 304) return undefined;
      try {
        return { body: /** @type {any} */ (await readJson(res)), etag: res.headers.get('ETag') ?? undefined };
      } catch (err) {
        if (err instanceof ProblemError && SESSION_ENDED.has(err.code)) onSessionEnded?.();
        throw err;
      }
    },
  };
  return api;
}

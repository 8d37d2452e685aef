// @ts-check
// The signed-in user's bearer token, kept in sessionStorage: it lives as long as the tab, is
// never put in a URL, and is shared by the demo pages opened in this tab.

import { requestJson } from './api.js';

/** @typedef {import('./types.js').DemoSession} DemoSession */

const TOKEN_KEY = 'verification-demo:token';

/**
 * What the pages show about a token. Read without verifying: the service verifies every call.
 *
 * @typedef {object} SessionUser
 * @property {string} sub
 * @property {string} tenant
 * @property {number | undefined} expiresAt milliseconds since the epoch
 */

/**
 * @param {string} token
 * @returns {SessionUser | undefined} undefined when the token is not a JWT with a `sub`
 */
export function userOf(token) {
  try {
    const payload = JSON.parse(atob((token.split('.')[1] ?? '').replace(/-/g, '+').replace(/_/g, '/')));
    if (typeof payload.sub !== 'string') return undefined;
    return {
      sub: payload.sub,
      tenant: typeof payload.tid === 'string' ? payload.tid : 'default',
      expiresAt: typeof payload.exp === 'number' ? payload.exp * 1000 : undefined,
    };
  } catch {
    return undefined;
  }
}

/** The token of this tab's session, unless there is none or it has expired. */
export function currentToken() {
  const token = sessionStorage.getItem(TOKEN_KEY);
  const user = token ? userOf(token) : undefined;
  if (!token || !user || (user.expiresAt !== undefined && user.expiresAt <= Date.now())) return undefined;
  return token;
}

/**
 * Keeps a token pasted by the user (e.g. from the identity provider when this service verifies
 * tokens with a JWKS).
 *
 * @param {string} token
 * @throws {Error} when it is not a JWT with a `sub`
 */
export function useToken(token) {
  const trimmed = token.trim().replace(/^Bearer\s+/i, '');
  if (!/^[\w-]+\.[\w-]+\.[\w-]+$/.test(trimmed) || !userOf(trimmed)) throw new Error('That is not a JWT with a sub claim.');
  sessionStorage.setItem(TOKEN_KEY, trimmed);
}

/**
 * Asks the service for a demo user's token (`POST /demo/session`, only offered while `DEMO` is
 * on and the service signs tokens itself) and keeps it. It proves a password at most: adding a
 * second factor once the user has one still needs step-up.
 *
 * @param {string} sub
 * @param {string} [tenant]
 * @throws {import('./api.js').ProblemError} `VER_0008` when tokens must come from the identity provider
 */
export async function startDemoSession(sub, tenant) {
  const session = /** @type {DemoSession} */ (await requestJson('POST', '/demo/session', { body: tenant ? { sub, tenant } : { sub } }));
  sessionStorage.setItem(TOKEN_KEY, session.token);
}

export function endSession() {
  sessionStorage.removeItem(TOKEN_KEY);
}

// @ts-check
// The sign-in box the profile and sign-in pages share: a demo user's token minted by the
// service, or a token pasted from a real identity provider.

import { ProblemError } from './api.js';
import { h, moveFocusTo } from './dom.js';
import { currentToken, endSession, startDemoSession, useToken, userOf } from './session.js';

/**
 * Shows the sign-in form in `container`; resolves once a token is kept.
 *
 * @param {HTMLElement} container
 * @param {string} [notice] why the user sees it (e.g. the session ended)
 * @returns {Promise<void>}
 */
export function showSignIn(container, notice) {
  return new Promise((resolve) => {
    const message = h('p', { class: 'error', role: 'alert' }, notice ?? '');
    const sub = h('input', { id: 'signin-sub', name: 'sub', autocomplete: 'username', required: true, value: 'alice', maxlength: 64 });
    const tenant = h('input', { id: 'signin-tenant', name: 'tenant', placeholder: 'default', maxlength: 128 });
    const token = h('textarea', { id: 'signin-token', rows: 4, spellcheck: 'false', required: true });
    const paste = h(
      'details',
      {},
      h('summary', {}, 'Paste a token instead'),
      h(
        'form',
        { onsubmit: (event) => submit(event, () => useToken(token.value)) },
        h('label', { for: 'signin-token' }, 'Bearer token from your identity provider'),
        token,
        h('button', { type: 'submit' }, 'Use this token'),
      ),
    );

    /**
     * @param {Event} event
     * @param {() => unknown} keep
     */
    async function submit(event, keep) {
      event.preventDefault();
      message.textContent = '';
      try {
        await keep();
        resolve();
      } catch (err) {
        if (err instanceof ProblemError && err.code === 'VER_0008') {
          message.textContent = 'This service verifies tokens from your identity provider (JWT_JWKS_URL), so it cannot sign you in itself: paste a token instead.';
          paste.open = true;
          moveFocusTo(token);
          return;
        }
        message.textContent = err instanceof Error ? err.message : String(err);
        moveFocusTo(message);
      }
    }

    const heading = h('h2', { id: 'signin-title' }, 'Sign in');
    container.replaceChildren(
      h(
        'section',
        { class: 'card', 'aria-labelledby': 'signin-title' },
        heading,
        h(
          'p',
          {},
          'This demo stands in for your identity provider: it signs you in as any user with a first-factor token, as a password would. ',
          'Adding a second factor once you have one asks for a code from it (step-up).',
        ),
        h(
          'form',
          { onsubmit: (event) => submit(event, () => startDemoSession(sub.value.trim(), tenant.value.trim() || undefined)) },
          h('label', { for: 'signin-sub' }, 'User name'),
          sub,
          h('label', { for: 'signin-tenant' }, 'Tenant (optional)'),
          tenant,
          h('button', { type: 'submit' }, 'Sign in'),
        ),
        message,
        paste,
      ),
    );
    moveFocusTo(notice ? message : sub);
  });
}

/**
 * Shows who is signed in, with a sign-out button that ends the session and reloads the page.
 *
 * @param {HTMLElement} container
 * @param {string} token
 */
export function showSignedIn(container, token) {
  const user = userOf(token);
  container.replaceChildren(
    h(
      'p',
      { class: 'who' },
      'Signed in as ',
      h('strong', { id: 'signed-in-user' }, user?.sub ?? '?'),
      user && user.tenant !== 'default' ? ` (tenant ${user.tenant})` : '',
      ' ',
      h(
        'button',
        {
          type: 'button',
          class: 'link',
          onclick: () => {
            endSession();
            location.reload();
          },
        },
        'Sign out',
      ),
    ),
  );
}

/**
 * The tab's token, once someone is signed in: asks for a user name when there is no token
 * (saying `notice` first), then shows who is signed in. Undefined when nobody signed in.
 *
 * @param {HTMLElement} container
 * @param {string} [notice]
 * @returns {Promise<string | undefined>}
 */
export async function signedInToken(container, notice) {
  let token = currentToken();
  if (!token) {
    await showSignIn(container, notice);
    token = currentToken();
    if (!token) return undefined;
  }
  showSignedIn(container, token);
  return token;
}

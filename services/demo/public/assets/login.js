// @ts-check
// The sign-in page (/demo/login): the second step of a sign-in. The user picks a method, runs
// its challenge, and sees what the service answered.

import { createApi } from './api.js';
import { announce, byId, h, moveFocusTo } from './dom.js';
import { endSession } from './session.js';
import { signedInToken } from './session-panel.js';
import { offeredMethods } from '../methods/index.js';

/** @typedef {import('../methods/method-module.js').MethodModule} MethodModule */
/** @typedef {import('./types.js').SignInResult} SignInResult */
/** @typedef {import('./types.js').DeviceView} DeviceView */

const session = byId('session', HTMLElement);
const signIn = byId('sign-in', HTMLElement);
const choice = byId('method-choice', HTMLElement);
const challenge = byId('challenge', HTMLElement);
const result = byId('result', HTMLElement);

/** @param {string} [notice] */
async function start(notice) {
  signIn.hidden = true;
  const token = await signedInToken(session, notice);
  if (!token) return;
  const api = createApi({
    token,
    // Signing in changes no factor, so nothing here asks for step-up.
    proveSecondFactor: () => Promise.reject(new Error('not expected on the sign-in page')),
    onSessionEnded: () => {
      endSession();
      void start('Your session ended: sign in again.');
    },
  });

  /** @type {DeviceView[]} */
  const devices = await api.get('/verification-actions-srv/devices');
  /** @type {Set<string>} */
  const owned = new Set(devices.map((device) => device.verification_type));
  // The user's own methods first, so the one picked at the start is one they can answer.
  const offered = await offeredMethods(api, 'signIn');
  const methods = [...offered.filter((m) => owned.has(m.type)), ...offered.filter((m) => !owned.has(m.type))];
  /** @type {AbortController | undefined} */
  let running;

  /** @param {MethodModule} method */
  const run = (method) => {
    running?.abort();
    const controller = new AbortController();
    running = controller;
    result.hidden = true;
    method.signIn
      ?.run({ api, view: challenge, announce, signal: controller.signal })
      .then((answer) => showResult(method, answer))
      .catch(() => {
        // Aborted: another method was picked.
      });
  };

  /**
   * @param {MethodModule} method
   * @param {SignInResult} answer
   */
  const showResult = (method, answer) => {
    const title = h('h2', { id: 'result-title', 'data-status': answer.status }, answer.status);
    result.replaceChildren(
      title,
      h(
        'p',
        {},
        `Signed in with your ${method.label.toLowerCase()} at ${new Date(answer.authenticated_at).toLocaleTimeString()}. `,
        'The answer carries a verification assertion, valid for 5 minutes: a page that changes factors sends it back as the Verification-Assertion header.',
      ),
      h('button', { type: 'button', onclick: () => run(method) }, 'Sign in again'),
    );
    challenge.replaceChildren();
    result.hidden = false;
    moveFocusTo(title);
  };

  if (methods.length === 0) {
    choice.replaceChildren(h('p', { id: 'no-methods', class: 'muted' }, 'No sign-in method is switched on for your organisation.'));
  } else {
    choice.replaceChildren(
      owned.size === 0
        ? h('p', { id: 'no-factor', class: 'state' }, 'You have no second factor yet, so none of these can succeed: ', h('a', { href: '/demo/' }, 'add one on the profile page'), ' first.')
        : '',
      h(
        'fieldset',
        {},
        h('legend', {}, 'Method'),
        ...methods.map((method, i) =>
          h(
            'label',
            { class: 'choice' },
            h('input', { type: 'radio', name: 'method', value: method.type, checked: i === 0, onchange: () => run(method) }),
            method.label,
          ),
        ),
      ),
    );
  }
  signIn.hidden = false;
  const first = methods[0];
  if (first) run(first);
}

void start();

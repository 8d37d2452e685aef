// @ts-check
// FIDO2 and TOUCHID for the demo pages: one WebAuthn core, two modules (fido2.js, touchid.js).
// Enrolling and signing in are each one button: the service makes the options, the browser runs
// the ceremony (the vendored @simplewebauthn/browser, loaded by the page as a classic script),
// and the result goes back to the service. There is no companion part: the authenticator is
// the browser's own, or a security key plugged into it.

import { ProblemError } from '../assets/api.js';
import { h, moveFocusTo } from '../assets/dom.js';

/** @typedef {import('./method-module.js').MethodModule} MethodModule */
/** @typedef {import('./method-module.js').EnrollContext} EnrollContext */
/** @typedef {import('./method-module.js').StartedEnrollment} StartedEnrollment */
/** @typedef {import('./method-module.js').SignInContext} SignInContext */
/** @typedef {import('../assets/types.js').Schemas['WebAuthnEnrollmentOffer']} EnrollmentOffer */
/** @typedef {import('../assets/types.js').Schemas['WebAuthnChallengeOffer']} ChallengeOffer */
/** @typedef {import('../assets/types.js').SignInResult} SignInResult */

/**
 * What to tell the user about a ceremony that did not end in a sign-in or an enrollment: the
 * browser's refusals (named by WebAuthn) and the service's (by code).
 *
 * @param {unknown} err
 * @returns {string}
 */
export function describeCeremonyFailure(err) {
  if (err instanceof ProblemError) {
    switch (err.code) {
      case 'VER_0043':
        return 'You have no key of this kind yet: add one on the profile page.';
      case 'VER_0084':
        return 'Your authenticator did not verify you (fingerprint, face or PIN). Try again.';
      case 'VER_0085':
        return 'This key was refused: its signature counter went backwards, so it may have been copied. Use another factor and remove this key.';
      case 'VER_0086':
        return 'This authenticator is already registered.';
      case 'VER_0089':
        return 'Use this device’s own authenticator (Touch ID, Windows Hello, screen lock), not a security key.';
      default:
        return err.message;
    }
  }
  const name = err instanceof Error ? err.name : '';
  if (name === 'InvalidStateError') return 'This authenticator is already registered.';
  if (name === 'NotAllowedError' || name === 'AbortError') return 'The request was cancelled or timed out. Try again.';
  if (name === 'SecurityError') return 'This page’s address cannot use passkeys (open it on localhost or over https).';
  return 'The browser could not use the authenticator. Try again.';
}

/**
 * One button that runs `action`, with a status line for its refusals; the button is disabled
 * while it runs.
 *
 * @param {object} options
 * @param {string} options.id
 * @param {string} options.label
 * @param {() => Promise<void>} options.action throws what the browser or the service refused
 */
function ceremonyButton({ id, label, action }) {
  const message = h('p', { id: `${id}-message`, class: 'message', role: 'status' });
  const button = h('button', { type: 'button', id: `${id}-button`, 'aria-describedby': message.id }, label);
  button.addEventListener('click', async () => {
    button.disabled = true;
    message.textContent = '';
    try {
      await action();
    } catch (err) {
      message.textContent = describeCeremonyFailure(err);
      moveFocusTo(button);
    } finally {
      button.disabled = false;
    }
  });
  return { element: h('div', { class: 'ceremony' }, button, message), button, message };
}

/**
 * @typedef {object} WebAuthnWording
 * @property {'FIDO2' | 'TOUCHID'} type
 * @property {string} label
 * @property {string} summary
 * @property {string} registerLabel the enrollment button
 * @property {string} useLabel the sign-in button
 * @property {string} waiting the enrollment's INITIATED hint
 */

/**
 * A WebAuthn method module for the demo pages.
 *
 * @param {WebAuthnWording} wording
 * @returns {MethodModule}
 */
export function webauthnMethod({ type, label, summary, registerLabel, useLabel, waiting }) {
  const path = type.toLowerCase();
  const setup = `/verification-actions-srv/setup/${path}`;
  const signInPath = `/verification-srv/authentication/${path}`;

  /**
   * Profile page: initiate (step-up when the user has a factor), then one button runs
   * `navigator.credentials.create` with the service's options and completes the enrollment.
   *
   * @param {EnrollContext} context
   * @returns {Promise<StartedEnrollment>}
   */
  async function start({ api, view, announce }) {
    /** @type {EnrollmentOffer} */
    const offer = await api.post(`${setup}/initiation`, {}, { stepUp: true });
    const ceremony = ceremonyButton({
      id: `${path}-register`,
      label: registerLabel,
      action: async () => {
        const credential = await SimpleWebAuthnBrowser.startRegistration({ optionsJSON: offer.options });
        await api.post(`${setup}/verification`, { exchange_id: offer.exchange_id.exchange_id, credential });
        announce(`${label} added.`);
      },
    });
    view.replaceChildren(ceremony.element);
    return {
      statusId: offer.status_id,
      cancel: () => api.del(`${setup}/${offer.exchange_id.exchange_id}`),
      onStatus: (status) => {
        view.hidden = status !== 'INITIATED';
      },
      wording: { INITIATED: { title: 'Waiting for your authenticator', hint: waiting } },
    };
  }

  /**
   * Sign-in page and step-up prompt: one button starts a challenge, runs
   * `navigator.credentials.get` with its options and sends the assertion.
   *
   * @param {SignInContext} context
   * @returns {Promise<SignInResult>}
   */
  function run({ api, view, signal }) {
    return new Promise((resolve, reject) => {
      const ceremony = ceremonyButton({
        id: `${path}-sign-in`,
        label: useLabel,
        action: async () => {
          /** @type {ChallengeOffer} */
          const offer = await api.post(`${signInPath}/initiation`, {}, { signal });
          const credential = await SimpleWebAuthnBrowser.startAuthentication({ optionsJSON: offer.options });
          resolve(await api.post(`${signInPath}/verification`, { exchange_id: offer.exchange_id.exchange_id, credential }, { signal }));
        },
      });
      view.replaceChildren(ceremony.element);
      ceremony.button.focus();
      signal.addEventListener('abort', () => reject(signal.reason), { once: true });
    });
  }

  return { type, label, summary, enroll: { start }, signIn: { run } };
}

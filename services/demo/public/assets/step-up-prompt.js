// @ts-check
// The step-up prompt (DESIGN §8): when a change of factors is refused with 401 VER_0014, the
// user proves one of the factors they already have, in a modal dialog, with that method's own
// sign-in part. The sign-in answer's `assertion` then goes with the change.

import { announce, h } from './dom.js';
import { METHODS } from '../methods/index.js';

/** @typedef {import('./api.js').Api} Api */
/** @typedef {import('./types.js').DeviceView} DeviceView */
/** @typedef {import('../methods/method-module.js').MethodModule} MethodModule */

/** The user closed the prompt: the change they asked for is not made. */
export class StepUpCancelled extends Error {
  constructor() {
    super('A code from one of your authenticators is needed for this change.');
    this.name = 'StepUpCancelled';
  }
}

/**
 * Asks for a fresh second factor and resolves with the verification assertion the service
 * returned for it. Offers each method the user has an authenticator of and the page can prove.
 *
 * @param {Api} api
 * @returns {Promise<string>}
 * @throws {StepUpCancelled} when the user closes the prompt
 */
export async function promptForSecondFactor(api) {
  /** @type {DeviceView[]} */
  const devices = await api.get('/verification-actions-srv/devices');
  /** @type {Set<string>} */
  const owned = new Set(devices.map((device) => device.verification_type));
  const methods = METHODS.filter((method) => method.signIn && owned.has(method.type));
  if (methods.length === 0) throw new Error('None of your authenticators can be checked on this page.');

  return new Promise((resolve, reject) => {
    const view = h('div', { class: 'step-up-method' });
    /** @type {AbortController | undefined} */
    let running;

    /** @param {MethodModule} method */
    const prove = (method) => {
      running?.abort();
      const controller = new AbortController();
      running = controller;
      method.signIn
        ?.run({ api, view, announce, signal: controller.signal })
        .then((result) => {
          resolve(result.assertion);
          dialog.close();
        })
        .catch(() => {
          // Aborted: another method was picked, or the prompt was closed (rejected there).
        });
    };

    const chooser =
      methods.length > 1
        ? h(
            'fieldset',
            {},
            h('legend', {}, 'Use'),
            ...methods.map((method, i) =>
              h(
                'label',
                { class: 'choice' },
                h('input', { type: 'radio', name: 'step-up-method', checked: i === 0, onchange: () => prove(method) }),
                method.label,
              ),
            ),
          )
        : h('p', {}, `Use your ${methods[0]?.label.toLowerCase()}.`);

    const dialog = h(
      'dialog',
      { class: 'step-up', 'aria-labelledby': 'step-up-title', 'aria-describedby': 'step-up-why' },
      h('h2', { id: 'step-up-title' }, 'Confirm it’s you'),
      h('p', { id: 'step-up-why' }, 'Adding or removing an authenticator needs a fresh code from one you already have.'),
      chooser,
      view,
      h('button', { type: 'button', class: 'secondary', onclick: () => dialog.close() }, 'Cancel'),
    );
    // Escape, Cancel, or done: the dialog returns focus to where it was opened from.
    dialog.addEventListener('close', () => {
      running?.abort();
      dialog.remove();
      reject(new StepUpCancelled());
    });
    document.body.append(dialog);
    dialog.showModal();
    const first = methods[0];
    if (first) prove(first);
  });
}

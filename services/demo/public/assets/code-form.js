// @ts-check
// "Type the code" as every code-based method asks it (TOTP now; SMS, email and backup codes
// later): one labelled field, one button, refusals said in words and announced.

import { ProblemError } from './api.js';
import { formatWait, h, moveFocusTo } from './dom.js';

/**
 * What to tell the user about a refused code. Knows the codes every code check can answer;
 * anything else shows the service's own `detail`.
 *
 * @param {unknown} err
 * @param {CodeFormat} [format] the kind of code, for what to say about a used one
 * @returns {string}
 */
export function describeRefusal(err, format = ONE_TIME_PASSWORD) {
  if (!(err instanceof ProblemError)) return 'The service could not be reached. Try again.';
  const wait = err.retryAfter === undefined ? '' : ` Try again in ${formatWait(err.retryAfter)}.`;
  switch (err.code) {
    case 'VER_0041':
      return /already used/.test(err.message) ? format.alreadyUsed : `Wrong code.${wait}`;
    case 'VER_0042':
      return `Locked: too many wrong codes.${wait}`;
    case 'VER_0043':
      return 'You have no authenticator of this kind yet: add one on the profile page.';
    case 'VER_0031':
      return 'This setup expired: start again for a new code.';
    default:
      return err.message;
  }
}

/**
 * What a code looks like. The default is a one-time password of 6 to 8 digits; backup codes
 * (`xxxxx-xxxxx`) bring their own.
 *
 * @typedef {object} CodeFormat
 * @property {RegExp} pattern what a typed code must match once spaces are removed
 * @property {string} hint said when it does not
 * @property {'numeric' | 'text'} inputmode the keyboard phones show
 * @property {string} alreadyUsed said when the service refuses the code as used already
 */

/** @type {CodeFormat} */
export const ONE_TIME_PASSWORD = {
  pattern: /^[0-9]{6,8}$/,
  hint: 'Type the 6 to 8 digits your authenticator shows.',
  inputmode: 'numeric',
  alreadyUsed: 'This code was already used: wait for the next one.',
};

/**
 * @typedef {object} CodeFormOptions
 * @property {string} id unique prefix for the field's id
 * @property {string} label
 * @property {string} [submitLabel]
 * @property {CodeFormat} [format]
 * @property {(code: string) => Promise<void>} onSubmit throws what the service refused
 */

/**
 * A code form. While a refusal carries `retry_after`, the button stays disabled that long.
 *
 * @param {CodeFormOptions} options
 * @returns {{ element: HTMLFormElement, input: HTMLInputElement, message: HTMLElement }}
 */
export function codeForm({ id, label, submitLabel = 'Verify', format = ONE_TIME_PASSWORD, onSubmit }) {
  const input = h('input', {
    id: `${id}-code`,
    name: 'code',
    inputmode: format.inputmode,
    autocomplete: 'one-time-code',
    spellcheck: 'false',
    required: true,
    'aria-describedby': `${id}-message`,
  });
  const button = h('button', { type: 'submit' }, submitLabel);
  const message = h('p', { id: `${id}-message`, class: 'message', role: 'status' });

  /** @param {SubmitEvent} event */
  async function submit(event) {
    event.preventDefault();
    const code = input.value.replace(/\s/g, '');
    if (!format.pattern.test(code)) {
      message.textContent = format.hint;
      input.setAttribute('aria-invalid', 'true');
      return moveFocusTo(input);
    }
    button.disabled = true;
    message.textContent = 'Checking…';
    delete message.dataset.code;
    try {
      await onSubmit(code);
      message.textContent = '';
      input.removeAttribute('aria-invalid');
      button.disabled = false;
    } catch (err) {
      message.textContent = describeRefusal(err, format);
      if (err instanceof ProblemError) message.dataset.code = err.code;
      input.setAttribute('aria-invalid', 'true');
      moveFocusTo(input);
      input.select();
      // Throttled or locked: the service would refuse unchecked until then, so don't offer it.
      const wait = err instanceof ProblemError ? err.retryAfter : undefined;
      if (wait === undefined) button.disabled = false;
      else setTimeout(() => (button.disabled = false), wait * 1000);
    }
  }

  const element = h(
    'form',
    { class: 'code-form', novalidate: true, onsubmit: (event) => void submit(/** @type {SubmitEvent} */ (event)) },
    h('label', { for: input.id }, label),
    h('span', { class: 'inline' }, input, button),
    message,
  );
  return { element, input, message };
}

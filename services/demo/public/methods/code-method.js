// @ts-check
// SMS and email codes for the demo pages, one module for both (as the service has one
// code-method core): enrollment asks for the destination, sends a code and takes it back;
// sign-in sends a code to the enrolled destination on request and takes it back.

import { ProblemError } from '../assets/api.js';
import { codeForm, describeRefusal } from '../assets/code-form.js';
import { h, moveFocusTo } from '../assets/dom.js';

/** @typedef {import('./method-module.js').MethodModule} MethodModule */
/** @typedef {import('./method-module.js').EnrollContext} EnrollContext */
/** @typedef {import('./method-module.js').StartedEnrollment} StartedEnrollment */
/** @typedef {import('./method-module.js').SignInContext} SignInContext */
/** @typedef {import('../assets/types.js').Schemas['CodeEnrollmentOffer']} CodeEnrollmentOffer */
/** @typedef {import('../assets/types.js').SignInResult} SignInResult */
/** @typedef {import('../assets/api.js').Api} Api */

/** @type {import('../assets/code-form.js').CodeFormat} */
const SENT_CODE = { pattern: /^[0-9]{4,10}$/, hint: 'Type the digits of the code we sent.', inputmode: 'numeric', alreadyUsed: 'This code was already used: send a new one.' };

/**
 * What makes the module SMS or email.
 *
 * @typedef {object} Channel
 * @property {'SMS' | 'EMAIL'} type
 * @property {string} label
 * @property {string} summary
 * @property {'phone_number' | 'email'} field the initiation member naming the destination
 * @property {string} fieldLabel
 * @property {'tel' | 'email'} inputType
 * @property {string} where "your phone", "your mailbox": where sign-in codes go
 */

/** @param {unknown} err */
const refusalText = (err) => (err instanceof ProblemError ? describeRefusal(err) : err instanceof Error ? err.message : String(err));

/**
 * One labelled field and a button that runs `action`; refusals are shown under the field and
 * the user may try again. Resolves with what `action` returned once it succeeded.
 *
 * @template T
 * @param {HTMLElement} view
 * @param {{ id: string, label?: string, inputType?: string, button: string, action: (value: string) => Promise<T> }} options
 * @returns {Promise<T>}
 */
function askOnce(view, { id, label, inputType, button, action }) {
  return new Promise((resolve) => {
    const message = h('p', { id: `${id}-message`, class: 'message', role: 'status' });
    const input = label ? h('input', { id: `${id}-input`, type: inputType ?? 'text', required: true, 'aria-describedby': message.id }) : undefined;
    const submit = h('button', { type: 'submit' }, button);
    /** @param {Event} event */
    const onsubmit = async (event) => {
      event.preventDefault();
      submit.disabled = true;
      message.textContent = 'Sending…';
      try {
        resolve(await action(input?.value.trim() ?? ''));
      } catch (err) {
        message.textContent = refusalText(err);
        if (err instanceof ProblemError) message.dataset.code = err.code;
        if (input) {
          input.setAttribute('aria-invalid', 'true');
          moveFocusTo(input);
        }
        submit.disabled = false;
      }
    };
    const form = h(
      'form',
      { class: 'code-form', novalidate: true, onsubmit: (event) => void onsubmit(event) },
      ...(input && label ? [h('label', { for: input.id }, label), h('span', { class: 'inline' }, input, submit)] : [submit]),
      message,
    );
    view.replaceChildren(form);
    (input ?? submit).focus();
  });
}

/**
 * @param {Channel} ch
 * @returns {MethodModule}
 */
export function codeMethod(ch) {
  const path = ch.type.toLowerCase();
  const setup = `/verification-actions-srv/setup/${path}`;
  const id = `${path}`;

  /**
   * Profile page: the destination first, then the code sent to it.
   *
   * @param {EnrollContext} context
   * @returns {Promise<StartedEnrollment>}
   */
  async function start({ api, view, announce }) {
    /** @type {CodeEnrollmentOffer} */
    let offer = await askOnce(view, {
      id: `${id}-destination`,
      label: ch.fieldLabel,
      inputType: ch.inputType,
      button: 'Send code',
      action: (value) => api.post(`${setup}/initiation`, { [ch.field]: value }, { stepUp: true }),
    });
    const sentTo = h('p', { id: `${id}-sent-to` });
    const form = codeForm({
      id: `${id}-enroll`,
      label: 'Code we sent',
      format: SENT_CODE,
      onSubmit: async (code) => {
        await api.post(`${setup}/verification`, { exchange_id: offer.exchange_id.exchange_id, pass_code: code });
      },
    });
    const show = () => (sentTo.textContent = `We sent a code to ${offer.destination}.`);
    show();
    view.replaceChildren(sentTo, form.element);
    form.input.focus();
    return {
      statusId: offer.status_id,
      cancel: () => api.del(`${setup}/${offer.exchange_id.exchange_id}`),
      async renew() {
        offer = await api.post(`${setup}/resend/${offer.exchange_id.exchange_id}`);
        show();
        form.input.value = '';
        announce(`New code sent to ${offer.destination}: the previous one no longer works.`);
      },
      wording: { INITIATED: { title: 'Code sent', hint: 'Type the code we sent to finish.' } },
    };
  }

  /**
   * Sign-in page and step-up prompt: a code is sent when the user asks for it, then typed.
   *
   * @param {SignInContext} context
   * @returns {Promise<SignInResult>}
   */
  function run({ api, view, signal }) {
    return new Promise((resolve, reject) => {
      signal.addEventListener('abort', () => reject(signal.reason), { once: true });
      void askOnce(view, {
        id: `${id}-send`,
        button: `Send a code to ${ch.where}`,
        /** @returns {Promise<CodeEnrollmentOffer>} */
        action: () => api.post(`/verification-srv/authentication/${path}/initiation`, {}),
      }).then((challenge) => {
        const sentTo = h('p', { id: `${id}-sign-in-sent-to` }, `We sent a code to ${challenge.destination}.`);
        const form = codeForm({
          id: `${id}-sign-in`,
          label: 'Code we sent',
          format: SENT_CODE,
          onSubmit: async (code) => {
            resolve(await api.post(`/verification-srv/authentication/${path}/verification`, { exchange_id: challenge.exchange_id.exchange_id, pass_code: code }));
          },
        });
        view.replaceChildren(sentTo, form.element);
        form.input.focus();
      });
    });
  }

  return { type: ch.type, label: ch.label, summary: ch.summary, enroll: { start }, signIn: { run } };
}

// @ts-check
// Backup codes for the demo pages: a set of 10 shown once on the profile page (making a new set
// replaces it), and sign-in with one of them. No exchange, so nothing to watch; no companion part.

import { codeForm } from '../assets/code-form.js';
import { h } from '../assets/dom.js';

/** @typedef {import('./method-module.js').MethodModule} MethodModule */
/** @typedef {import('./method-module.js').EnrollContext} EnrollContext */
/** @typedef {import('./method-module.js').SignInContext} SignInContext */
/** @typedef {import('../assets/code-form.js').CodeFormat} CodeFormat */
/** @typedef {import('../assets/types.js').BackupcodeSet} BackupcodeSet */
/** @typedef {import('../assets/types.js').SignInResult} SignInResult */

/** `xxxxx-xxxxx` without look-alikes (the service ignores case, spaces and the dash). */
/** @type {CodeFormat} */
const BACKUP_CODE = {
  pattern: /^[23456789abcdefghjkmnpqrstuvwxyz]{5}-?[23456789abcdefghjkmnpqrstuvwxyz]{5}$/i,
  hint: 'Type one of your backup codes: 10 letters and digits, like k7m2p-9xq4r.',
  inputmode: 'text',
  alreadyUsed: 'This backup code was already used: each one works once. Try another.',
};

/**
 * Profile page: makes a new set (step-up when the user has a factor) and shows it, once, with
 * a way to save it. Nothing to watch: the set is enrolled when the answer arrives.
 *
 * @param {EnrollContext} context
 * @returns {Promise<undefined>}
 */
async function start({ api, view, announce }) {
  /** @type {BackupcodeSet} */
  const set = await api.post('/verification-actions-srv/setup/backupcode/initiation', {}, { stepUp: true });
  const text = `${set.codes.join('\n')}\n`;
  view.replaceChildren(
    h('p', {}, 'Your backup codes. Each one signs you in once. They are shown only now: save or print them, and keep them away from your phone. Making new codes replaces these.'),
    h('ol', { class: 'backup-codes', id: 'backup-codes' }, ...set.codes.map((code) => h('li', {}, h('code', {}, code)))),
    h('a', { class: 'button secondary', download: 'backup-codes.txt', href: `data:text/plain;charset=utf-8,${encodeURIComponent(text)}` }, 'Save as text file'),
  );
  announce('10 backup codes shown. Save them now: they are not shown again.');
  return undefined;
}

/**
 * Sign-in page and step-up prompt: one backup code; the answer says how many are left.
 *
 * @param {SignInContext} context
 * @returns {Promise<SignInResult>}
 */
function run({ api, view, announce, signal }) {
  return new Promise((resolve, reject) => {
    const form = codeForm({
      id: 'backupcode-sign-in',
      label: 'One of your backup codes',
      format: BACKUP_CODE,
      onSubmit: async (code) => {
        /** @type {SignInResult} */
        const result = await api.post('/verification-srv/authentication/backupcode/verification', { pass_code: code });
        if (result.remaining !== undefined) announce(`${result.remaining} backup codes left.`);
        resolve(result);
      },
    });
    view.replaceChildren(form.element);
    form.input.focus();
    signal.addEventListener('abort', () => reject(signal.reason), { once: true });
  });
}

/** @type {MethodModule} */
export const backupcode = {
  type: 'BACKUPCODE',
  label: 'Backup codes',
  summary: 'Ten one-time codes to print or save, for when your phone is not at hand.',
  enroll: { start },
  signIn: { run },
};

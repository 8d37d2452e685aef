// @ts-check
// The methods the demo pages implement, in the order they are offered. A new method is one
// module next to this file (see method-module.js for the interface) added to this list.

import { backupcode } from './backupcode.js';
import { email } from './email.js';
import { fido2 } from './fido2.js';
import { push } from './push.js';
import { sms } from './sms.js';
import { totp } from './totp.js';
import { touchid } from './touchid.js';

/** @typedef {import('./method-module.js').MethodModule} MethodModule */
/** @typedef {import('../assets/api.js').Api} Api */
/** @typedef {import('../assets/types.js').MethodSummary} MethodSummary */

/** @type {readonly MethodModule[]} */
export const METHODS = [totp, push, sms, email, backupcode, touchid, fido2];

/**
 * The methods to offer for `part`: those this page implements that the tenant has active. A
 * method the config list leaves out, or reports inactive, is not shown.
 *
 * @param {Api} api
 * @param {'enroll' | 'signIn'} part
 * @returns {Promise<MethodModule[]>}
 */
export async function offeredMethods(api, part) {
  /** @type {MethodSummary[]} */
  const list = await api.get('/verification-srv/config/list');
  /** @type {Set<string>} */
  const active = new Set(list.filter((method) => method.active).map((method) => method.verificationType));
  return METHODS.filter((method) => method[part] && active.has(method.type));
}

/**
 * The module for an otpauth URI's type (`otpauth://totp/…`), if any holds such accounts.
 *
 * @param {string} scheme
 */
export function companionMethodFor(scheme) {
  return METHODS.find((method) => method.companion?.scheme === scheme);
}

/**
 * The module of a verification type, as device lists and sign-in results name it.
 *
 * @param {string} type
 */
export function methodOfType(type) {
  return METHODS.find((method) => method.type === type);
}

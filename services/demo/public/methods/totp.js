// @ts-check
// TOTP (RFC 6238) for the demo pages: enrollment by QR code (the companion enrolls through the
// app path; any other app's first code is typed here), sign-in with a code, and the companion's
// rolling codes.

import { requestJson } from '../assets/api.js';
import { codeForm } from '../assets/code-form.js';
import { h } from '../assets/dom.js';
import { isCompanionEnrollment, parseOtpauthUri } from '../assets/otpauth-uri.js';
import { qrEnrollment, qrImage } from '../assets/qr-enrollment.js';
import { randomHex } from '../assets/vault.js';
import { Secret, TOTP } from '../vendor/otpauth.js';

/** @typedef {import('./method-module.js').MethodModule} MethodModule */
/** @typedef {import('./method-module.js').EnrollContext} EnrollContext */
/** @typedef {import('./method-module.js').StartedEnrollment} StartedEnrollment */
/** @typedef {import('./method-module.js').SignInContext} SignInContext */
/** @typedef {import('./method-module.js').CompanionContext} CompanionContext */
/** @typedef {import('../assets/otpauth-uri.js').OtpauthUri} OtpauthUri */
/** @typedef {import('../assets/vault.js').Account} Account */
/** @typedef {import('../assets/types.js').Schemas['TotpEnrollmentOffer']} EnrollmentOffer */
/** @typedef {import('../assets/types.js').EnrollmentResult} EnrollmentResult */
/** @typedef {import('../assets/types.js').SignInResult} SignInResult */

const SETUP = '/verification-actions-srv/setup/totp';
const ALGORITHMS = ['SHA1', 'SHA256', 'SHA512'];

/** `ABCD EFGH …`: easier to read out and type. */
const grouped = (/** @type {string} */ text, size = 4) => text.replace(new RegExp(`(.{${size}})(?=.)`, 'g'), '$1 ');

/**
 * The code settings and secret an otpauth URI carries, checked as an authenticator app must.
 *
 * @param {OtpauthUri} uri
 * @returns {Account}
 * @throws {Error} when the secret or a setting is unusable
 */
function accountOf(uri) {
  const { secret = '', algorithm = 'SHA1', digits = '6', period = '30' } = uri.params;
  if (!/^[A-Z2-7]{16,128}=*$/i.test(secret)) throw new Error('The link carries no usable secret.');
  if (!ALGORITHMS.includes(algorithm.toUpperCase())) throw new Error(`Unsupported algorithm ${algorithm}.`);
  if (!/^[6-8]$/.test(digits)) throw new Error(`Unsupported number of digits ${digits}.`);
  if (!/^[0-9]{2,3}$/.test(period) || Number(period) < 15 || Number(period) > 120) throw new Error(`Unsupported period ${period}.`);
  return {
    id: randomHex(),
    type: 'TOTP',
    issuer: uri.issuer || uri.params.issuer || 'Unknown service',
    account: uri.params.d || uri.account || uri.params.sub || '',
    secret: secret.replace(/=+$/, '').toUpperCase(),
    algorithm: algorithm.toUpperCase(),
    digits: Number(digits),
    period: Number(period),
    addedAt: new Date().toISOString(),
  };
}

/**
 * The code an account shows at `timestamp`.
 *
 * @param {Account} account
 * @param {number} [timestamp]
 */
export function codeAt(account, timestamp = Date.now()) {
  const totp = new TOTP({
    secret: Secret.fromBase32(account.secret ?? ''),
    algorithm: account.algorithm ?? 'SHA1',
    digits: account.digits ?? 6,
    period: account.period ?? 30,
  });
  return totp.generate({ timestamp });
}

/**
 * Profile page: initiate, show the QR code (the secret and the standard URI behind "Can't
 * scan?"), and accept the first code of an app that does not enroll by itself.
 *
 * @param {EnrollContext} context
 * @returns {Promise<StartedEnrollment>}
 */
async function start({ api, view, announce }) {
  /** @type {EnrollmentOffer} */
  let offer = await api.post(`${SETUP}/initiation`, {}, { stepUp: true });

  const { qr, save, show: showQr } = qrImage();
  const settings = h('p', {});
  const secret = h('code', { class: 'secret', id: 'totp-secret' });
  const uri = h('code', { class: 'uri', id: 'totp-uri' });
  const form = codeForm({
    id: 'totp-enroll',
    label: 'Using another app? Type the first code it shows',
    onSubmit: async (code) => {
      await api.post(`${SETUP}/verification`, { exchange_id: offer.exchange_id.exchange_id, pass_code: code });
    },
  });

  /** @param {EnrollmentOffer} next */
  const show = (next) => {
    offer = next;
    const { params } = parseOtpauthUri(next.otpauth_uri_standard);
    // The page asks for the default (a PNG); only `?qr=none` leaves it out.
    showQr(next.qr_code);
    settings.textContent = `Enter this key in your app (time-based, ${params.digits ?? 6} digits every ${params.period ?? 30} s, ${params.algorithm ?? 'SHA1'}):`;
    secret.textContent = grouped(next.totp_secret);
    uri.textContent = next.otpauth_uri_standard;
    form.input.value = '';
  };
  show(offer);

  view.replaceChildren(
    h('figure', { class: 'qr-block' }, qr, h('figcaption', {}, 'Scan this code with your authenticator app, or with the demo companion.'), save),
    h('details', { class: 'cant-scan' }, h('summary', {}, 'Can’t scan?'), settings, secret, h('p', {}, 'or open this link on the phone:'), uri),
    form.element,
  );

  return qrEnrollment({ api, setup: SETUP, current: () => offer, show, announce, view });
}

/**
 * Sign-in page and step-up prompt: one code, checked by the service.
 *
 * @param {SignInContext} context
 * @returns {Promise<SignInResult>}
 */
function run({ api, view, signal }) {
  return new Promise((resolve, reject) => {
    const form = codeForm({
      id: 'totp-sign-in',
      label: 'Code from your authenticator app',
      onSubmit: async (code) => {
        resolve(await api.post('/verification-srv/authentication/totp/verification', { pass_code: code }));
      },
    });
    view.replaceChildren(form.element);
    form.input.focus();
    signal.addEventListener('abort', () => reject(signal.reason), { once: true });
  });
}

/**
 * Companion: keeps the secret; with cidaas' extras, enrolls through the app path with this
 * device's id and its own first code (no user token: the exchange id is the capability).
 *
 * @param {OtpauthUri} uri
 * @param {CompanionContext} context
 * @returns {Promise<Account | undefined>}
 */
async function link(uri, { vault, deviceId, confirm }) {
  const account = accountOf(uri);
  if (!isCompanionEnrollment(uri)) {
    // A standard URI: only a secret. The user types the first code into the profile page.
    await vault.saveAccount(account);
    return account;
  }
  const ids = { exchange_id: uri.params.eid, client_id: uri.params.cid, device_id: deviceId };
  await requestJson('POST', `${SETUP}/scan`, { body: ids });
  if (!(await confirm(`Add ${account.issuer}: ${account.account} to this authenticator?`))) return undefined;
  const result = /** @type {EnrollmentResult} */ (
    await requestJson('POST', '/verification-srv/v2/setup/enroll/totp', { body: { ...ids, pass_code: codeAt(account) } })
  );
  const enrolled = { ...account, phId: result.ph_id, serviceUrl: uri.params.burl };
  await vault.saveAccount(enrolled);
  return enrolled;
}

/**
 * Companion: the rolling code with a countdown to the next one.
 *
 * @param {Account} account
 * @param {HTMLElement} view
 */
function showAccount(account, view) {
  const period = account.period ?? 30;
  const code = h('output', { class: 'code', 'aria-label': `Current code for ${account.issuer}` });
  const bar = h('progress', { max: period, 'aria-hidden': 'true' });
  const left = h('span', { class: 'countdown' });
  const render = () => {
    const now = Date.now();
    const remaining = period - (Math.floor(now / 1000) % period);
    const current = codeAt(account, now);
    code.textContent = grouped(current, 3);
    // Machine-readable too (the tests read it): the code and the RFC 6238 step it belongs to.
    code.dataset.code = current;
    code.dataset.step = String(Math.floor(now / 1000 / period));
    bar.value = remaining;
    left.textContent = `new code in ${remaining} s`;
  };
  render();
  const timer = setInterval(render, 1000);
  view.replaceChildren(code, h('span', { class: 'countdown-line' }, bar, left));
  return () => clearInterval(timer);
}

/** @type {MethodModule} */
export const totp = {
  type: 'TOTP',
  label: 'Authenticator app',
  summary: 'A 6-digit code that changes every 30 seconds, from the demo companion or any authenticator app.',
  enroll: { start },
  signIn: { run },
  companion: { scheme: 'totp', link, showAccount },
};

// @ts-check
// PUSH for the demo pages (DESIGN §10): enrollment by QR code (the companion scans it and
// enrolls this browser's device key), sign-in by an approval on the companion with the number
// the sign-in page shows, and the companion's side: listening for requests and answering them.
// The device key is ECDSA P-256 in WebCrypto with a non-extractable private key (vault.js); its
// JWS are built here from WebCrypto signatures and verified by the service with jose.

import { requestJson, ProblemError } from '../assets/api.js';
import { h, moveFocusTo } from '../assets/dom.js';
import { isCompanionEnrollment } from '../assets/otpauth-uri.js';
import { qrEnrollment, qrImage } from '../assets/qr-enrollment.js';
import { randomHex } from '../assets/vault.js';
import { watchStatus } from '../assets/status-watcher.js';

/** @typedef {import('./method-module.js').MethodModule} MethodModule */
/** @typedef {import('./method-module.js').EnrollContext} EnrollContext */
/** @typedef {import('./method-module.js').StartedEnrollment} StartedEnrollment */
/** @typedef {import('./method-module.js').SignInContext} SignInContext */
/** @typedef {import('./method-module.js').CompanionContext} CompanionContext */
/** @typedef {import('../assets/otpauth-uri.js').OtpauthUri} OtpauthUri */
/** @typedef {import('../assets/vault.js').Account} Account */
/** @typedef {import('../assets/vault.js').Vault} Vault */
/** @typedef {import('../assets/types.js').Schemas} Schemas */
/** @typedef {Schemas['PushEnrollmentOffer']} PushEnrollmentOffer */
/** @typedef {Schemas['PushChallengeOffer']} PushChallengeOffer */
/** @typedef {Schemas['PendingChallenge']} PendingChallenge */
/** @typedef {Schemas['PushAnswerResult']} PushAnswerResult */
/** @typedef {import('../assets/types.js').EnrollmentResult} EnrollmentResult */
/** @typedef {import('../assets/types.js').SignInResult} SignInResult */

const SETUP = '/verification-actions-srv/setup/push';
const SIGN_IN = '/verification-srv/authentication/push';
const LONG_POLL_S = 25;
const RETRY_MS = 4000;

/** @param {Uint8Array} bytes */
const base64url = (bytes) => btoa(String.fromCharCode(...bytes)).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
/** @param {unknown} value */
const encodeJson = (value) => base64url(new TextEncoder().encode(JSON.stringify(value)));

/**
 * A compact JWS (ES256) over `payload` by this device's key. WebCrypto's ECDSA signature is
 * already the raw r‖s form JWS uses.
 *
 * @param {Vault} vault
 * @param {Record<string, unknown>} payload
 * @param {Record<string, unknown>} [header]
 */
async function sign(vault, payload, header = {}) {
  const { privateKey } = await vault.deviceKey();
  const input = `${encodeJson({ alg: 'ES256', ...header })}.${encodeJson(payload)}`;
  const signature = await crypto.subtle.sign({ name: 'ECDSA', hash: 'SHA-256' }, privateKey, new TextEncoder().encode(input));
  return `${input}.${base64url(new Uint8Array(signature))}`;
}

/** @param {Vault} vault */
async function publicJwk(vault) {
  const { publicKey } = await vault.deviceKey();
  const { kty, crv, x, y } = await crypto.subtle.exportKey('jwk', publicKey);
  return { kty, crv, x, y };
}

/**
 * A single-use device token for `Authorization: Device …`.
 *
 * @param {Vault} vault
 * @param {string} phId
 */
async function deviceToken(vault, phId) {
  const iat = Math.floor(Date.now() / 1000);
  return sign(vault, { aud: 'verification-device', iat, exp: iat + 60, jti: randomHex() + randomHex() }, { kid: phId });
}

/**
 * Profile page: initiate and show the QR code for the companion.
 *
 * @param {EnrollContext} context
 * @returns {Promise<StartedEnrollment>}
 */
async function start({ api, view, announce }) {
  /** @type {PushEnrollmentOffer} */
  let offer = await api.post(`${SETUP}/initiation`, {}, { stepUp: true });
  const { qr, save, show: showQr } = qrImage();
  const uri = h('code', { class: 'uri', id: 'push-uri' });
  /** @param {PushEnrollmentOffer} next */
  const show = (next) => {
    offer = next;
    showQr(next.qr_code);
    uri.textContent = next.push_uri;
  };
  show(offer);
  view.replaceChildren(
    h('figure', { class: 'qr-block' }, qr, h('figcaption', {}, 'Scan this code with the demo companion: it then approves your sign-ins.'), save),
    h('details', { class: 'cant-scan' }, h('summary', {}, 'Can’t scan?'), h('p', {}, 'Paste this link into the companion:'), uri),
  );
  return qrEnrollment({ api, setup: SETUP, current: () => offer, show, announce, view });
}

/** What a refused or ended challenge means to the person at the sign-in page. */
const ENDINGS = /** @type {Record<string, string>} */ ({
  DENIED: 'The request was denied on your phone (or the number did not match).',
  EXPIRED: 'The request expired before it was answered.',
  CANCELLED: 'The request was cancelled.',
  FAILED: 'The request failed.',
});

/**
 * Sign-in page and step-up prompt: start a challenge, show its number, wait for the phone.
 *
 * @param {SignInContext} context
 * @returns {Promise<SignInResult>}
 */
function run({ api, view, announce, signal }) {
  return new Promise((resolve, reject) => {
    /** @type {{ stop(): void } | undefined} */
    let watching;
    /** @type {string | undefined} */
    let exchangeId;
    const stopAll = () => {
      watching?.stop();
      if (exchangeId) void api.del(`${SIGN_IN}/${exchangeId}`).catch(() => undefined);
    };
    signal.addEventListener('abort', () => {
      stopAll();
      reject(signal.reason);
    }, { once: true });

    const attempt = async () => {
      const status = h('p', { id: 'push-state', role: 'status', 'data-status': 'starting' }, 'Sending a request to your phone…');
      view.replaceChildren(status);
      /** @type {PushChallengeOffer} */
      let offer;
      try {
        offer = await api.post(`${SIGN_IN}/initiation`, { message: 'Sign in to the verification demo', details: { Page: location.origin } });
      } catch (err) {
        return showEnding(err instanceof ProblemError ? err.message : String(err));
      }
      exchangeId = offer.exchange_id.exchange_id;
      const number = h('output', { id: 'push-number', class: 'code', 'aria-label': 'Number to type on your phone' }, offer.number ?? '');
      status.dataset.status = 'INITIATED';
      status.textContent = offer.number ? 'On your phone, approve the request and type this number:' : 'Approve the request on your phone.';
      view.replaceChildren(status, ...(offer.number ? [number] : []));
      announce(offer.number ? `Type ${offer.number} on your phone.` : 'Approve the request on your phone.');
      watching = watchStatus(offer.status_id, {
        onStatus: async (doc) => {
          status.dataset.status = doc.status;
          if (doc.status === 'INITIATED') return;
          const id = exchangeId;
          exchangeId = undefined;
          if (doc.status !== 'AUTHENTICATED') return showEnding(ENDINGS[doc.status] ?? doc.status);
          try {
            resolve(await api.post(`${SIGN_IN}/verification`, { exchange_id: id }));
          } catch (err) {
            showEnding(err instanceof ProblemError ? err.message : String(err));
          }
        },
      });
    };

    /** @param {string} text */
    const showEnding = (text) => {
      const message = h('p', { id: 'push-ending', role: 'alert' }, text);
      view.replaceChildren(message, h('button', { type: 'button', onclick: () => void attempt() }, 'Send a new request'));
      moveFocusTo(message);
    };

    void attempt();
  });
}

/**
 * Companion: reports the scan, asks, then enrolls this browser's device key with a proof of
 * possession (a JWS over the exchange id).
 *
 * @param {OtpauthUri} uri
 * @param {CompanionContext} context
 * @returns {Promise<Account | undefined>}
 */
async function link(uri, { vault, deviceId, confirm }) {
  if (!isCompanionEnrollment(uri)) throw new Error('This push link does not name a service to enroll with.');
  const issuer = uri.issuer || uri.params.issuer || 'Unknown service';
  const account = uri.params.d || uri.account || uri.params.sub || '';
  const ids = { exchange_id: uri.params.eid, client_id: uri.params.cid, device_id: deviceId };
  await requestJson('POST', `${SETUP}/scan`, { body: ids });
  if (!(await confirm(`Approve sign-ins to ${issuer}: ${account} on this device?`))) return undefined;
  const body = { ...ids, public_key: await publicJwk(vault), proof: await sign(vault, { exchange_id: uri.params.eid }) };
  const result = /** @type {EnrollmentResult} */ (await requestJson('POST', '/verification-srv/v2/setup/enroll/push', { body }));
  /** @type {Account} */
  const enrolled = { id: randomHex(), type: 'PUSH', issuer, account, phId: result.ph_id, serviceUrl: uri.params.burl, addedAt: new Date().toISOString() };
  await vault.saveAccount(enrolled);
  return enrolled;
}

/**
 * Companion: a PUSH account shows no code; it approves sign-ins.
 *
 * @param {Account} _account
 * @param {HTMLElement} view
 */
function showAccount(_account, view) {
  view.replaceChildren(h('span', { class: 'muted' }, 'Sign-in requests appear below.'));
  return () => {};
}

/**
 * One request on the companion: what it is for, the number field, approve / deny / report.
 *
 * @param {Vault} vault
 * @param {Account} account
 * @param {PendingChallenge} challenge
 */
function challengeView(vault, account, challenge) {
  const result = h('p', { class: 'challenge-result', role: 'status' });
  const number = h('input', { type: 'text', inputmode: 'numeric', autocomplete: 'off', maxlength: 2, pattern: '[0-9]{2}', id: `number-${challenge.exchange_id}` });
  const buttons = h('div', { class: 'buttons' });
  /** @param {'approve' | 'deny'} decision @param {string} [reason] */
  const answer = async (decision, reason) => {
    for (const button of buttons.querySelectorAll('button')) button.disabled = true;
    const iat = Math.floor(Date.now() / 1000);
    const payload = {
      exchange_id: challenge.exchange_id,
      decision,
      ...(decision === 'approve' && challenge.number_matching ? { number: number.value.trim() } : {}),
      ...(reason ? { reason } : {}),
      iat,
      exp: iat + 60,
    };
    try {
      const response = await sign(vault, payload, { kid: account.phId });
      const done = /** @type {PushAnswerResult} */ (await requestJson('POST', '/verification-srv/v2/authenticate/push/response', { body: { response } }));
      result.dataset.status = done.status;
      result.textContent = done.status === 'AUTHENTICATED' ? 'Approved.' : done.reason === 'wrong_number' ? 'Denied: the number did not match.' : 'Denied.';
    } catch (err) {
      result.textContent = err instanceof Error ? err.message : String(err);
    }
  };
  buttons.replaceChildren(
    h('button', { type: 'button', onclick: () => void answer('approve') }, 'Approve'),
    h('button', { type: 'button', class: 'secondary', onclick: () => void answer('deny') }, 'Deny'),
    h('button', { type: 'button', class: 'link', onclick: () => void answer('deny', 'fraud') }, 'It wasn’t me: report'),
  );
  const details = Object.entries(challenge.details).map(([label, value]) => h('li', {}, `${label}: ${value}`));
  return h(
    'div',
    { class: 'push-challenge', 'data-exchange-id': challenge.exchange_id },
    h('strong', {}, `${account.issuer}: ${challenge.message}`),
    h('ul', { class: 'muted' }, ...details),
    ...(challenge.number_matching ? [h('label', { for: number.id }, 'Number shown on the sign-in page'), number] : []),
    buttons,
    result,
  );
}

/**
 * Companion: long-polls each PUSH account's pending requests (a new device token per poll) and
 * shows each new one once.
 *
 * @param {CompanionContext} context
 * @param {(view: HTMLElement) => void} onChallenge
 */
function receiveChallenges({ vault }, onChallenge) {
  let stopped = false;
  /** @type {Set<string>} */
  const shown = new Set();
  /** @type {Set<string>} */
  const polling = new Set();
  /** @param {Account} account */
  const pollLoop = async (account) => {
    while (!stopped) {
      try {
        const token = await deviceToken(vault, account.phId ?? '');
        const { challenges } = /** @type {Schemas['PendingChallenges']} */ (
          await requestJson('GET', `/verification-srv/v2/devices/challenges?wait=${LONG_POLL_S}`, { headers: { Authorization: `Device ${token}` } })
        );
        for (const challenge of challenges) {
          if (shown.has(challenge.exchange_id)) continue;
          shown.add(challenge.exchange_id);
          onChallenge(challengeView(vault, account, challenge));
        }
      } catch (err) {
        // A removed device is refused for good; anything else is retried after a pause.
        if (err instanceof ProblemError && err.code === 'VER_0061') break;
        await new Promise((resolve) => setTimeout(resolve, RETRY_MS));
      }
    }
    polling.delete(account.id);
  };
  // New accounts (scanned after the page opened) start polling too.
  const sweep = async () => {
    for (const account of await vault.accounts()) {
      if (account.type !== 'PUSH' || !account.phId || polling.has(account.id)) continue;
      polling.add(account.id);
      void pollLoop(account);
    }
  };
  void sweep();
  const timer = setInterval(() => void sweep(), 2000);
  return () => {
    stopped = true;
    clearInterval(timer);
  };
}

/** @type {MethodModule} */
export const push = {
  type: 'PUSH',
  label: 'Push approval',
  summary: 'Approve sign-ins on the demo companion by typing the number the sign-in page shows.',
  enroll: { start },
  signIn: { run },
  companion: { scheme: 'push', link, showAccount, receiveChallenges },
};

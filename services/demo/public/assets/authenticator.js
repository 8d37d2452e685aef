// @ts-check
// The companion authenticator (/demo/authenticator): a phone-sized page that reads an enrollment
// QR code (image, camera or pasted link), enrolls through the app path as cidaas' app does, keeps
// its accounts in this browser and shows their codes. Its calls carry no user token: the exchange
// id in the QR code is its capability.

import { ProblemError } from './api.js';
import { announce, byId, h, moveFocusTo } from './dom.js';
import { isCompanionEnrollment, parseOtpauthUri } from './otpauth-uri.js';
import { cameraAvailable, readQrFromCamera, readQrFromFile } from './qr-scan.js';
import { openVault } from './vault.js';
import { METHODS, companionMethodFor } from '../methods/index.js';

/** @typedef {import('./vault.js').Account} Account */
/** @typedef {import('../methods/method-module.js').CompanionContext} CompanionContext */

const fileInput = byId('qr-file', HTMLInputElement);
const cameraButton = byId('camera', HTMLButtonElement);
const video = byId('camera-view', HTMLVideoElement);
const pasteForm = byId('paste-form', HTMLFormElement);
const uriInput = byId('uri', HTMLTextAreaElement);
const scanStatus = byId('scan-status', HTMLElement);
const confirmBox = byId('confirm', HTMLElement);
const accountsList = byId('accounts', HTMLElement);
const challenges = byId('challenges', HTMLElement);
const challengeList = byId('challenge-list', HTMLElement);

const vault = await openVault();
const deviceId = await vault.deviceId();
byId('device-id', HTMLElement).textContent = deviceId;

/** What a refusal of the app path means to the person holding the phone. */
const REFUSALS = /** @type {Record<string, string>} */ ({
  VER_0030: 'The service does not know this QR code.',
  VER_0031: 'This QR code has expired: get a new code on the profile page.',
  VER_0032: 'This QR code was already used.',
  VER_0033: 'This setup was cancelled on the profile page.',
  VER_0034: 'This setup failed after too many wrong codes: start again on the profile page.',
  VER_0036: 'Another device already scanned this QR code.',
  VER_0038: 'Another device scanned this QR code.',
  VER_0039: 'You have as many authenticators as allowed: remove one on the profile page first.',
  VER_0040: 'This QR code was replaced by a newer one: scan the code the profile page shows now.',
  VER_0041: 'The service refused this device’s code: check that the phone’s clock is right.',
});

/**
 * @param {string} text
 * @param {'info' | 'error' | 'success'} [kind]
 */
function say(text, kind = 'info') {
  scanStatus.textContent = text;
  scanStatus.dataset.kind = kind;
  if (kind === 'error') moveFocusTo(scanStatus);
}

/** Answers the question on screen, if any (a new scan answers an unanswered one with no). */
let answerPending = (/** @type {boolean} */ _answer) => {};

/**
 * Asks before this device binds itself to an account (after the scan was reported).
 *
 * @param {string} question
 * @returns {Promise<boolean>}
 */
function confirm(question) {
  answerPending(false);
  return new Promise((resolve) => {
    /** @param {boolean} answer */
    const answer = (answer) => {
      answerPending = () => {};
      confirmBox.hidden = true;
      confirmBox.replaceChildren();
      resolve(answer);
    };
    answerPending = answer;
    const yes = h('button', { type: 'button', id: 'confirm-add', onclick: () => answer(true) }, 'Add account');
    confirmBox.replaceChildren(
      h('p', { id: 'confirm-question' }, question),
      yes,
      h('button', { type: 'button', class: 'secondary', onclick: () => answer(false) }, 'Not now'),
    );
    confirmBox.hidden = false;
    moveFocusTo(yes);
  });
}

/** @type {Array<() => void>} */
let stopAccounts = [];

async function showAccounts() {
  for (const stop of stopAccounts) stop();
  stopAccounts = [];
  const accounts = await vault.accounts();
  accountsList.replaceChildren(
    ...accounts.map((account) => {
      const method = companionMethodFor(account.type.toLowerCase());
      const view = h('div', { class: 'account-view' });
      if (method?.companion) stopAccounts.push(method.companion.showAccount(account, view));
      return h(
        'li',
        { class: 'account', 'data-account-id': account.id },
        h('div', {}, h('strong', {}, account.issuer), ' ', h('span', { class: 'muted' }, account.account)),
        view,
        h(
          'button',
          {
            type: 'button',
            class: 'link',
            'aria-label': `Remove from this device: ${account.issuer} ${account.account}`,
            onclick: async () => {
              await vault.removeAccount(account.id);
              await showAccounts();
              announce('Removed from this device. Remove it on the profile page too.');
            },
          },
          'Remove from this device',
        ),
      );
    }),
  );
  if (accounts.length === 0) accountsList.replaceChildren(h('li', { class: 'muted' }, 'No account yet: scan a QR code.'));
}

/**
 * Takes what a QR code or the paste box held.
 *
 * @param {string} text
 */
async function take(text) {
  answerPending(false);
  let uri;
  try {
    uri = parseOtpauthUri(text);
  } catch (err) {
    return say(err instanceof Error ? err.message : String(err), 'error');
  }
  const companion = companionMethodFor(uri.type)?.companion;
  if (!companion) return say(`This authenticator cannot hold ${uri.type} accounts.`, 'error');
  // The QR code names the service to enroll with. This page talks only to the service that
  // served it: a code pointing elsewhere is not followed.
  if (uri.params.burl && safeOrigin(uri.params.burl) !== location.origin) {
    return say(`This QR code is for another service (${uri.params.burl}); this demo authenticator enrolls only with ${location.origin}.`, 'error');
  }
  say(`Scanned: ${uri.issuer} ${uri.account}.`);
  /** @type {CompanionContext} */
  const context = { vault, deviceId, confirm, announce };
  try {
    const account = await companion.link(uri, context);
    if (!account) return say('Not added.');
    await showAccounts();
    say(
      isCompanionEnrollment(uri)
        ? `Added ${account.issuer}: ${account.account}. The profile page shows it as enrolled.`
        : `Added ${account.issuer}: ${account.account}. Type its current code into the profile page to finish.`,
      'success',
    );
  } catch (err) {
    say(err instanceof ProblemError ? (REFUSALS[err.code] ?? err.message) : err instanceof Error ? err.message : String(err), 'error');
  }
}

/** @param {string} url */
function safeOrigin(url) {
  try {
    return new URL(url).origin;
  } catch {
    return undefined;
  }
}

fileInput.addEventListener('change', async () => {
  const file = fileInput.files?.[0];
  fileInput.value = '';
  if (!file) return;
  say('Reading the image…');
  try {
    await take(await readQrFromFile(file));
  } catch (err) {
    say(err instanceof Error ? err.message : String(err), 'error');
  }
});

pasteForm.addEventListener('submit', (event) => {
  event.preventDefault();
  void take(uriInput.value);
  uriInput.value = '';
});

if (cameraAvailable()) {
  /** @type {AbortController | undefined} */
  let scanning;
  cameraButton.hidden = false;
  cameraButton.addEventListener('click', async () => {
    if (scanning) return scanning.abort();
    scanning = new AbortController();
    cameraButton.textContent = 'Stop the camera';
    video.hidden = false;
    try {
      await take(await readQrFromCamera(video, scanning.signal));
    } catch (err) {
      if (!scanning.signal.aborted) say(err instanceof Error ? err.message : String(err), 'error');
    } finally {
      scanning = undefined;
      video.hidden = true;
      cameraButton.textContent = 'Scan with the camera';
    }
  });
}

// Sign-in requests: each method that can receive them (PUSH, later) listens from here and
// shows each request as an item of the list.
const receivers = METHODS.flatMap((method) => (method.companion?.receiveChallenges ? [method.companion.receiveChallenges] : []));
challenges.hidden = receivers.length === 0;
for (const receive of receivers) {
  receive({ vault, deviceId, confirm, announce }, (view) => {
    challengeList.prepend(h('li', { class: 'challenge' }, view));
    announce('New sign-in request.');
  });
}

await showAccounts();
document.body.dataset.ready = 'true';

// @ts-check
// One enrollment on the profile page, from "Set up" to its end: the method shows what the user
// needs (QR code, form), this panel shows where it stands, follows it live, and offers New
// code, Cancel and Close. The status machine is the service's (DESIGN §4); this only shows it.

import { ProblemError } from './api.js';
import { announce, h, moveFocusTo } from './dom.js';
import { watchStatus } from './status-watcher.js';
import { StepUpCancelled } from './step-up-prompt.js';

/** @typedef {import('./api.js').Api} Api */
/** @typedef {import('./types.js').EnrollmentStatus} EnrollmentStatus */
/** @typedef {import('./types.js').StatusDocument} StatusDocument */
/** @typedef {import('./status-watcher.js').Transport} Transport */
/** @typedef {import('../methods/method-module.js').MethodModule} MethodModule */
/** @typedef {import('../methods/method-module.js').StartedEnrollment} StartedEnrollment */

/** @type {Record<EnrollmentStatus, { title: string, hint: string }>} */
const STATES = {
  INITIATED: { title: 'Waiting for scan', hint: 'Scan the QR code with your authenticator app.' },
  SCANNED: { title: 'Scanned', hint: 'Confirm on your phone to finish.' },
  ENROLLED: { title: 'Enrolled', hint: 'Your authenticator is ready: you will be asked for it at sign-in.' },
  EXPIRED: { title: 'Expired', hint: 'The code was not used in time. Get a new code to try again.' },
  CANCELLED: { title: 'Cancelled', hint: 'Nothing was added.' },
  FAILED: { title: 'Failed', hint: 'Too many wrong codes. Start again with a new code.' },
};

/** @type {Record<Transport, string>} */
const TRANSPORTS = {
  connecting: 'Connecting for live updates…',
  websocket: 'Live updates over WebSocket.',
  polling: 'WebSocket unavailable: checking every 4 s.',
};

const LIVE = new Set(['INITIATED', 'SCANNED']);

/**
 * Runs one enrollment of `method` in `container` (replacing what it shows).
 *
 * @param {object} options
 * @param {MethodModule} options.method
 * @param {Api} options.api
 * @param {HTMLElement} options.container
 * @param {() => void} options.onEnrolled a factor was added (refresh the devices)
 * @param {() => void} options.onClosed the panel was closed
 * @param {(status: EnrollmentStatus) => void} [options.onStatus] the status changed (it is an event in the activity list)
 */
export function openEnrollment({ method, api, container, onEnrolled, onClosed, onStatus }) {
  const heading = h('h2', { id: 'enrollment-title' }, `Add: ${method.label}`);
  const state = h('p', { id: 'enrollment-state', class: 'state', role: 'status' });
  const view = h('div', { class: 'method-view' });
  const transport = h('p', { id: 'enrollment-transport', class: 'transport muted' });
  const error = h('p', { class: 'error', role: 'alert' });
  const renewButton = h('button', { type: 'button', id: 'enrollment-renew', class: 'secondary' }, 'New code');
  const cancelButton = h('button', { type: 'button', id: 'enrollment-cancel', class: 'secondary' }, 'Cancel');
  const closeButton = h('button', { type: 'button', id: 'enrollment-close' }, 'Close');
  container.replaceChildren(
    h(
      'section',
      { class: 'card enrollment', 'aria-labelledby': 'enrollment-title' },
      heading,
      state,
      view,
      transport,
      error,
      h('div', { class: 'actions' }, renewButton, cancelButton, closeButton),
    ),
  );

  /** @type {StartedEnrollment | undefined} */
  let started;
  /** @type {EnrollmentStatus | undefined} */
  let current;
  /** @type {{ stop(): void } | undefined} */
  let watch;

  /** @param {EnrollmentStatus | undefined} status */
  const showButtons = (status) => {
    const live = status !== undefined && LIVE.has(status);
    // While live, New code rotates; once ended (expired, failed, cancelled), it starts afresh.
    renewButton.hidden = !(live ? started?.renew : status && status !== 'ENROLLED');
    renewButton.textContent = live || status === 'EXPIRED' ? 'New code' : 'Start again';
    cancelButton.hidden = !live;
    closeButton.hidden = live;
  };

  /** @param {EnrollmentStatus} status */
  const show = (status) => {
    if (current !== undefined && !LIVE.has(current)) return;
    const changed = status !== current;
    current = status;
    const { title, hint } = { ...STATES[status], ...started?.wording?.[status] };
    state.dataset.status = status;
    state.replaceChildren(h('strong', {}, title), ` — ${hint}`);
    started?.onStatus?.(status);
    if (changed) onStatus?.(status);
    showButtons(status);
    if (!LIVE.has(status)) {
      watch?.stop();
      transport.textContent = '';
      if (status === 'ENROLLED') onEnrolled();
      // The page changed under the user: take focus to what happened.
      moveFocusTo(state);
    } else if (changed && status === 'SCANNED') {
      announce(`${title}. ${hint}`);
    }
  };

  /** @param {unknown} err */
  const showError = (err) => {
    error.textContent = err instanceof StepUpCancelled || err instanceof ProblemError || err instanceof Error ? err.message : String(err);
    moveFocusTo(error);
  };

  async function begin() {
    watch?.stop();
    started = undefined;
    current = undefined;
    error.textContent = '';
    view.hidden = false;
    view.replaceChildren(h('p', { class: 'muted' }, 'Starting…'));
    state.textContent = '';
    delete state.dataset.status;
    showButtons(undefined);
    closeButton.hidden = true;
    try {
      started = await method.enroll?.start({ api, view, announce });
    } catch (err) {
      view.replaceChildren();
      closeButton.hidden = false;
      return showError(err);
    }
    if (!started) {
      closeButton.hidden = false;
      return onEnrolled();
    }
    show('INITIATED');
    moveFocusTo(heading);
    watch = watchStatus(started.statusId, {
      // An enrollment's status id: the challenge-only statuses never arrive here.
      onStatus: (status) => show(/** @type {EnrollmentStatus} */ (status.status)),
      onTransport: (how) => (transport.textContent = TRANSPORTS[how]),
    });
  }

  renewButton.addEventListener('click', async () => {
    error.textContent = '';
    if (current === undefined || !LIVE.has(current)) return begin();
    try {
      await started?.renew?.();
    } catch (err) {
      showError(err);
    }
  });

  cancelButton.addEventListener('click', async () => {
    try {
      await started?.cancel();
      show('CANCELLED');
    } catch (err) {
      // Ended meanwhile (enrolled, expired): the watcher brings the real status.
      showError(err);
    }
  });

  closeButton.addEventListener('click', () => {
    watch?.stop();
    container.replaceChildren();
    onClosed();
  });

  void begin();
}

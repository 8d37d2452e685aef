// @ts-check
// What the QR-code enrollments (TOTP, PUSH) share on the profile page: the QR image with its
// "Save QR image" link, and the steering of the offer shown (cancel, renew, hide once scanned).

import { h } from './dom.js';

/** @typedef {import('./api.js').Api} Api */
/** @typedef {import('../methods/method-module.js').StartedEnrollment} StartedEnrollment */
/** @typedef {{ status_id: string, exchange_id: { exchange_id: string }, qr_code?: string | null }} QrOffer */

/** The QR image and its download link; `show` puts an offer's code (a data URL) in both. */
export function qrImage() {
  const qr = h('img', { class: 'qr', width: 256, height: 256, alt: 'QR code to scan with your authenticator app' });
  const save = h('a', { class: 'button secondary', download: 'authenticator-qr.png' }, 'Save QR image');
  /** @param {string | null | undefined} dataUrl */
  const show = (dataUrl) => {
    qr.src = dataUrl ?? '';
    save.href = dataUrl ?? '';
  };
  return { qr, save, show };
}

/**
 * A started QR-code enrollment. Cancel and renew act on the offer shown now (`current`): a
 * renewal (rotation) replaces it, through `show`, under the same status id.
 *
 * @template {QrOffer} Offer
 * @param {{ api: Api, setup: string, current: () => Offer, show: (offer: Offer) => void, announce: (message: string) => void, view: HTMLElement }} options
 * @returns {StartedEnrollment}
 */
export function qrEnrollment({ api, setup, current, show, announce, view }) {
  return {
    statusId: current().status_id,
    cancel: () => api.del(`${setup}/${current().exchange_id.exchange_id}`),
    async renew() {
      show(await api.post(`${setup}/rotation/${current().exchange_id.exchange_id}`));
      announce('New QR code shown: the previous one no longer works.');
    },
    // Once scanned, the phone finishes the job: nothing here to scan or type any more.
    onStatus: (status) => {
      view.hidden = status !== 'INITIATED';
    },
  };
}

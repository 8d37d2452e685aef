// @ts-check
// The profile page (/demo/): who is signed in, the methods they can add, the enrollment in
// progress, their authenticators and their recent activity.

import { activityList } from './activity-list.js';
import { createApi } from './api.js';
import { byId, h } from './dom.js';
import { deviceList } from './devices.js';
import { openEnrollment } from './enrollment-panel.js';
import { endSession } from './session.js';
import { signedInToken } from './session-panel.js';
import { promptForSecondFactor } from './step-up-prompt.js';
import { offeredMethods } from '../methods/index.js';

const session = byId('session', HTMLElement);
const profile = byId('profile', HTMLElement);
const methodsList = byId('methods', HTMLElement);
const enrollment = byId('enrollment', HTMLElement);

/** @type {{ stop(): void } | undefined} */
let activity;

/** @param {string} [notice] */
async function start(notice) {
  profile.hidden = true;
  activity?.stop();
  const token = await signedInToken(session, notice);
  if (!token) return;

  const api = createApi({
    token,
    proveSecondFactor: promptForSecondFactor,
    onSessionEnded: () => {
      endSession();
      enrollment.replaceChildren();
      void start('Your session ended: sign in again.');
    },
  });
  const devices = deviceList({ api, container: byId('devices', HTMLElement), heading: byId('devices-title', HTMLElement) });
  const recent = activityList({ api, container: byId('activity', HTMLElement) });
  activity = recent;

  const methods = await offeredMethods(api, 'enroll');
  /** @type {HTMLButtonElement[]} */
  const setupButtons = [];
  methodsList.replaceChildren(
    ...methods.map((method) => {
      const button = h('button', { type: 'button', 'aria-describedby': `method-${method.type}-summary` }, 'Set up');
      setupButtons.push(button);
      button.addEventListener('click', () => {
        for (const b of setupButtons) b.disabled = true;
        openEnrollment({
          method,
          api,
          container: enrollment,
          onEnrolled: () => void devices.refresh(),
          // Each status change is an event in the list: show it now rather than at the next poll.
          onStatus: () => void recent.refresh(),
          onClosed: () => {
            for (const b of setupButtons) b.disabled = false;
            button.focus();
          },
        });
      });
      return h(
        'li',
        { class: 'method', 'data-type': method.type },
        h('div', {}, h('h3', {}, method.label), h('p', { id: `method-${method.type}-summary`, class: 'muted' }, method.summary)),
        button,
      );
    }),
  );
  if (methods.length === 0) {
    methodsList.replaceChildren(h('li', { id: 'no-methods', class: 'muted' }, 'No method can be added: your organisation has none of the methods this page offers switched on.'));
  }
  profile.hidden = false;
  await Promise.all([devices.refresh(), recent.refresh()]);
}

void start();

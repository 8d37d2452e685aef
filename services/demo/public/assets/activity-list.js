// @ts-check
// "Recent activity" on the profile page: the user's own security events, newest first, kept
// current without a reload. It refreshes at once when the page sees a status change, and
// otherwise every few seconds with If-None-Match, so an unchanged list costs a bodiless 304.
// New entries are added above the old ones (never a redraw), so the polite live region
// announces only what is new.

import { describeActivity, worthALine } from './activity-wording.js';
import { h } from './dom.js';

/** @typedef {import('./api.js').Api} Api */
/** @typedef {import('./types.js').ActivityItem} ActivityItem */
/** @typedef {import('./types.js').ActivityPage} ActivityPage */

export const ACTIVITY_POLL_MS = 5000;
const SHOWN = 15;

/** @param {string} iso */
const when = (iso) => new Date(iso).toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'medium' });

/** @param {ActivityItem} item */
function entry(item) {
  const where = [item.ip, item.user_agent && shortAgent(item.user_agent)].filter(Boolean).join(' · ');
  return h(
    'li',
    { class: 'activity-item', 'data-id': item.id, 'data-event': item.event, 'data-outcome': item.outcome },
    h('span', { class: 'activity-what' }, describeActivity(item)),
    h('span', { class: 'muted activity-when' }, h('time', { datetime: item.at }, when(item.at)), where ? ` · ${where}` : ''),
  );
}

/**
 * The browser family of a user agent, enough to recognise one's own devices at a glance.
 *
 * @param {string} agent
 */
function shortAgent(agent) {
  const known = /(Edg|OPR|Firefox|Chrome|Safari|curl|node)\b/.exec(agent);
  return known ? ({ Edg: 'Edge', OPR: 'Opera' }[known[1] ?? ''] ?? known[1] ?? agent) : agent.slice(0, 40);
}

/**
 * Shows the activity list in `container` and keeps it current until `stop()`.
 *
 * @param {object} options
 * @param {Api} options.api
 * @param {HTMLElement} options.container
 * @param {number} [options.pollIntervalMs]
 * @returns {{ refresh(): Promise<void>, stop(): void }}
 */
export function activityList({ api, container, pollIntervalMs = ACTIVITY_POLL_MS }) {
  const list = h('ol', { id: 'activity-list', class: 'activity', 'aria-labelledby': 'activity-title', 'aria-live': 'polite', 'aria-relevant': 'additions' });
  const empty = h('p', { id: 'no-activity', class: 'muted' }, 'Nothing yet: sign-ins and changes to your authenticators will show here.');
  const trouble = h('p', { class: 'muted', id: 'activity-trouble' });
  container.replaceChildren(empty, list, trouble);
  list.hidden = true;

  /** @type {string | undefined} */
  let etag;
  let stopped = false;
  /** @type {ReturnType<typeof setTimeout> | undefined} */
  let timer;
  /** @type {Promise<void> | undefined} */
  let inFlight;
  // Asked again while a request was under way: that answer may predate what prompted the ask.
  let again = false;

  /** @param {ActivityItem[]} items newest first */
  function show(items) {
    const shown = new Set([...list.children].map((li) => li.getAttribute('data-id')));
    const fresh = items.filter((item) => worthALine(item) && !shown.has(item.id));
    // Oldest new one first, each put on top: the list ends newest first.
    for (const item of fresh.reverse()) list.prepend(entry(item));
    while (list.children.length > SHOWN) list.lastElementChild?.remove();
    list.hidden = list.children.length === 0;
    empty.hidden = !list.hidden;
  }

  async function load() {
    try {
      /** @type {import('./api.js').Revalidated<ActivityPage> | undefined} */
      const page = await api.getIfChanged(`/verification-actions-srv/activity?limit=${SHOWN}`, etag);
      trouble.textContent = '';
      if (!page) return;
      etag = page.etag;
      show(page.body.items);
    } catch {
      // Offline or refused for a moment: say so quietly, and the next round tries again.
      trouble.textContent = 'Could not update the activity just now; trying again shortly.';
    }
  }

  /** Reloads now (one request at a time), then again after the interval. */
  function refresh() {
    if (inFlight) {
      again = true;
      return inFlight;
    }
    clearTimeout(timer);
    inFlight = load().finally(() => {
      inFlight = undefined;
      if (stopped) return;
      if (again) {
        again = false;
        void refresh();
      } else {
        timer = setTimeout(refresh, pollIntervalMs);
      }
    });
    return inFlight;
  }

  return {
    refresh,
    stop: () => {
      stopped = true;
      clearTimeout(timer);
    },
  };
}

// @ts-check
// What each security event means to the user, in words: "Signed in with Authenticator app".
// Events this page does not know yet still show, by their name, rather than vanish.

import { methodOfType } from '../methods/index.js';

/** @typedef {import('./types.js').ActivityItem} ActivityItem */

/** @type {Record<string, string>} */
const DENIALS = {
  user_denied: 'Sign-in denied on your phone',
  wrong_number: 'Sign-in denied: the wrong number was picked',
  fraud: 'Sign-in reported as not you',
};

/** @type {Record<string, string>} */
const OPERATIONS = {
  initiate_enrollment: 'Adding an authenticator',
  remove_device: 'Removing an authenticator',
  regenerate_backup_codes: 'Making new backup codes',
  change_destination: 'Changing where codes are sent',
};

/**
 * @param {ActivityItem['details']} details
 * @param {string} key
 */
const detail = (details, key) => {
  const value = details[key];
  return typeof value === 'string' || typeof value === 'number' ? String(value) : '';
};

// Recorded with another event that says the same to a user: an enrollment's ENROLLED comes
// with factor.added in one transaction, and "Finished adding X" above "X added" reads as two.
const SAID_BY_ANOTHER = new Set(['enrollment.enrolled']);

/**
 * Whether `item` gets a line of its own in the list.
 *
 * @param {ActivityItem} item
 */
export function worthALine(item) {
  return !SAID_BY_ANOTHER.has(item.event);
}

/**
 * One line for `item`, such as "Backup code used: 9 left".
 *
 * @param {ActivityItem} item
 * @returns {string}
 */
export function describeActivity(item) {
  const label = item.type ? (methodOfType(item.type)?.label ?? item.type) : 'Second factor';
  const d = (/** @type {string} */ key) => detail(item.details, key);
  switch (item.event) {
    case 'authentication.succeeded':
      return `Signed in with ${label}`;
    // A challenge's own end; the sign-in it completes is its own entry (authentication.succeeded).
    case 'challenge.authenticated':
      return `Sign-in with ${label} answered`;
    case 'authentication.wrong_code':
      return `Wrong ${label} code at sign-in`;
    case 'authentication.replay':
      return `A ${label} code was used twice: refused`;
    case 'authentication.clone_warning':
      return `${label} may have been copied: its counter went back`;
    case 'authentication.invalid_response':
      return `${label} answer refused at sign-in`;
    case 'authentication.throttled':
      return `Sign-in refused: too many tries, wait ${d('retry_after')} s`;
    case 'authentication.denied':
      return `${DENIALS[d('reason')] ?? 'Sign-in denied'} (${label})`;
    case 'lockout.started':
      return `${label} locked after ${d('failures')} wrong codes`;
    case 'challenge.initiated':
      return `Sign-in started with ${label}`;
    case 'challenge.denied':
      return `Sign-in denied (${label})`;
    case 'challenge.expired':
      return `Sign-in with ${label} expired unanswered`;
    case 'challenge.cancelled':
      return `Sign-in with ${label} cancelled`;
    case 'challenge.failed':
      return `Sign-in with ${label} failed: too many wrong answers`;
    case 'enrollment.initiated':
      return `Started adding ${label}`;
    case 'enrollment.rotated':
      return `New setup code for ${label}`;
    case 'enrollment.scanned':
      return `${label} setup code scanned`;
    case 'enrollment.enrolled':
      return `Finished adding ${label}`;
    case 'enrollment.expired':
      return `Adding ${label} expired unfinished`;
    case 'enrollment.cancelled':
      return `Adding ${label} cancelled`;
    case 'enrollment.failed':
      return `Adding ${label} failed: too many wrong codes`;
    case 'enrollment.wrong_code':
      return `Wrong code while adding ${label}`;
    case 'enrollment.invalid_response':
      return `${label} registration refused`;
    case 'factor.added':
      return `${label} added`;
    case 'factor.removed':
      return d('actor') === 'admin' ? `${label} removed by an administrator` : `${label} removed`;
    case 'stepup.refused':
      return `${OPERATIONS[d('operation')] ?? 'A change'} refused: a fresh second factor was needed`;
    case 'backupcodes.regenerated':
      return `${d('count')} new backup codes made`;
    case 'backupcodes.used':
      return `Backup code used: ${d('remaining')} left`;
    case 'backupcodes.low':
      return `Only ${d('remaining')} backup codes left: make new ones`;
    case 'settings.changed':
      return `Your organisation changed the ${label} settings`;
    default:
      return item.event;
  }
}

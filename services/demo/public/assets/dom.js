// @ts-check
// Building DOM without markup strings: the pages enforce Trusted Types, so text is always text.

/** @typedef {string | number | boolean | undefined | ((event: Event) => void)} Prop */
/** @typedef {Node | string | null | undefined | false} Child */

/**
 * Creates an element with attributes (`on…` keys add listeners) and children (strings become
 * text nodes): `h('button', { type: 'button', onclick: save }, 'Save')`.
 *
 * @template {keyof HTMLElementTagNameMap} K
 * @param {K} tag
 * @param {Record<string, Prop>} [props]
 * @param {...Child} children
 * @returns {HTMLElementTagNameMap[K]}
 */
export function h(tag, props = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(props)) {
    if (value === undefined || value === false) continue;
    if (typeof value === 'function') node.addEventListener(name.replace(/^on/, ''), value);
    else node.setAttribute(name, value === true ? '' : String(value));
  }
  node.append(...children.filter((child) => child !== null && child !== undefined && child !== false));
  return node;
}

/**
 * The element with this id, of the expected type; a page without it is a bug worth a loud error.
 *
 * @template {HTMLElement} T
 * @param {string} id
 * @param {new () => T} type
 * @returns {T}
 */
export function byId(id, type) {
  const node = document.getElementById(id);
  if (!(node instanceof type)) throw new Error(`#${id} is missing or not a ${type.name}`);
  return node;
}

/**
 * Moves keyboard and screen-reader focus to `node` (a heading or message) after the page changed
 * under the user, without making it a tab stop.
 *
 * @param {HTMLElement} node
 */
export function moveFocusTo(node) {
  if (!node.hasAttribute('tabindex')) node.setAttribute('tabindex', '-1');
  node.focus();
}

/**
 * Formats a duration for people: `45 s`, `3 min`.
 *
 * @param {number} seconds
 */
export function formatWait(seconds) {
  return seconds < 90 ? `${seconds} s` : `${Math.ceil(seconds / 60)} min`;
}

/**
 * Says `message` politely to screen readers through the page's live region (created on first
 * use), for changes that happen away from the focus.
 *
 * @param {string} message
 */
export function announce(message) {
  let region = document.getElementById('announcer');
  if (!region) {
    region = h('div', { id: 'announcer', class: 'visually-hidden', 'aria-live': 'polite' });
    document.body.append(region);
  }
  // Emptied first, so the same words said twice are announced twice.
  region.textContent = '';
  const target = region;
  requestAnimationFrame(() => (target.textContent = message));
}

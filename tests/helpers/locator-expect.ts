import { expect } from 'vitest';
import type { Locator } from 'playwright-core';

// Retrying assertions on page elements (playwright-core has no `expect` of its own): each waits
// until the page shows what it says, or fails after TIMEOUT_MS with the last value seen.

const TIMEOUT_MS = 10_000;
const poll = <T>(read: () => Promise<T>, timeout = TIMEOUT_MS) => expect.poll(read, { timeout, interval: 50 });

/** The element's text equals `text` (or matches it, for a RegExp). */
export async function expectText(locator: Locator, text: string | RegExp): Promise<void> {
  const read = () => locator.innerText().then((t) => t.trim(), () => '');
  if (typeof text === 'string') await poll(read).toBe(text);
  else await poll(read).toMatch(text);
}

/** The element's text contains `text`. */
export async function expectTextContaining(locator: Locator, text: string): Promise<void> {
  await poll(() => locator.innerText().catch(() => '')).toContain(text);
}

export async function expectAttribute(locator: Locator, name: string, value: string | null): Promise<void> {
  await poll(() => locator.getAttribute(name).catch(() => null)).toBe(value);
}

export async function expectCount(locator: Locator, count: number): Promise<void> {
  await poll(() => locator.count()).toBe(count);
}

export async function expectVisible(locator: Locator): Promise<void> {
  await poll(() => locator.isVisible()).toBe(true);
}

export async function expectHidden(locator: Locator): Promise<void> {
  await poll(() => locator.isHidden()).toBe(true);
}

/** Keyboard focus is on the element (where the page moved it after a change). */
export async function expectFocused(locator: Locator): Promise<void> {
  await poll(() => locator.evaluate((element) => element === document.activeElement).catch(() => false)).toBe(true);
}

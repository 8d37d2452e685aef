import { mkdtempSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { expect } from 'vitest';
import type { Locator, Page, Request } from 'playwright-core';
import type { ImplementedType } from '../../shared/methods/registry.ts';
import { expectAttribute } from './locator-expect.ts';

// Page objects of the demo pages (/demo/, /demo/login, /demo/authenticator), driven the way a
// person uses them: by labels, buttons and what the page says. `startDemo` (demo.ts) opens them.

const AXE_SOURCE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');
const AXE_TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa', 'best-practice'];

/**
 * What axe-core finds wrong with the page as it is now (WCAG 2.2 A/AA and best practices:
 * names and labels, contrast, landmarks, headings, ARIA), one line per rule and element.
 */
export async function accessibilityViolations(page: Page): Promise<string[]> {
  // Evaluated through the DevTools protocol, which the pages' CSP does not govern.
  await page.evaluate(AXE_SOURCE);
  return page.evaluate(`axe.run(document, { runOnly: { type: 'tag', values: ${JSON.stringify(AXE_TAGS)} } })
    .then((result) => result.violations.flatMap((v) => v.nodes.map((n) => v.id + ' ' + n.target.join(' ') + ': ' + n.failureSummary.replace(/\\s+/g, ' '))))`);
}

/** The page as it is now passes axe: {@link accessibilityViolations} finds nothing. */
export async function expectAccessible(page: Page): Promise<void> {
  expect(await accessibilityViolations(page)).toEqual([]);
}

/** Whether the page is wider than its viewport, i.e. a phone user would have to scroll sideways. */
export function scrollsSideways(page: Page): Promise<boolean> {
  return page.evaluate(() => document.documentElement.scrollWidth > window.innerWidth);
}

/** A phone's viewport: the companion is a phone-sized page. */
export const PHONE = { width: 375, height: 812 } as const;

/** Narrowed to a phone's viewport (it stays so), the page does not scroll sideways. */
export async function expectFitsPhone(page: Page): Promise<void> {
  await page.setViewportSize(PHONE);
  expect(await scrollsSideways(page)).toBe(false);
}

/**
 * Where screenshots go: `DEMO_SCREENSHOTS_DIR` (`npm run screenshots` sets `docs/screenshots`),
 * else a temporary folder removed at the end, so the screenshot steps run (and cannot rot) in
 * every test run without touching the working tree.
 */
export function screenshotFolder(): { dir: string; cleanup(): void } {
  const wanted = process.env.DEMO_SCREENSHOTS_DIR;
  if (wanted) {
    const dir = resolve(wanted);
    mkdirSync(dir, { recursive: true });
    return { dir, cleanup: () => {} };
  }
  const dir = mkdtempSync(join(tmpdir(), 'demo-screenshots-'));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/**
 * Saves a screenshot of the part of the page from the top of the first of `parts` to the bottom
 * of the last (with a margin), so a README image shows what matters at a modest file size.
 */
export async function screenshotParts(page: Page, parts: Locator[], path: string): Promise<void> {
  const boxes = await Promise.all(parts.map(async (part) => (await part.boundingBox()) ?? undefined));
  const found = boxes.filter((box) => box !== undefined);
  if (found.length === 0) throw new Error('none of the parts to screenshot is on the page');
  // Bounding boxes are relative to the viewport; a full-page clip is relative to the page.
  const scroll = await page.evaluate(() => ({ x: window.scrollX, y: window.scrollY }));
  for (const box of found) {
    box.x += scroll.x;
    box.y += scroll.y;
  }
  const margin = 8;
  const top = Math.max(0, Math.min(...found.map((b) => b.y)) - margin);
  const left = Math.max(0, Math.min(...found.map((b) => b.x)) - margin);
  const bottom = Math.max(...found.map((b) => b.y + b.height)) + margin;
  const right = Math.max(...found.map((b) => b.x + b.width)) + margin;
  await page.screenshot({ path, fullPage: true, clip: { x: left, y: top, width: right - left, height: bottom - top } });
}

export class ProfilePage {
  constructor(readonly page: Page) {}

  /** The methods offered under "Add a second factor". */
  get methods(): Locator {
    return this.page.locator('#methods li.method');
  }

  get state(): Locator {
    return this.page.locator('#enrollment-state');
  }

  get transport(): Locator {
    return this.page.locator('#enrollment-transport');
  }

  get qr(): Locator {
    return this.page.getByRole('img', { name: 'QR code to scan with your authenticator app' });
  }

  get devices(): Locator {
    return this.page.locator('#device-list li.device');
  }

  /** Clicks "Set up" on the method of `type` under "Add a second factor". */
  async setUp(type: ImplementedType): Promise<void> {
    await this.page.locator(`li.method[data-type="${type}"]`).getByRole('button', { name: 'Set up' }).click();
  }

  /** Clicks "Set up" on the authenticator-app method. */
  async setUpTotp(): Promise<void> {
    await this.setUp('TOTP');
  }

  async expectState(status: string): Promise<void> {
    await expectAttribute(this.state, 'data-status', status);
  }

  /** Saves the QR code with the page's "Save QR image" link, as a user would, and returns the file's bytes. */
  async saveQrImage(): Promise<Buffer> {
    const [download] = await Promise.all([this.page.waitForEvent('download'), this.page.getByRole('link', { name: 'Save QR image' }).click()]);
    return readFile(await download.path());
  }

  /** Requests the page makes to the status polling endpoint, from now on. */
  recordStatusPolls(): Request[] {
    const polls: Request[] = [];
    this.page.on('request', (request) => {
      if (request.url().includes('/verification-srv/verificationstatus/')) polls.push(request);
    });
    return polls;
  }

  /** Marks the document, to show later that the page was not reloaded meanwhile. */
  async markDocument(): Promise<void> {
    await this.page.evaluate(() => document.documentElement.setAttribute('data-test-mark', 'kept'));
  }

  async expectSameDocument(): Promise<void> {
    await expectAttribute(this.page.locator('html'), 'data-test-mark', 'kept');
  }

  get stepUpDialog(): Locator {
    return this.page.getByRole('dialog', { name: 'Confirm it’s you' });
  }

  /** Answers the step-up prompt with a code from the authenticator app. */
  async stepUpWithCode(code: string): Promise<void> {
    await this.stepUpDialog.getByLabel('Code from your authenticator app').fill(code);
    await this.stepUpDialog.getByRole('button', { name: 'Verify' }).click();
  }

  async close(): Promise<void> {
    await this.page.close();
  }
}

export class CompanionPage {
  constructor(readonly page: Page) {}

  get status(): Locator {
    return this.page.locator('#scan-status');
  }

  /** Chooses a QR image file in "Scan a QR code image", as a user picks a saved image. */
  async uploadQr(png: Buffer): Promise<void> {
    await this.page.getByLabel('Scan a QR code image').setInputFiles({ name: 'authenticator-qr.png', mimeType: 'image/png', buffer: png });
  }

  /** Pastes an otpauth link into "Or paste an otpauth:// link" and adds it. */
  async paste(uri: string): Promise<void> {
    await this.page.getByLabel('Or paste an otpauth:// link').fill(uri);
    await this.page.getByRole('button', { name: 'Add', exact: true }).click();
  }

  /** Answers "Add … to this authenticator?" (the scan has been reported by then). */
  async confirmAdd(): Promise<void> {
    await this.page.getByRole('button', { name: 'Add account' }).click();
  }

  async deviceId(): Promise<string> {
    return (await this.page.locator('#device-id').textContent()) ?? '';
  }

  /**
   * The code the companion shows for the account of `sub` once its display has caught up with
   * the TOTP step of `at` (it redraws every second), digits only.
   */
  async codeFor(sub: string, at: Date, periodS = 30): Promise<string> {
    const code = this.page.locator('li.account', { hasText: sub }).last().locator('output.code');
    await expectAttribute(code, 'data-step', String(Math.floor(at.getTime() / 1000 / periodS)));
    return (await code.getAttribute('data-code')) ?? '';
  }

  async close(): Promise<void> {
    await this.page.close();
  }
}

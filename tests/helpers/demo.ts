import { join } from 'node:path';
import { expect } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { launchChromium } from './browser.ts';
import { CompanionPage, PHONE, ProfilePage, screenshotFolder } from './demo-pages.ts';
import { expectText } from './locator-expect.ts';
import { advanceSteps, alignToMidStep } from './sign-in.ts';
import { startTestServer, type TestServer, type TestServerOptions } from './test-server.ts';

// What a demo browser test file runs against: the service with its demo pages, and one
// headless Chromium with two contexts, the desktop browser the profile and sign-in pages run in
// and the "phone" the companion runs in (its own storage, and a clock the tests keep on the
// server's clock, so the codes it shows are the codes the server expects).

export interface DemoOptions {
  /** The service's environment (e.g. `FAST_DELIVERY_ENV`). */
  env?: TestServerOptions['env'];
  /**
   * Opens the pages under another name of the server's address: `localhost` for WebAuthn,
   * which browsers refuse on an IP address.
   */
  host?: string;
  /** Opens the companion on the phone at the start, as `demo.companion`, for the whole file. */
  companion?: boolean;
}

type ScreenshotFolder = ReturnType<typeof screenshotFolder>;

/** The service, its demo pages in Chromium, and where the file's screenshots go. */
export class Demo {
  readonly #host: string | undefined;
  readonly #screenshots: ScreenshotFolder;
  #companion: CompanionPage | undefined;

  private constructor(
    readonly server: TestServer,
    readonly browser: Browser,
    readonly desktop: BrowserContext,
    readonly phone: BrowserContext,
    host: string | undefined,
    screenshots: ScreenshotFolder,
  ) {
    this.#host = host;
    this.#screenshots = screenshots;
  }

  /** See {@link startDemo}. */
  static async start(options: DemoOptions = {}): Promise<Demo> {
    const server = await startTestServer({ env: options.env });
    const screenshots = screenshotFolder();
    let browser: Browser | undefined;
    try {
      browser = await launchChromium();
      const desktop = await browser.newContext({ acceptDownloads: true });
      const phone = await browser.newContext({ viewport: PHONE, isMobile: true, hasTouch: true });
      const demo = new Demo(server, browser, desktop, phone, options.host, screenshots);
      await demo.syncPhoneClock();
      if (options.companion) demo.#companion = await demo.openCompanion();
      return demo;
    } catch (err) {
      await browser?.close();
      await server.close();
      screenshots.cleanup();
      throw err;
    }
  }

  /** The companion opened at the start (`startDemo({ companion: true })`): one phone app for the whole file. */
  get companion(): CompanionPage {
    if (!this.#companion) throw new Error('no companion: start the demo with startDemo({ companion: true })');
    return this.#companion;
  }

  /** The address of a demo page (or any path) as the browser opens it. */
  url(path: string): string {
    const url = new URL(path, this.server.url);
    if (this.#host) url.hostname = this.#host;
    return url.toString();
  }

  /**
   * Where to save the screenshot `file`: `docs/screenshots` under `npm run screenshots`, else a
   * temporary folder removed by {@link close} (see `screenshotFolder`).
   */
  screenshotPath(file: string): string {
    return join(this.#screenshots.dir, file);
  }

  /** Sets the phone's clock to the server's (tests move the server's clock to skip time). */
  async syncPhoneClock(): Promise<void> {
    await this.phone.clock.setSystemTime(this.server.clock.now());
  }

  /** Moves the server's clock, and the phone's with it (the codes it shows follow its own clock). */
  async advanceClock(ms: number): Promise<void> {
    this.server.clock.advance(ms);
    await this.syncPhoneClock();
  }

  /**
   * Moves the server's clock (and the phone's with it) to the middle of the next TOTP step: the
   * code the companion shows then was never used, and stays valid while the test types it.
   */
  async nextTotpStep(): Promise<void> {
    alignToMidStep(this.server);
    advanceSteps(this.server);
    await this.syncPhoneClock();
  }

  /** A fresh tab of the profile page, signed in as `sub` through the demo sign-in. */
  async profile(sub: string, tenant?: string): Promise<ProfilePage> {
    const page = await this.desktop.newPage();
    await page.goto(this.url('/demo/'));
    const profile = new ProfilePage(page);
    await signIn(page, sub, tenant);
    await expect.poll(() => profile.methods.or(page.locator('#no-methods')).count()).toBeGreaterThan(0);
    return profile;
  }

  /** A fresh tab of the sign-in page, signed in as `sub`. */
  async signInPage(sub: string, tenant?: string): Promise<Page> {
    const page = await this.desktop.newPage();
    await page.goto(this.url('/demo/login'));
    await signIn(page, sub, tenant);
    return page;
  }

  /** The companion in a fresh tab of the phone (its accounts and device id persist across tabs). */
  async openCompanion(): Promise<CompanionPage> {
    const page = await this.phone.newPage();
    await page.goto(this.url('/demo/authenticator'));
    await page.locator('body[data-ready="true"]').waitFor();
    return new CompanionPage(page);
  }

  /**
   * Scans the QR code the profile page shows now with {@link companion} and confirms, as a user
   * does, until the profile page says the method is enrolled.
   */
  async scanAndEnroll(profile: ProfilePage): Promise<void> {
    await this.syncPhoneClock();
    await this.companion.uploadQr(await profile.saveQrImage());
    await profile.expectState('SCANNED');
    await this.companion.confirmAdd();
    await profile.expectState('ENROLLED');
  }

  /** Closes the browser, stops the service and removes the temporary screenshots. */
  async close(): Promise<void> {
    await this.browser.close();
    await this.server.close();
    this.#screenshots.cleanup();
  }
}

/** Signs in through the demo sign-in form of either page. */
async function signIn(page: Page, sub: string, tenant?: string): Promise<void> {
  await page.getByLabel('User name').fill(sub);
  if (tenant) await page.getByLabel('Tenant (optional)').fill(tenant);
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
  await expectText(page.locator('#signed-in-user'), sub);
}

/**
 * Starts the service on a new scratch database and one headless Chromium on its demo pages.
 * One per test file: Chromium takes about a second to start, a context a few ms.
 *
 * @example
 * ```ts
 * const enabled = browserTestsEnabled('tests/e2e/demo-x-browser.test.ts');
 * let demo: Demo;
 * beforeAll(async () => { if (enabled) demo = await startDemo({ companion: true }); });
 * afterAll(() => demo?.close());
 * ```
 */
export function startDemo(options: DemoOptions = {}): Promise<Demo> {
  return Demo.start(options);
}

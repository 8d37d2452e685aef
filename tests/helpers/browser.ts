import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';
import { chromium, type Browser, type BrowserContext, type CDPSession, type Page } from 'playwright-core';

// Real-browser tests drive Debian's `chromium` (no downloaded browser) through playwright-core.
// CHROMIUM_PATH overrides where it is; CI=true makes a missing browser a failure, not a skip.

const CANDIDATES = ['chromium', 'chromium-browser', 'google-chrome'];

function findOnPath(names: string[]): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(delimiter).filter(Boolean)) {
    for (const name of names) {
      const file = join(dir, name);
      try {
        accessSync(file, constants.X_OK);
        return file;
      } catch {
        // not here
      }
    }
  }
  return undefined;
}

/** The Chromium executable, or `undefined` when none is installed. */
export const CHROMIUM_PATH: string | undefined = process.env.CHROMIUM_PATH || findOnPath(CANDIDATES);

const inCi = ['true', '1'].includes((process.env.CI ?? '').toLowerCase());

/**
 * Whether the browser tests of a file can run. Without Chromium they are skipped with a loud
 * banner, except under `CI=true`, where the missing browser fails the file.
 */
export function browserTestsEnabled(suite: string): boolean {
  if (CHROMIUM_PATH) return true;
  const message = `${suite}: Chromium not found (install Debian's \`chromium\` or set CHROMIUM_PATH)`;
  if (inCi) throw new Error(`${message}; CI=true makes the browser tests mandatory`);
  const bar = '!'.repeat(Math.min(100, message.length + 20));
  console.warn(`\n${bar}\n!!! SKIPPED REAL-BROWSER TESTS: ${message}\n${bar}\n`);
  return false;
}

/** Launches headless Chromium. One per test file: it takes about a second, a context a few ms. */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    // Playwright already runs Chromium headless (the new headless mode) and off the network's
    // background services; these keep a root container quiet and fast.
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

export interface VirtualAuthenticatorOptions {
  /** `internal` is a platform authenticator (Touch ID-like); `usb` a roaming security key. */
  transport: 'internal' | 'usb';
  hasResidentKey?: boolean;
  /** Whether the authenticator can verify the user at all (biometric or PIN). */
  hasUserVerification?: boolean;
  /** Whether that verification succeeds. */
  isUserVerified?: boolean;
}

/** A credential as the CDP WebAuthn domain describes it (ids and keys in standard base64). */
export interface VirtualCredential {
  credentialId: string;
  isResidentCredential: boolean;
  rpId?: string;
  privateKey: string;
  userHandle?: string;
  signCount: number;
}

/**
 * A CDP virtual authenticator attached to one page: the browser answers WebAuthn calls of that
 * page with it, and the test can read and rewrite its credentials (e.g. wind a signature
 * counter back, as a cloned key would).
 */
export class VirtualAuthenticator {
  readonly #cdp: CDPSession;
  readonly id: string;

  private constructor(cdp: CDPSession, id: string) {
    this.#cdp = cdp;
    this.id = id;
  }

  static async attach(page: Page, options: VirtualAuthenticatorOptions): Promise<VirtualAuthenticator> {
    const cdp = await page.context().newCDPSession(page);
    await cdp.send('WebAuthn.enable', { enableUI: false });
    const { authenticatorId } = await cdp.send('WebAuthn.addVirtualAuthenticator', {
      options: {
        protocol: 'ctap2',
        ctap2Version: 'ctap2_1',
        transport: options.transport,
        hasResidentKey: options.hasResidentKey ?? true,
        hasUserVerification: options.hasUserVerification ?? true,
        isUserVerified: options.isUserVerified ?? true,
        automaticPresenceSimulation: true,
      },
    });
    return new VirtualAuthenticator(cdp, authenticatorId);
  }

  async credentials(): Promise<VirtualCredential[]> {
    const { credentials } = await this.#cdp.send('WebAuthn.getCredentials', { authenticatorId: this.id });
    return credentials;
  }

  /** The authenticator's copy of a credential, by the base64url id the server knows it by. */
  async credential(base64urlId: string): Promise<VirtualCredential> {
    const found = (await this.credentials()).find((c) => toBase64url(c.credentialId) === base64urlId);
    if (!found) throw new Error(`the virtual authenticator holds no credential ${base64urlId}`);
    return found;
  }

  async removeCredential(base64urlId: string): Promise<void> {
    const credential = await this.credential(base64urlId);
    await this.#cdp.send('WebAuthn.removeCredential', { authenticatorId: this.id, credentialId: credential.credentialId });
  }

  async addCredential(credential: VirtualCredential): Promise<void> {
    await this.#cdp.send('WebAuthn.addCredential', { authenticatorId: this.id, credential });
  }

  /** Replaces a credential with the same key but another signature counter. */
  async setSignCount(base64urlId: string, signCount: number): Promise<void> {
    const credential = await this.credential(base64urlId);
    await this.removeCredential(base64urlId);
    await this.addCredential({ ...credential, signCount });
  }

  async setUserVerified(isUserVerified: boolean): Promise<void> {
    await this.#cdp.send('WebAuthn.setUserVerified', { authenticatorId: this.id, isUserVerified });
  }

  async detach(): Promise<void> {
    await this.#cdp.send('WebAuthn.removeVirtualAuthenticator', { authenticatorId: this.id });
    await this.#cdp.detach();
  }
}

function toBase64url(base64: string): string {
  return Buffer.from(base64, 'base64').toString('base64url');
}

/** What the test page's `window.webauthnCeremony` returns. */
export type CeremonyResult<T> = { ok: true; response: T } | { ok: false; error: { name: string; code: string | null; message: string } };

/** The service's WebAuthn test page in a tab, driven through `window.webauthnCeremony`. */
export class CeremonyPage {
  constructor(readonly page: Page) {}

  /** Opens the page at `url` (e.g. `http://localhost:<port>/verification-srv/dev/webauthn`) in a new tab. */
  static async open(context: BrowserContext, url: string): Promise<CeremonyPage> {
    const page = await context.newPage();
    await page.goto(url);
    await page.waitForFunction(() => 'webauthnCeremony' in globalThis);
    return new CeremonyPage(page);
  }

  get origin(): string {
    return new URL(this.page.url()).origin;
  }

  register<T>(options: unknown): Promise<CeremonyResult<T>> {
    return this.page.evaluate((o) => (globalThis as unknown as CeremonyWindow).webauthnCeremony.register(o), options) as Promise<CeremonyResult<T>>;
  }

  authenticate<T>(options: unknown): Promise<CeremonyResult<T>> {
    return this.page.evaluate((o) => (globalThis as unknown as CeremonyWindow).webauthnCeremony.authenticate(o), options) as Promise<CeremonyResult<T>>;
  }

  close(): Promise<void> {
    return this.page.close();
  }
}

interface CeremonyWindow {
  webauthnCeremony: { register(options: unknown): Promise<unknown>; authenticate(options: unknown): Promise<unknown> };
}

import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { browserTestsEnabled, VirtualAuthenticator, type VirtualAuthenticatorOptions } from '../helpers/browser.ts';
import { startDemo, type Demo } from '../helpers/demo.ts';
import { screenshotParts, type ProfilePage } from '../helpers/demo-pages.ts';
import { expectCount, expectText, expectTextContaining, expectVisible } from '../helpers/locator-expect.ts';
import { uniqueSub } from '../helpers/sign-in.ts';

// The demo pages with FIDO2 and TOUCHID in headless Chromium: the profile page registers this
// device's authenticator (a CDP virtual platform authenticator), the step-up prompt proves it,
// and the sign-in page signs in with it. The pages are opened on localhost: browsers refuse
// WebAuthn on an IP address.

const enabled = browserTestsEnabled('tests/e2e/demo-webauthn-browser.test.ts');
const PLATFORM: VirtualAuthenticatorOptions = { transport: 'internal', hasUserVerification: true, isUserVerified: true };

let demo: Demo;
beforeAll(async () => {
  if (enabled) demo = await startDemo({ host: 'localhost' });
});
afterAll(() => demo?.close());

async function registerThisDevice(profile: ProfilePage): Promise<void> {
  await profile.setUp('TOUCHID');
  await profile.expectState('INITIATED');
  await expectTextContaining(profile.state, 'Waiting for your authenticator');
  await profile.page.getByRole('button', { name: 'Register this device' }).click();
  await profile.expectState('ENROLLED');
}

describe.skipIf(!enabled)('demo pages: FIDO2 and TOUCHID', () => {
  it('registers this device on the profile page, lists it as "Touch ID", and refuses it again as a security key after step-up with it', async () => {
    const profile = await demo.profile(uniqueSub('demo-touchid'));
    const authenticator = await VirtualAuthenticator.attach(profile.page, PLATFORM);
    try {
      await registerThisDevice(profile);
      await expectCount(profile.devices, 1);
      await expectTextContaining(profile.devices.first(), 'Touch ID');
      await screenshotParts(profile.page, [profile.page.locator('#enrollment'), profile.page.locator('section[aria-labelledby="devices-title"]')], demo.screenshotPath('webauthn-registered.png'));
      await profile.page.getByRole('button', { name: 'Close' }).click();

      // A second factor needs a fresh proof: the prompt offers this device, then the FIDO2
      // ceremony is refused by the browser, as the device is registered already.
      await profile.setUp('FIDO2');
      await expectVisible(profile.stepUpDialog);
      await expectText(profile.stepUpDialog.getByText(/^Use your /), 'Use your fingerprint or face.');
      await profile.stepUpDialog.getByRole('button', { name: 'Use this device' }).click();
      await profile.expectState('INITIATED');
      await profile.page.getByRole('button', { name: 'Register a security key' }).click();
      await expectText(profile.page.locator('#fido2-register-message'), 'This authenticator is already registered.');
      await expectCount(profile.devices, 1);
    } finally {
      await authenticator.detach();
      await profile.close();
    }
  });

  it('signs in with this device on the sign-in page', async () => {
    const sub = uniqueSub('demo-touchid-sign-in');
    const profile = await demo.profile(sub);
    const page: Page = profile.page;
    const authenticator = await VirtualAuthenticator.attach(page, PLATFORM);
    try {
      await registerThisDevice(profile);
      // The same tab goes to the sign-in page: the virtual authenticator belongs to the tab.
      await page.goto(demo.url('/demo/login'));
      await page.getByRole('radio', { name: 'Fingerprint or face' }).check();
      await page.getByRole('button', { name: 'Use this device' }).click();
      await expectVisible(page.getByRole('heading', { name: 'AUTHENTICATED' }));
      await expectTextContaining(page.locator('#result'), 'Signed in with your fingerprint or face');
    } finally {
      await authenticator.detach();
      await profile.close();
    }
  });
});

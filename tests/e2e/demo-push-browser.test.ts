import { afterAll, beforeAll, describe, it } from 'vitest';
import { browserTestsEnabled } from '../helpers/browser.ts';
import { startDemo, type Demo } from '../helpers/demo.ts';
import { expectAccessible, screenshotParts } from '../helpers/demo-pages.ts';
import { expectAttribute, expectHidden, expectText, expectTextContaining, expectVisible } from '../helpers/locator-expect.ts';
import { uniqueSub } from '../helpers/sign-in.ts';

// PUSH on the demo pages in headless Chromium: the profile page enrolls the companion (a phone
// context) by its QR image, the companion's WebCrypto key signs the enrollment proof, the device
// tokens and the answers, and the sign-in page shows the number the user types on the phone.

const enabled = browserTestsEnabled('tests/e2e/demo-push-browser.test.ts');

let demo: Demo;
beforeAll(async () => {
  if (enabled) demo = await startDemo({ companion: true });
});
afterAll(() => demo?.close());

describe.skipIf(!enabled)('PUSH on the demo pages', () => {
  it('enrolls the companion by QR image, then signs in by typing the shown number on the phone; a wrong number is denied', async () => {
    const sub = uniqueSub('pushdemo');
    const profile = await demo.profile(sub);
    await profile.setUp('PUSH');
    await profile.expectState('INITIATED');
    await demo.companion.uploadQr(await profile.saveQrImage());
    await profile.expectState('SCANNED');
    await expectVisible(demo.companion.page.getByText(`Approve sign-ins to default: ${sub} on this device?`));
    await demo.companion.confirmAdd();
    await profile.expectState('ENROLLED');
    await expectTextContaining(profile.devices.first(), 'Push approval');
    await profile.close();
    const noRequest = demo.companion.page.getByText('None yet: when a sign-in asks this device to approve it, the request shows here.');
    await expectVisible(noRequest);

    const page = await demo.signInPage(sub);
    await page.getByRole('radio', { name: 'Push approval' }).check();
    const number = page.locator('#push-number');
    await expectText(number, /^\d{2}$/);
    const shown = (await number.textContent())!;
    await page.screenshot({ path: demo.screenshotPath('push-sign-in.png') });

    const request = demo.companion.page.locator('#challenge-list .push-challenge').first();
    await expectTextContaining(request, 'Sign in to the verification demo');
    await expectHidden(noRequest);
    await request.getByLabel('Number shown on the sign-in page').fill(shown);
    await screenshotParts(demo.companion.page, [demo.companion.page.locator('section:has(#challenge-list)')], demo.screenshotPath('push-companion.png'));
    await request.getByRole('button', { name: 'Approve' }).click();
    await expectAttribute(request.locator('.challenge-result'), 'data-status', 'AUTHENTICATED');
    await expectVisible(page.getByRole('heading', { name: 'AUTHENTICATED' }));
    await expectAccessible(demo.companion.page);

    await page.getByRole('button', { name: 'Sign in again' }).click();
    await expectText(number, /^\d{2}$/);
    const again = (await number.textContent())!;
    const wrong = String((Number(again) + 1) % 100).padStart(2, '0');
    const second = demo.companion.page.locator('#challenge-list .push-challenge').first();
    await expectAttribute(second.locator('.challenge-result'), 'data-status', null);
    await second.getByLabel('Number shown on the sign-in page').fill(wrong);
    await second.getByRole('button', { name: 'Approve' }).click();
    await expectAttribute(second.locator('.challenge-result'), 'data-status', 'DENIED');
    await expectTextContaining(page.locator('#push-ending'), 'denied');
    await page.close();
  });
});

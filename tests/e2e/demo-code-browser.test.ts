import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { browserTestsEnabled } from '../helpers/browser.ts';
import { enrollDestination, receivedCode, uniqueMobile } from '../helpers/code-method.ts';
import { FAST_DELIVERY_ENV } from '../helpers/delivery.ts';
import { startDemo, type Demo } from '../helpers/demo.ts';
import { expectAccessible, screenshotParts } from '../helpers/demo-pages.ts';
import { expectAttribute, expectText, expectVisible } from '../helpers/locator-expect.ts';
import { uniqueSub } from '../helpers/sign-in.ts';

// The demo pages' SMS module in headless Chromium, against the real service with the `log`
// provider: the code a person would read on their phone is read by the test from the
// development outbox.

const enabled = browserTestsEnabled('tests/e2e/demo-code-browser.test.ts');

let demo: Demo;
beforeAll(async () => {
  if (enabled) demo = await startDemo({ env: FAST_DELIVERY_ENV });
});
afterAll(() => demo?.close());

async function typeCode(page: Page, code: string): Promise<void> {
  await page.getByLabel('Code we sent').fill(code);
  await page.getByRole('button', { name: 'Verify' }).click();
}

describe.skipIf(!enabled)('demo pages: SMS', () => {
  it('profile: asks for the number, says where the code went, and enrolls with the code', async () => {
    const profile = await demo.profile(uniqueSub('demo-sms'));
    const number = uniqueMobile();
    await profile.setUp('SMS');
    await profile.page.getByLabel('Mobile number (with +country code)').fill('030 1234567');
    await profile.page.getByRole('button', { name: 'Send code' }).click();
    await expectText(profile.page.locator('#sms-destination-message'), 'phone_number needs a country code (+…), or the tenant a default_country');
    await profile.page.getByLabel('Mobile number (with +country code)').fill(number);
    await profile.page.getByRole('button', { name: 'Send code' }).click();
    await profile.expectState('INITIATED');
    await expectText(profile.page.locator('#sms-sent-to'), `We sent a code to +49•••••${number.slice(-3)}.`);
    expect(await profile.state.textContent()).toContain('Code sent');
    await screenshotParts(profile.page, [profile.page.locator('#enrollment')], demo.screenshotPath('code-sent.png'));
    await expectAccessible(profile.page);
    await typeCode(profile.page, await receivedCode(demo.server, number));
    await profile.expectState('ENROLLED');
    await profile.close();
  });

  it('sign-in: sends a code when asked, and signs in with it', async () => {
    const sub = uniqueSub('demo-sms-sign-in');
    const number = uniqueMobile();
    await enrollDestination(demo.server, 'sms', await demo.server.token({ sub }), number);
    const page = await demo.signInPage(sub);
    await page.getByRole('radio', { name: 'Text message' }).check();
    await page.getByRole('button', { name: 'Send a code to your phone' }).click();
    await expectText(page.locator('#sms-sign-in-sent-to'), `We sent a code to +49•••••${number.slice(-3)}.`);
    const code = await receivedCode(demo.server, number, 2);
    await typeCode(page, code === '000000' ? '111111' : '000000');
    await expectText(page.locator('#sms-sign-in-message'), 'Wrong code.');
    await typeCode(page, code);
    const result = page.getByRole('heading', { name: 'AUTHENTICATED' });
    await expectVisible(result);
    await expectAttribute(result, 'data-status', 'AUTHENTICATED');
    await page.close();
  });
});

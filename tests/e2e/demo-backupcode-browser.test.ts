import { readFile } from 'node:fs/promises';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { browserTestsEnabled } from '../helpers/browser.ts';
import { startDemo, type Demo } from '../helpers/demo.ts';
import { expectAccessible, expectFitsPhone, screenshotParts } from '../helpers/demo-pages.ts';
import { codeNow } from '../helpers/enrollment.ts';
import { request } from '../helpers/http.ts';
import { expectCount, expectFocused, expectHidden, expectText, expectTextContaining, expectVisible } from '../helpers/locator-expect.ts';
import { enrolledUser, uniqueSub } from '../helpers/sign-in.ts';

// Backup codes on the demo pages in headless Chromium: made on the profile page (after step-up,
// shown once, saved as a file, listed with the codes left) and used on the sign-in page.

const enabled = browserTestsEnabled('tests/e2e/demo-backupcode-browser.test.ts');

let demo: Demo;
beforeAll(async () => {
  if (enabled) demo = await startDemo();
});
afterAll(() => demo?.close());

/** A user whose only factor is a set of backup codes, made through the API. */
async function userWithCodes(prefix: string): Promise<{ sub: string; codes: string[] }> {
  const sub = uniqueSub(prefix);
  const res = await request<{ codes: string[] }>(`${demo.server.url}/verification-actions-srv/setup/backupcode/initiation`, {
    method: 'POST',
    token: await demo.server.token({ sub }),
    body: {},
  });
  expect(res.status).toBe(201);
  return { sub, codes: res.body.codes };
}

const codeField = (page: Page) => page.getByLabel('One of your backup codes');

describe.skipIf(!enabled)('backup codes on the demo pages', () => {
  it('shows a new set once after step-up, saves it as a text file, and lists it with the codes left', async () => {
    const user = await enrolledUser(demo.server, { prefix: 'bc-demo' });
    const profile = await demo.profile(user.sub);
    await profile.setUp('BACKUPCODE');
    await expectVisible(profile.stepUpDialog);
    await profile.stepUpWithCode(codeNow(demo.server, user.secret));
    await expectHidden(profile.stepUpDialog);

    const codes = profile.page.locator('#backup-codes li');
    await expectCount(codes, 10);
    const shown = await codes.allTextContents();
    for (const code of shown) expect(code).toMatch(/^[a-z2-9]{5}-[a-z2-9]{5}$/);
    await screenshotParts(profile.page, [profile.page.locator('#enrollment')], demo.screenshotPath('backup-codes.png'));
    const [download] = await Promise.all([profile.page.waitForEvent('download'), profile.page.getByRole('link', { name: 'Save as text file' }).click()]);
    expect((await readFile(await download.path(), 'utf8')).trim().split('\n')).toEqual(shown);

    await expectCount(profile.devices, 2);
    await expectTextContaining(profile.devices.filter({ hasText: 'Backup codes' }), '10 left');
    await expectAccessible(profile.page);
    await expectFitsPhone(profile.page);
    await profile.close();
  });

  it('signs in with a backup code as typed on paper (capitals, a space), then refuses it the second time', async () => {
    const user = await userWithCodes('bc-demo-signin');
    const page = await demo.signInPage(user.sub);
    await page.getByRole('radio', { name: 'Backup codes' }).check();
    await expectFocused(codeField(page));
    await codeField(page).fill(user.codes[0]!.toUpperCase().replace('-', ' '));
    await page.getByRole('button', { name: 'Verify' }).click();
    const result = page.getByRole('heading', { name: 'AUTHENTICATED' });
    await expectVisible(result);
    await expectAccessible(page);

    await page.getByRole('button', { name: 'Sign in again' }).click();
    await codeField(page).fill(user.codes[0]!);
    await page.getByRole('button', { name: 'Verify' }).click();
    await expectText(page.locator('#backupcode-sign-in-message'), 'This backup code was already used: each one works once. Try another.');
    await page.close();
  });
});

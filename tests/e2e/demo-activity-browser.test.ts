import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Request } from 'playwright-core';
import { browserTestsEnabled } from '../helpers/browser.ts';
import { enrollDestination, uniqueEmail, uniqueMobile } from '../helpers/code-method.ts';
import { FAST_DELIVERY_ENV } from '../helpers/delivery.ts';
import { startDemo, type Demo } from '../helpers/demo.ts';
import { expectAccessible, expectFitsPhone, screenshotParts, ProfilePage } from '../helpers/demo-pages.ts';
import { enrollmentClient, wrongCode } from '../helpers/enrollment.ts';
import { request } from '../helpers/http.ts';
import { expectAttribute, expectCount, expectText, expectVisible } from '../helpers/locator-expect.ts';
import { enrolledUser, uniqueSub } from '../helpers/sign-in.ts';
import { signInForAssertion, withAssertion } from '../helpers/step-up.ts';

// "Recent activity" on the demo profile page (issue 15) in headless Chromium: what the user does
// here or on another page shows up in the list without a reload.

const enabled = browserTestsEnabled('tests/e2e/demo-activity-browser.test.ts');

let demo: Demo;
beforeAll(async () => {
  if (enabled) demo = await startDemo({ env: FAST_DELIVERY_ENV, companion: true });
});
afterAll(() => demo?.close());

const entries = (profile: ProfilePage) => profile.page.locator('#activity-list li');

async function enrollTotp(profile: ProfilePage): Promise<void> {
  await profile.setUpTotp();
  await demo.scanAndEnroll(profile);
}

/** Activity requests the page makes from now on. */
function recordActivityPolls(profile: ProfilePage): Request[] {
  const polls: Request[] = [];
  profile.page.on('request', (req) => {
    if (req.url().includes('/verification-actions-srv/activity')) polls.push(req);
  });
  return polls;
}

describe.skipIf(!enabled)('profile page: recent activity', () => {
  it('says there is nothing yet for a new user', async () => {
    const profile = await demo.profile(uniqueSub('activity-new'));
    await expectText(profile.page.locator('#no-activity'), 'Nothing yet: sign-ins and changes to your authenticators will show here.');
    await profile.close();
  });

  it('shows an enrollment as it happens, then a sign-in made on the sign-in page, newest first, without a reload', async () => {
    const sub = uniqueSub('activity');
    const profile = await demo.profile(sub);
    await profile.markDocument();
    await enrollTotp(profile);
    await expectText(entries(profile).first().locator('.activity-what'), 'Authenticator app added');
    await expectText(entries(profile).last().locator('.activity-what'), 'Started adding Authenticator app');

    await demo.nextTotpStep();
    const signIn = await demo.signInPage(sub);
    await signIn.getByLabel('Code from your authenticator app').fill(await demo.companion.codeFor(sub, demo.server.clock.now()));
    await signIn.getByRole('button', { name: 'Verify' }).click();
    await expectVisible(signIn.getByRole('heading', { name: 'AUTHENTICATED' }));
    await signIn.close();

    await expectText(entries(profile).first().locator('.activity-what'), 'Signed in with Authenticator app');
    await expectAttribute(entries(profile).first(), 'data-event', 'authentication.succeeded');
    await profile.expectSameDocument();
    await profile.close();
  });

  it('refreshes at once when the page sees a status change, without waiting for the next poll', async () => {
    // A browser of its own, whose timers stand still: only a status change can refresh the list.
    const frozen = await demo.browser.newContext();
    await frozen.clock.install();
    const profile = new ProfilePage(await frozen.newPage());
    await profile.page.goto(demo.url('/demo/'));
    await profile.page.getByLabel('User name').fill(uniqueSub('activity-live'));
    await profile.page.getByRole('button', { name: 'Sign in', exact: true }).click();
    await expectText(profile.page.locator('#no-activity'), 'Nothing yet: sign-ins and changes to your authenticators will show here.');
    await frozen.clock.pauseAt(new Date(Date.now() + 60_000));
    await profile.setUpTotp();
    await profile.expectState('INITIATED');
    await demo.syncPhoneClock();
    await demo.companion.uploadQr(await profile.saveQrImage());
    await profile.expectState('SCANNED');
    await expectText(entries(profile).first().locator('.activity-what'), 'Authenticator app setup code scanned');
    await frozen.close();
  });

  it('lists every factor of a user with several methods, and each addition and failed sign-in in the activity', async () => {
    const user = await enrolledUser(demo.server, { prefix: 'activity-many' });
    const stepUp = withAssertion(await signInForAssertion(demo.server, user));
    await enrollDestination(demo.server, 'sms', user.token, uniqueMobile(), stepUp);
    await enrollDestination(demo.server, 'email', user.token, uniqueEmail('activity'), stepUp);
    const codes = await request(`${demo.server.url}/verification-actions-srv/setup/backupcode/initiation`, { method: 'POST', token: user.token, body: {}, headers: stepUp });
    expect(codes.status).toBe(201);
    expect((await enrollmentClient(demo.server).signIn(user.token, wrongCode(demo.server, user.secret))).status).toBe(400);

    const profile = await demo.profile(user.sub);
    await expectCount(profile.devices, 4);
    await expectText(entries(profile).first().locator('.activity-what'), 'Wrong Authenticator app code at sign-in');
    await expectAttribute(entries(profile).first(), 'data-outcome', 'failure');
    expect(await entries(profile).locator('.activity-what').allInnerTexts()).toEqual([
      'Wrong Authenticator app code at sign-in',
      'Backup codes added',
      'Email added',
      'Started adding Email',
      'Text message added',
      'Started adding Text message',
      'Signed in with Authenticator app',
      'Authenticator app added',
      'Started adding Authenticator app',
    ]);
    await screenshotParts(profile.page, [profile.page.locator('section[aria-labelledby="devices-title"]'), profile.page.locator('section[aria-labelledby="activity-title"]')], demo.screenshotPath('profile-activity.png'));
    await profile.close();
  });

  it('revalidates with If-None-Match, so an unchanged list costs a bodiless 304', async () => {
    const profile = await demo.profile(uniqueSub('activity-etag'));
    const polls = recordActivityPolls(profile);
    await expect.poll(() => polls.length, { timeout: 15_000 }).toBeGreaterThanOrEqual(1);
    const poll = polls[0]!;
    expect(poll.headers()['if-none-match']).toMatch(/^"[\w-]+"$/);
    expect((await poll.response())?.status()).toBe(304);
    await profile.close();
  });

  it('passes axe (WCAG 2.2 AA) and fits a phone (375 px) with entries listed in a polite live region', async () => {
    const profile = await demo.profile(uniqueSub('activity-a11y'));
    await enrollTotp(profile);
    await expectText(entries(profile).first().locator('.activity-what'), 'Authenticator app added');
    const list = profile.page.getByRole('list', { name: 'Recent activity' });
    await expectAttribute(list, 'aria-live', 'polite');
    await expectAccessible(profile.page);
    await expectFitsPhone(profile.page);
    await profile.close();
  });
});

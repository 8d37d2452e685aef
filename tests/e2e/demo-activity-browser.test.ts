import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Request } from 'playwright-core';
import { browserTestsEnabled } from '../helpers/browser.ts';
import { enrollDestination, uniqueEmail, uniqueMobile } from '../helpers/code-method.ts';
import { FAST_DELIVERY_ENV } from '../helpers/delivery.ts';
import { accessibilityViolations, DemoBrowser, PHONE, screenshotFolder, screenshotParts, scrollsSideways, ProfilePage, type CompanionPage } from '../helpers/demo-pages.ts';
import { enrollmentClient, wrongCode } from '../helpers/enrollment.ts';
import { request } from '../helpers/http.ts';
import { expectAttribute, expectCount, expectText, expectVisible } from '../helpers/locator-expect.ts';
import { advanceSteps, alignToMidStep, enrolledUser, uniqueSub } from '../helpers/sign-in.ts';
import { signInForAssertion, withAssertion } from '../helpers/step-up.ts';
import { startTestServer, type TestServer } from '../helpers/test-server.ts';

// "Recent activity" on the demo profile page (issue 15) in headless Chromium: what the user does
// here or on another page shows up in the list without a reload.

const enabled = browserTestsEnabled('tests/e2e/demo-activity-browser.test.ts');

let server: TestServer;
let demo: DemoBrowser;
let companion: CompanionPage;
const screenshots = screenshotFolder();

beforeAll(async () => {
  if (!enabled) return;
  server = await startTestServer({ env: FAST_DELIVERY_ENV });
  demo = await DemoBrowser.launch(server);
  companion = await demo.companion();
});

afterAll(async () => {
  await demo?.close();
  await server?.close();
  screenshots.cleanup();
});

const entries = (profile: ProfilePage) => profile.page.locator('#activity-list li');

async function enrollTotp(profile: ProfilePage): Promise<void> {
  await profile.setUpTotp();
  await demo.syncPhoneClock();
  await companion.uploadQr(await profile.saveQrImage());
  await profile.expectState('SCANNED');
  await companion.confirmAdd();
  await profile.expectState('ENROLLED');
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

    alignToMidStep(server);
    advanceSteps(server);
    await demo.syncPhoneClock();
    const signIn = await demo.signInPage(sub);
    await signIn.getByLabel('Code from your authenticator app').fill(await companion.codeFor(sub, server.clock.now()));
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
    await companion.uploadQr(await profile.saveQrImage());
    await profile.expectState('SCANNED');
    await expectText(entries(profile).first().locator('.activity-what'), 'Authenticator app setup code scanned');
    await frozen.close();
  });

  it('lists every factor of a user with several methods, and each addition and failed sign-in in the activity', async () => {
    const user = await enrolledUser(server, { prefix: 'activity-many' });
    const stepUp = withAssertion(await signInForAssertion(server, user));
    await enrollDestination(server, 'sms', user.token, uniqueMobile(), stepUp);
    await enrollDestination(server, 'email', user.token, uniqueEmail('activity'), stepUp);
    const codes = await request(`${server.url}/verification-actions-srv/setup/backupcode/initiation`, { method: 'POST', token: user.token, body: {}, headers: stepUp });
    expect(codes.status).toBe(201);
    expect((await enrollmentClient(server).signIn(user.token, wrongCode(server, user.secret))).status).toBe(400);

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
    await screenshotParts(profile.page, [profile.page.locator('section[aria-labelledby="devices-title"]'), profile.page.locator('section[aria-labelledby="activity-title"]')], join(screenshots.dir, 'profile-activity.png'));
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
    expect(await accessibilityViolations(profile.page)).toEqual([]);
    await profile.page.setViewportSize(PHONE);
    expect(await scrollsSideways(profile.page)).toBe(false);
    await profile.close();
  });
});

import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { browserTestsEnabled } from '../helpers/browser.ts';
import { startDemo, type Demo } from '../helpers/demo.ts';
import { expectAccessible, expectFitsPhone } from '../helpers/demo-pages.ts';
import { codeNow, wrongCode } from '../helpers/enrollment.ts';
import { startJwksServer, type JwksServer } from '../helpers/jwks-server.ts';
import { expectAttribute, expectCount, expectFocused, expectText, expectVisible } from '../helpers/locator-expect.ts';
import { enrolledUser, sendWrongCodes, uniqueSub, type EnrolledUser } from '../helpers/sign-in.ts';
import { startTestServer, type TestServer } from '../helpers/test-server.ts';
import { switchOffEveryMethod } from '../helpers/method-list.ts';
import { request } from '../helpers/http.ts';
import { signInForAssertion, withAssertion } from '../helpers/step-up.ts';

// The demo sign-in page (/demo/login) in headless Chromium: the second step of a sign-in, with
// the answers the user sees (AUTHENTICATED, a wrong code, the wait after repeated mistakes, a
// lockout). Codes are computed by the test from the user's secret at the server's time.

const enabled = browserTestsEnabled('tests/e2e/demo-sign-in-browser.test.ts');

let demo: Demo;
let jwks: JwksServer;
let withJwks: TestServer;

beforeAll(async () => {
  if (!enabled) return;
  jwks = await startJwksServer();
  [demo, withJwks] = await Promise.all([startDemo(), startTestServer({ env: { JWT_JWKS_URL: jwks.url } })]);
});

afterAll(async () => {
  await Promise.all([demo?.close(), withJwks?.close()]);
  await jwks?.close();
});

const codeField = (page: Page) => page.getByLabel('Code from your authenticator app');
const message = (page: Page) => page.locator('#totp-sign-in-message');

async function submitCode(page: Page, code: string): Promise<void> {
  await codeField(page).fill(code);
  await page.getByRole('button', { name: 'Verify' }).click();
}

async function signedInUser(prefix: string): Promise<{ user: EnrolledUser; page: Page }> {
  const user = await enrolledUser(demo.server, prefix === 'alice' ? { sub: 'alice' } : { prefix });
  const page = await demo.signInPage(user.sub);
  await expectFocused(codeField(page));
  return { user, page };
}

describe.skipIf(!enabled)('sign-in page', () => {
  it('shows AUTHENTICATED for a right code', async () => {
    const { user, page } = await signedInUser('alice');
    await submitCode(page, codeNow(demo.server, user.secret));
    const result = page.getByRole('heading', { name: 'AUTHENTICATED' });
    await expectVisible(result);
    await expectFocused(result);
    await expectAccessible(page);
    await page.screenshot({ path: demo.screenshotPath('login.png'), fullPage: true });
    await page.close();
  });

  it('says a wrong code is wrong and lets the user try again', async () => {
    const { user, page } = await signedInUser('wrong');
    await submitCode(page, wrongCode(demo.server, user.secret));
    await expectText(message(page), 'Wrong code.');
    await expectAttribute(codeField(page), 'aria-invalid', 'true');
    await expectFocused(codeField(page));
    await submitCode(page, codeNow(demo.server, user.secret));
    await expectVisible(page.getByRole('heading', { name: 'AUTHENTICATED' }));
    await page.close();
  });

  it('after the free mistakes, says how long to wait and holds the button that long', async () => {
    const { user, page } = await signedInUser('throttled');
    for (let i = 0; i < 3; i++) {
      await submitCode(page, wrongCode(demo.server, user.secret));
      await expectText(message(page), 'Wrong code.');
    }
    await submitCode(page, wrongCode(demo.server, user.secret));
    await expectText(message(page), 'Wrong code. Try again in 2 s.');
    await expectAttribute(page.getByRole('button', { name: 'Verify' }), 'disabled', '');
    await page.close();
  });

  it('says sign-in is locked once the wrong codes reach the lockout', async () => {
    const { user, page } = await signedInUser('locked');
    await sendWrongCodes(demo.server, user, 10);
    await submitCode(page, codeNow(demo.server, user.secret));
    await expectText(message(page), 'Locked: too many wrong codes. Try again in 15 min.');
    await page.close();
  });

  it('passes axe (WCAG 2.2 AA) and fits a phone (375 px), signed out and asking for a code', async () => {
    const signedOut = await demo.desktop.newPage();
    await signedOut.goto(demo.url('/demo/login'));
    await expectFocused(signedOut.getByLabel('User name'));
    await expectAccessible(signedOut);
    await expectFitsPhone(signedOut);
    await signedOut.close();

    const { page } = await signedInUser('a11y');
    await expectAccessible(page);
    await expectFitsPhone(page);
    await page.close();
  });

  it('tells a user without a second factor to add one on the profile page first', async () => {
    const page = await demo.signInPage(uniqueSub('no-factor'));
    await expectText(page.locator('#no-factor'), 'You have no second factor yet, so none of these can succeed: add one on the profile page first.');
    await expectAttribute(page.getByRole('link', { name: 'add one on the profile page' }), 'href', '/demo/');
    await page.close();
  });

  it('lists the user’s own methods first', async () => {
    const user = await enrolledUser(demo.server, { prefix: 'own-first' });
    const codes = await request(`${demo.server.url}/verification-actions-srv/setup/backupcode/initiation`, {
      method: 'POST',
      token: user.token,
      body: {},
      headers: withAssertion(await signInForAssertion(demo.server, user)),
    });
    expect(codes.status).toBe(201);
    const page = await demo.signInPage(user.sub);
    await expectFocused(codeField(page));
    expect((await page.locator('label.choice').allInnerTexts()).slice(0, 3)).toEqual(['Authenticator app', 'Backup codes', 'Push approval']);
    await expectCount(page.locator('#no-factor'), 0);
    await page.close();
  });

  it('offers no method when the tenant switched every one off', async () => {
    const tenant = uniqueSub('off');
    await switchOffEveryMethod(demo.server, tenant);
    const page = await demo.signInPage('dave', tenant);
    await expectText(page.locator('#no-methods'), 'No sign-in method is switched on for your organisation.');
    await expectCount(codeField(page), 0);
    await page.close();
  });

  it('with JWT_JWKS_URL, asks for a token from the identity provider, and signs in with a pasted one', async () => {
    const page = await demo.desktop.newPage();
    await page.goto(`${withJwks.url}/demo/login`);
    await page.getByLabel('User name').fill('erin');
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    await expectText(
      page.getByRole('alert'),
      'This service verifies tokens from your identity provider (JWT_JWKS_URL), so it cannot sign you in itself: paste a token instead.',
    );
    const field = page.getByLabel('Bearer token from your identity provider');
    await expectFocused(field);
    await field.fill(await jwks.sign({ sub: 'erin' }));
    await page.getByRole('button', { name: 'Use this token' }).click();
    await expectText(page.locator('#signed-in-user'), 'erin');
    await expectVisible(codeField(page));
    await page.close();
  });
});

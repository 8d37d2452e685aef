import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { browserTestsEnabled } from '../helpers/browser.ts';
import { expectCount, expectFocused, expectHidden, expectText, expectTextContaining, expectVisible } from '../helpers/locator-expect.ts';
import { startDemo, type Demo } from '../helpers/demo.ts';
import { expectAccessible, PHONE, scrollsSideways } from '../helpers/demo-pages.ts';
import { codeNow, enrollmentClient } from '../helpers/enrollment.ts';
import { enrolledUser, uniqueSub } from '../helpers/sign-in.ts';
import { VERIFICATION_TYPES } from '../../shared/methods/registry.ts';
import { switchOffEveryMethod } from '../helpers/method-list.ts';

// The demo profile page and companion authenticator in headless Chromium, against the real
// service: a person at a desktop enrolls the phone (a second browser context) by saving the QR
// image and choosing it in the companion, and watches the profile page follow along.

const enabled = browserTestsEnabled('tests/e2e/demo-profile-browser.test.ts');
const EXCHANGE_LIFETIME_MS = 600_000;

let demo: Demo;
beforeAll(async () => {
  if (enabled) demo = await startDemo({ companion: true });
});
afterAll(() => demo?.close());

describe.skipIf(!enabled)('profile page and companion: enrolling TOTP by QR code', () => {
  it('follows the scan and the enrollment live over the WebSocket, without a reload', async () => {
    const profile = await demo.profile('alice');
    const polls = profile.recordStatusPolls();
    await profile.markDocument();
    await profile.setUpTotp();
    await profile.expectState('INITIATED');
    await expectTextContaining(profile.state, 'Waiting for scan');
    await expectText(profile.transport, 'Live updates over WebSocket.');
    await profile.page.screenshot({ path: demo.screenshotPath('profile.png'), fullPage: true });

    await demo.companion.uploadQr(await profile.saveQrImage());
    await profile.expectState('SCANNED');
    await expectTextContaining(profile.state, 'Scanned');
    await expectHidden(profile.qr);
    await expectVisible(demo.companion.page.getByText('Add default: alice to this authenticator?'));
    await demo.companion.confirmAdd();

    await profile.expectState('ENROLLED');
    await expectFocused(profile.state);
    await profile.expectSameDocument();
    expect(polls).toEqual([]);
    const deviceId = await demo.companion.deviceId();
    await expectCount(profile.devices, 1);
    await expectTextContaining(profile.devices.first(), `Authenticator app (${deviceId})`);
    await expectText(demo.companion.status, 'Added default: alice. The profile page shows it as enrolled.');
    await expectText(demo.companion.page.locator('li.account', { hasText: 'alice' }).locator('output.code'), /^\d{3} \d{3}$/);
    await demo.companion.page.screenshot({ path: demo.screenshotPath('authenticator.png'), fullPage: true });
    await profile.close();
  });

  it('falls back to polling every 4 s with If-None-Match when the WebSocket is blocked', async () => {
    const profile = await demo.profile(uniqueSub('polling'));
    await profile.page.routeWebSocket(/\/verification-srv\/ws(\?|$)/, (socket) => socket.close({ code: 1008, reason: 'blocked by the test' }));
    const polls = profile.recordStatusPolls();
    await profile.markDocument();
    await profile.setUpTotp();
    await expectText(profile.transport, 'WebSocket unavailable: checking every 4 s.');

    // Two polls while nothing changes: the second revalidates and gets a bodiless 304.
    await expect.poll(() => polls.length, { timeout: 15_000 }).toBeGreaterThanOrEqual(2);
    const second = polls[1]!;
    expect(second.headers()['if-none-match']).toMatch(/^"[^"]+"$/);
    expect((await second.response())?.status()).toBe(304);

    // Scanned and confirmed at once: the next poll may already find it enrolled.
    await demo.syncPhoneClock();
    await demo.companion.uploadQr(await profile.saveQrImage());
    await demo.companion.confirmAdd();
    await profile.expectState('ENROLLED');
    await profile.expectSameDocument();
    await expectCount(profile.devices, 1);
    await profile.close();
  });

  it('shows a new QR code on "New code", and the companion is refused the old one', async () => {
    const profile = await demo.profile(uniqueSub('rotation'));
    await profile.setUpTotp();
    const before = await profile.saveQrImage();
    const firstSrc = await profile.qr.getAttribute('src');
    await profile.page.getByRole('button', { name: 'New code' }).click();
    await expect.poll(() => profile.qr.getAttribute('src')).not.toBe(firstSrc!);
    await profile.expectState('INITIATED');

    await demo.companion.uploadQr(before);
    await expectText(demo.companion.status, 'This QR code was replaced by a newer one: scan the code the profile page shows now.');
    await expectFocused(demo.companion.status);
    await profile.expectState('INITIATED');

    await demo.scanAndEnroll(profile);
    await profile.close();
  });

  it('shows the expiry when the lifetime ends, and "New code" starts over', async () => {
    const profile = await demo.profile(uniqueSub('expiry'));
    await profile.setUpTotp();
    await profile.expectState('INITIATED');
    const firstSrc = await profile.qr.getAttribute('src');

    await demo.advanceClock(EXCHANGE_LIFETIME_MS + 1000);
    await profile.expectState('EXPIRED');
    await expectTextContaining(profile.state, 'Expired');
    await expectFocused(profile.state);
    await expectHidden(profile.qr);

    await profile.page.getByRole('button', { name: 'New code' }).click();
    await profile.expectState('INITIATED');
    await expectVisible(profile.qr);
    await expect.poll(() => profile.qr.getAttribute('src')).not.toBe(firstSrc!);
    await profile.page.getByRole('button', { name: 'Cancel' }).click();
    await profile.expectState('CANCELLED');
    await profile.close();
  });

  it('asks for a code of the first authenticator before adding a second, then keeps the assertion for removing one', async () => {
    const sub = 'bob';
    const profile = await demo.profile(sub);
    await profile.setUpTotp();
    await demo.scanAndEnroll(profile);
    await profile.page.getByRole('button', { name: 'Close' }).click();

    await demo.nextTotpStep();
    const initiations: { status: number; assertion: string | undefined }[] = [];
    profile.page.on('response', (res) => {
      if (res.url().endsWith('/setup/totp/initiation')) initiations.push({ status: res.status(), assertion: res.request().headers()['verification-assertion'] });
    });
    await profile.setUpTotp();
    await expectVisible(profile.stepUpDialog);
    await expectFocused(profile.stepUpDialog.getByLabel('Code from your authenticator app'));
    await profile.page.screenshot({ path: demo.screenshotPath('step-up.png') });
    await profile.stepUpWithCode(await demo.companion.codeFor(sub, demo.server.clock.now()));
    await expectHidden(profile.stepUpDialog);
    await profile.expectState('INITIATED');
    expect(initiations.map((i) => i.status)).toEqual([401, 201]);
    expect(initiations[1]!.assertion).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+$/);

    await demo.scanAndEnroll(profile);
    await expectCount(profile.devices, 2);

    // The assertion lives 5 minutes: removing a factor now needs no second prompt.
    await profile.devices.first().getByRole('button', { name: /^Remove / }).click();
    await profile.page.getByRole('button', { name: 'Yes, remove' }).click();
    await expectCount(profile.devices, 1);
    await expectHidden(profile.stepUpDialog);
    await expectFocused(profile.page.getByRole('heading', { name: 'Your authenticators' }));
    await profile.close();
  });

  it('closing the step-up prompt adds nothing and says why', async () => {
    const user = await enrolledUser(demo.server, { prefix: 'stepup-cancel' });
    const profile = await demo.profile(user.sub);
    await profile.setUpTotp();
    await expectVisible(profile.stepUpDialog);
    await profile.stepUpDialog.getByRole('button', { name: 'Cancel' }).click();
    await expectText(profile.page.getByRole('alert'), 'A code from one of your authenticators is needed for this change.');
    await expectCount(profile.qr, 0);
    await profile.close();
  });
});

describe.skipIf(!enabled)('companion: what it takes', () => {
  it('keeps a pasted standard link and shows its codes, enrolling nothing', async () => {
    await demo.syncPhoneClock();
    const requests: string[] = [];
    const record = (request: { url(): string }) => requests.push(request.url());
    demo.companion.page.on('request', record);
    await demo.companion.paste('otpauth://totp/Example:grace?secret=JBSWY3DPEHPK3PXP&issuer=Example&digits=6&period=30');
    demo.companion.page.off('request', record);
    await expectText(demo.companion.status, 'Added Example: grace. Type its current code into the profile page to finish.');
    const at = demo.server.clock.now();
    expect(await demo.companion.codeFor('grace', at)).toBe(codeNow(demo.server, 'JBSWY3DPEHPK3PXP'));
    expect(requests).toEqual([]);
  });

  it('refuses a QR code that names another service as burl, calling nothing', async () => {
    const requests: string[] = [];
    const record = (request: { url(): string }) => requests.push(request.url());
    demo.companion.page.on('request', record);
    const eid = '6f1c3a52-7b0e-4d2a-9c61-0a3f5d2e8b14';
    await demo.companion.paste(
      `otpauth://totp/Evil:eve?secret=JBSWY3DPEHPK3PXP&issuer=Evil&t=totp&cid=${eid}&burl=https%3A%2F%2Fevil.example&eid=${eid}`,
    );
    demo.companion.page.off('request', record);
    await expectText(
      demo.companion.status,
      `This QR code is for another service (https://evil.example); this demo authenticator enrolls only with ${demo.server.url}.`,
    );
    expect(requests).toEqual([]);
  });

  it('keeps its accounts and device id across visits, and a device key no script can export', async () => {
    const again = await demo.openCompanion();
    expect(await again.deviceId()).toBe(await demo.companion.deviceId());
    expect(await again.page.locator('li.account').count()).toBe(await demo.companion.page.locator('li.account').count());
    const key = (await again.page.evaluate(`(async () => {
      const { openVault } = await import('/demo/assets/vault.js');
      const vault = await openVault();
      const first = await vault.deviceKey();
      const second = await (await openVault()).deviceKey();
      const publicJwk = await crypto.subtle.exportKey('jwk', first.publicKey);
      const exported = await crypto.subtle.exportKey('jwk', first.privateKey).then(() => 'exported', (err) => err.name);
      const data = new TextEncoder().encode('challenge');
      const signature = await crypto.subtle.sign({ name: 'ECDSA', hash: 'SHA-256' }, second.privateKey, data);
      const verified = await crypto.subtle.verify({ name: 'ECDSA', hash: 'SHA-256' }, first.publicKey, signature, data);
      return { extractable: first.privateKey.extractable, exported, curve: publicJwk.crv, verified };
    })()`)) as Record<string, unknown>;
    expect(key).toEqual({ extractable: false, exported: 'InvalidAccessError', curve: 'P-256', verified: true });
    await again.close();
  });

  it('says what is wrong with an image without a QR code', async () => {
    await demo.companion.uploadQr(await demo.companion.page.screenshot({ clip: { x: 0, y: 0, width: 40, height: 40 } }));
    await expectText(demo.companion.status, 'No QR code found in that image.');
    await expectFocused(demo.companion.status);
  });
});

describe.skipIf(!enabled)('profile page: authenticators', () => {
  it('renames an authenticator', async () => {
    const user = await enrolledUser(demo.server, { prefix: 'rename' });
    const profile = await demo.profile(user.sub);
    await profile.devices.first().getByRole('button', { name: /^Rename / }).click();
    const name = profile.page.getByLabel(/^New name for /);
    await expectFocused(name);
    await name.fill('Work phone');
    await profile.page.getByRole('button', { name: 'Save' }).click();
    await expectText(profile.devices.first().locator('.device-name'), 'Work phone');
    await expectFocused(profile.page.getByRole('button', { name: 'Rename Work phone' }));
    const { body } = await enrollmentClient(demo.server).devices(user.token);
    expect(body).toMatchObject([{ ph_id: user.phId, friendly_name: 'Work phone' }]);
    await profile.close();
  });

  it('removes an authenticator after the step-up prompt', async () => {
    const user = await enrolledUser(demo.server, { prefix: 'remove' });
    const profile = await demo.profile(user.sub);
    await profile.devices.first().getByRole('button', { name: /^Remove / }).click();
    await profile.page.getByRole('button', { name: 'Yes, remove' }).click();
    await expectVisible(profile.stepUpDialog);
    await profile.stepUpWithCode(codeNow(demo.server, user.secret));
    await expectText(profile.page.locator('#no-devices'), 'No authenticator yet.');
    const { body } = await enrollmentClient(demo.server).devices(user.token);
    expect(body).toEqual([]);
    await profile.close();
  });
});

describe.skipIf(!enabled)('profile page: which methods it offers', () => {
  it('hides a method the tenant switched off', async () => {
    const tenant = uniqueSub('off').replace(/[^a-z0-9-]/g, '');
    await switchOffEveryMethod(demo.server, tenant);
    const profile = await demo.profile('carol', tenant);
    await expectVisible(profile.page.locator('#no-methods'));
    await expectCount(profile.methods, 0);
    await profile.close();
  });

  it('hides a method the config list does not return', async () => {
    await demo.desktop.route('**/verification-srv/config/list', async (route) => {
      const real = await route.fetch();
      const list = (await real.json()) as { verificationType: string; active: boolean }[];
      await route.fulfill({ response: real, json: list.filter((m) => !(VERIFICATION_TYPES as string[]).includes(m.verificationType)).concat({ verificationType: 'NOT_IMPLEMENTED_HERE', active: true }) });
    });
    try {
      const profile = await demo.profile(uniqueSub('unlisted'));
      await expectVisible(profile.page.locator('#no-methods'));
      await expectCount(profile.methods, 0);
      await profile.close();
    } finally {
      await demo.desktop.unrouteAll();
    }
  });
});

describe.skipIf(!enabled)('profile page and companion: for everyone, on any screen', () => {
  it('pass axe (WCAG 2.2 AA): enrolling, the step-up prompt, the companion', async () => {
    const newcomer = await demo.profile(uniqueSub('a11y'));
    await newcomer.setUpTotp();
    await newcomer.expectState('INITIATED');
    await newcomer.page.getByText('Can’t scan?').click();
    await expectAccessible(newcomer.page);
    await newcomer.close();

    const user = await enrolledUser(demo.server, { prefix: 'a11y' });
    const profile = await demo.profile(user.sub);
    await expectCount(profile.devices, 1);
    await expectAccessible(profile.page);
    await profile.setUpTotp();
    await expectVisible(profile.stepUpDialog);
    await expectAccessible(profile.page);
    await profile.close();

    await demo.companion.paste('otpauth://totp/Example:bob?secret=JBSWY3DPEHPK3PXP&issuer=Example');
    await expectAccessible(demo.companion.page);
  });

  it('fit a phone (375 px) without sideways scrolling', async () => {
    const profile = await demo.profile(uniqueSub('phone'));
    await profile.page.setViewportSize(PHONE);
    await profile.setUpTotp();
    await profile.expectState('INITIATED');
    await profile.page.getByText('Can’t scan?').click();
    expect(await scrollsSideways(profile.page)).toBe(false);
    await profile.close();
    expect(await scrollsSideways(demo.companion.page)).toBe(false);
  });
});

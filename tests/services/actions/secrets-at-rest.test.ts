import { Secret } from 'otpauth';
import { describe, expect, it } from 'vitest';
import { codeNow, wrongCode, type EnrollmentClient, type Offer, withEnrollmentServer } from '../../helpers/enrollment.ts';
import { advanceSteps, alignToMidStep, enrolledUser, uniqueSub } from '../../helpers/sign-in.ts';
import { expectProblem } from '../../helpers/problem.ts';
import { steppedUpToken, withAssertion } from '../../helpers/step-up.ts';
import type { TestServer } from '../../helpers/test-server.ts';

interface SecretColumns {
  secret_ciphertext: Buffer | null;
  secret_key_id: string | null;
}

let server: TestServer;
let api: EnrollmentClient;
withEnrollmentServer((s, a) => {
  server = s;
  api = a;
});

async function enrollmentRow(statusId: string): Promise<SecretColumns & { status: string }> {
  const { rows } = await server.deps.db.query<SecretColumns & { status: string }>(
    'SELECT status, secret_ciphertext, secret_key_id FROM exchanges WHERE status_id = $1',
    [statusId],
  );
  return rows[0]!;
}

async function authenticatorRow(phId: string): Promise<SecretColumns> {
  const { rows } = await server.deps.db.query<SecretColumns>('SELECT secret_ciphertext, secret_key_id FROM authenticators WHERE ph_id = $1', [phId]);
  return rows[0]!;
}

/** Asserts a stored ciphertext holds the secret in no readable form: not as base32 text, not as raw key bytes. */
function expectSealed(columns: SecretColumns, base32Secret: string): void {
  expect(columns.secret_key_id).toEqual(expect.any(String));
  const stored = columns.secret_ciphertext!;
  expect(Buffer.isBuffer(stored)).toBe(true);
  // 12-byte IV and 16-byte tag before the encrypted data.
  expect(stored.length).toBeGreaterThan(28);
  for (const plain of [base32Secret, base32Secret.toLowerCase()]) expect(stored.includes(Buffer.from(plain, 'utf8'))).toBe(false);
  expect(stored.includes(Buffer.from(Secret.fromBase32(base32Secret).bytes))).toBe(false);
}

/** Overwrites one authenticator's sealed secret with another's, as an attacker with database access might. */
async function copySealedSecret(fromPhId: string, toPhId: string): Promise<void> {
  await server.deps.db.query(
    `UPDATE authenticators SET (secret_ciphertext, secret_key_id) = (SELECT secret_ciphertext, secret_key_id FROM authenticators WHERE ph_id = $2)
     WHERE ph_id = $1`,
    [toPhId, fromPhId],
  );
}

async function initiate(prefix: string): Promise<{ token: string; offer: Offer }> {
  const token = await server.token({ sub: uniqueSub(prefix) });
  alignToMidStep(server);
  const { body: offer } = await api.initiate(token);
  return { token, offer };
}

describe('the database never holds a TOTP secret in the clear', () => {
  it('stores an initiated enrollment with a sealed secret and its key id', async () => {
    const { offer } = await initiate('initiated');
    expectSealed(await enrollmentRow(offer.status_id), offer.totp_secret);
  });

  it('stores an enrolled authenticator with a sealed secret and its key id', async () => {
    const user = await enrolledUser(server, { prefix: 'enrolled' });
    expectSealed(await authenticatorRow(user.phId), user.secret);
  });

  it("erases the enrollment's copy of the secret once it is ENROLLED", async () => {
    const user = await enrolledUser(server, { prefix: 'enrolled-erased' });
    expect(await enrollmentRow(user.offer.status_id)).toEqual({ status: 'ENROLLED', secret_ciphertext: null, secret_key_id: null });
  });

  it('erases the secret of a cancelled enrollment', async () => {
    const { token, offer } = await initiate('cancelled');
    expect((await api.cancel(token, offer.exchange_id.exchange_id)).status).toBe(200);
    expect(await enrollmentRow(offer.status_id)).toEqual({ status: 'CANCELLED', secret_ciphertext: null, secret_key_id: null });
  });

  it('erases the secret of an expired enrollment', async () => {
    const { offer } = await initiate('expired');
    server.clock.advance(600_000 + 1_000);
    expect((await api.status(offer.status_id)).body.status).toBe('EXPIRED');
    expect(await enrollmentRow(offer.status_id)).toEqual({ status: 'EXPIRED', secret_ciphertext: null, secret_key_id: null });
  });

  it('erases the secret of an enrollment that FAILED after too many wrong codes', async () => {
    const { token, offer } = await initiate('failed');
    for (let i = 0; i < 5; i++) await api.verify(token, offer.exchange_id.exchange_id, wrongCode(server, offer.totp_secret));
    expect(await enrollmentRow(offer.status_id)).toEqual({ status: 'FAILED', secret_ciphertext: null, secret_key_id: null });
  });

  it('replaces the sealed secret on rotation, and the new one is sealed too', async () => {
    const { token, offer } = await initiate('rotated');
    const before = (await enrollmentRow(offer.status_id)).secret_ciphertext!;
    const { body: rotated } = await api.rotate(token, offer.exchange_id.exchange_id);
    const after = await enrollmentRow(offer.status_id);
    expect(after.secret_ciphertext!.equals(before)).toBe(false);
    expectSealed(after, rotated.totp_secret);
  });
});

describe('logs', () => {
  /** Finds `value` as a whole token: a 6-digit code inside a random hex request id is not a leak. */
  const containsToken = (text: string, value: string) =>
    new RegExp(`(?<![0-9A-Za-z])${value.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}(?![0-9A-Za-z])`).test(text);

  it('contain no secret, code, token, assertion, exchange id or otpauth URI after a whole enrollment and sign-in flow', async () => {
    const sub = uniqueSub('logged');
    const token = await server.token({ sub });
    const passCodes: string[] = [];
    const firstLine = server.logs.length;

    alignToMidStep(server);
    const { body: first } = await api.initiate(token);
    const { body: offer } = await api.rotate(token, first.exchange_id.exchange_id);
    expect((await api.scan(offer, 'logged-phone')).status).toBe(200);
    const wrongEnroll = wrongCode(server, offer.totp_secret);
    passCodes.push(wrongEnroll);
    await api.enroll(offer, wrongEnroll, 'logged-phone');
    const enrollCode = codeNow(server, offer.totp_secret);
    passCodes.push(enrollCode);
    const enrolled = await api.enroll(offer, enrollCode, 'logged-phone');
    expect(enrolled.status).toBe(200);

    advanceSteps(server);
    const signInCode = codeNow(server, offer.totp_secret);
    passCodes.push(signInCode);
    const signedIn = await api.signIn(token, signInCode);
    expect(signedIn.status).toBe(200);
    const { assertion } = signedIn.body as { assertion: string };
    expectProblem(await api.signIn(token, signInCode), 400, 'VER_0041');
    const near = new Set([-1, 0, 1].map((k) => codeNow(server, offer.totp_secret, undefined, k)));
    for (const wrong of ['135790', '246813', '975312'].filter((c) => !near.has(c))) {
      passCodes.push(wrong);
      expectProblem(await api.signIn(token, wrong), 400, 'VER_0041');
    }
    const { ph_id: phId } = enrolled.body as { ph_id: string };
    expect((await api.removeDevice(token, phId, withAssertion(assertion))).status).toBe(204);

    const logs = server.logs.slice(firstLine).join('\n');
    // One access line per request at least, so the assertions below look at real output.
    expect(server.logs.length - firstLine).toBeGreaterThanOrEqual(10);
    for (const o of [first, offer]) {
      expect(logs).not.toContain(o.totp_secret);
      expect(logs).not.toContain(o.otpauth_uri);
      expect(logs).not.toContain(encodeURIComponent(o.otpauth_uri));
      expect(logs).not.toContain(o.exchange_id.exchange_id);
      expect(logs).not.toContain(o.qr_code!.slice(0, 200));
    }
    expect(logs).not.toContain(token);
    expect(logs).not.toContain(token.split('.')[2]!);
    expect(logs).not.toContain(assertion.split('.')[2]!);
    for (const code of passCodes) expect(containsToken(logs, code), `pass_code ${code} in the logs`).toBe(false);
  });
});

describe('a sealed secret is bound to its owner (AES-GCM associated data)', () => {
  it("makes a ciphertext copied into another user's authenticator fail with a bare 500 VER_0500, leaking nothing", async () => {
    const alice = await enrolledUser(server, { prefix: 'copy-target' });
    const mallory = await enrolledUser(server, { prefix: 'copy-source' });
    await copySealedSecret(mallory.phId, alice.phId);
    const firstLine = server.logs.length;

    const res = await api.signIn(alice.token, codeNow(server, mallory.secret));
    expectProblem(res, 500, 'VER_0500');
    // Bare: nothing about the cause reaches the client.
    expect(res.body).toMatchObject({ title: 'Internal server error', detail: 'Internal server error' });
    const logs = server.logs.slice(firstLine).join('\n');
    expect(logs).not.toContain(mallory.secret);
    expect(logs).not.toContain(alice.secret);
  });

  it('leaves the owner of the copied ciphertext able to sign in', async () => {
    const alice = await enrolledUser(server, { prefix: 'copy-target' });
    const mallory = await enrolledUser(server, { prefix: 'copy-source' });
    await copySealedSecret(mallory.phId, alice.phId);
    expect((await api.signIn(mallory.token, codeNow(server, mallory.secret))).status).toBe(200);
  });

  it("keeps a user's other authenticators working when one row cannot be decrypted, and logs which", async () => {
    const alice = await enrolledUser(server, { prefix: 'two-devices' });
    const mallory = await enrolledUser(server, { prefix: 'tamper-source' });
    alignToMidStep(server);
    const { body: second } = await api.initiate(await steppedUpToken(server, { sub: alice.sub }));
    expect((await api.verify(alice.token, second.exchange_id.exchange_id, codeNow(server, second.totp_secret))).status).toBe(200);
    advanceSteps(server);
    await copySealedSecret(mallory.phId, alice.phId);
    const firstLine = server.logs.length;
    expect((await api.signIn(alice.token, codeNow(server, second.totp_secret))).status).toBe(200);
    expect(server.logs.slice(firstLine).join('\n')).toContain(alice.phId);
  });
});

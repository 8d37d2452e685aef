import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createVerificationClient, type VerificationClient, type components } from '../../clients/verification-client.ts';
import { generateCode, parseOtpauthUri, type HashAlgorithm, type TotpParams } from '../../shared/otp/index.ts';
import { contractFetch } from '../helpers/http.ts';
import { expectProblem } from '../helpers/problem.ts';
import { startTestServer, type TestServer } from '../helpers/test-server.ts';

// The flows a profile UI and an authenticator app go through, spoken only through the client
// generated from openapi.yaml (and every response checked against it).

type Offer = components['schemas']['TotpEnrollmentOffer'];

/** The TOTP offer an initiation (or rotation) answered: other methods answer otherwise. */
function totpOffer(initiated: components['schemas']['InitiationResult'] | undefined): Offer {
  if (!initiated || !('otpauth_uri' in initiated)) throw new Error(`not a TOTP enrollment offer: ${JSON.stringify(initiated)}`);
  return initiated;
}

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server.close());

async function clientFor(sub: string): Promise<VerificationClient> {
  const token = await server.token({ sub, tenant: 'e2e' });
  return createVerificationClient({ baseUrl: server.url, token, fetch: contractFetch });
}

/** What an authenticator app reads from the QR code: the secret and the code parameters. */
function appFor(offer: components['schemas']['EnrollmentOffer']): { secret: string; params: TotpParams } {
  const { params } = parseOtpauthUri(totpOffer(offer).otpauth_uri);
  return {
    secret: params.secret!,
    params: { algorithm: params.algorithm as HashAlgorithm, digits: Number(params.digits), period: Number(params.period) },
  };
}

/** The code the app shows at the server's current time. */
function codeNow(offer: components['schemas']['EnrollmentOffer']): string {
  const { secret, params } = appFor(offer);
  return generateCode(secret, params, server.clock.now().getTime());
}

const method = { params: { path: { method: 'totp' } } } as const;

describe('profile UI: enrolling TOTP and signing in with it', () => {
  it('lists methods, enrolls with the first code, names the device and signs in with a later code', async () => {
    const api = await clientFor('poca');

    const methods = await api.GET('/verification-srv/config/list');
    expect(methods.response.status).toBe(200);
    const totp = methods.data!.find((m) => m.verificationType === 'TOTP');
    expect(totp).toEqual({ verificationType: 'TOTP', active: true });

    const initiated = await api.POST('/verification-actions-srv/setup/{method}/initiation', {
      ...method,
      body: { deviceInfo: { deviceId: '', location: { lat: '', lon: '' } } },
    });
    expect(initiated.response.status).toBe(201);
    const offer = totpOffer(initiated.data);
    expect(offer.sub).toBe('poca');
    expect(appFor(offer).secret).toBe(offer.totp_secret);
    expect(parseOtpauthUri(offer.otpauth_uri).params.eid).toBe(offer.exchange_id.exchange_id);

    const statusPath = { params: { path: { status_id: offer.status_id } } };
    const polled = await api.GET('/verification-srv/verificationstatus/{status_id}', statusPath);
    expect(polled.data).toMatchObject({ status: 'INITIATED', id: offer.status_id, sub: 'poca', type: 'TOTP' });
    const etag = polled.response.headers.get('etag')!;
    const unchanged = await api.GET('/verification-srv/verificationstatus/{status_id}', {
      params: { path: { status_id: offer.status_id }, header: { 'If-None-Match': etag } },
    });
    expect(unchanged.response.status).toBe(304);

    const completed = await api.POST('/verification-actions-srv/setup/{method}/verification', {
      ...method,
      body: { exchange_id: offer.exchange_id.exchange_id, pass_code: codeNow(offer) },
    });
    expect(completed.response.status).toBe(200);
    const phId = completed.data!.ph_id;
    expect(completed.data).toMatchObject({ status: 'ENROLLED', status_id: offer.status_id, sub: 'poca', verification_type: 'TOTP' });

    const enrolled = await api.GET('/verification-srv/verificationstatus/{status_id}', statusPath);
    expect(enrolled.data).toMatchObject({ status: 'ENROLLED', id: offer.status_id, ph_id: phId });

    const renamed = await api.PUT('/verification-actions-srv/setup/users/friendlyname/{method}', {
      ...method,
      body: { ph_id: phId, friendly_name: "Poca's phone" },
    });
    expect(renamed.data).toMatchObject({ ph_id: phId, friendly_name: "Poca's phone" });

    const devices = await api.GET('/verification-actions-srv/devices');
    expect(devices.data).toEqual([expect.objectContaining({ ph_id: phId, sub: 'poca', verification_type: 'TOTP', friendly_name: "Poca's phone" })]);

    // The enrollment code is used up; the next step's code signs in.
    server.clock.advance(appFor(offer).params.period * 1000);
    const signedIn = await api.POST('/verification-srv/authentication/{method}/verification', {
      ...method,
      body: { pass_code: codeNow(offer) },
    });
    expect(signedIn.response.status).toBe(200);
    expect(signedIn.data).toMatchObject({ status: 'AUTHENTICATED', sub: 'poca', verification_type: 'TOTP', ph_id: phId, assertion: expect.any(String) });
  });

  it('sees the typed problem when the first code is wrong, and can still enroll with the right one', async () => {
    const api = await clientFor('john');
    const offer = totpOffer((await api.POST('/verification-srv/v2/setup/initiate/{method}', method)).data);
    const right = codeNow(offer);
    const wrong = right === '000000' ? '111111' : '000000';

    const refused = await api.POST('/verification-actions-srv/setup/{method}/verification', {
      ...method,
      body: { exchange_id: offer.exchange_id.exchange_id, pass_code: wrong },
    });
    expectProblem({ status: refused.response.status, headers: refused.response.headers, body: refused.error }, 400, 'VER_0041');

    const completed = await api.POST('/verification-actions-srv/setup/{method}/verification', {
      ...method,
      body: { exchange_id: offer.exchange_id.exchange_id, pass_code: right },
    });
    expect(completed.data?.status).toBe('ENROLLED');
  });
});

describe('profile UI: adding and removing authenticators once the user has one (step-up)', () => {
  it('is refused without proof, then signs in with the first factor and sends its assertion to add a second and remove the first', async () => {
    const api = await clientFor('kocoum');
    const first = totpOffer((await api.POST('/verification-actions-srv/setup/{method}/initiation', method)).data);
    const firstDone = await api.POST('/verification-actions-srv/setup/{method}/verification', {
      ...method,
      body: { exchange_id: first.exchange_id.exchange_id, pass_code: codeNow(first) },
    });
    const firstPhId = firstDone.data!.ph_id;

    // The bearer token proves only the password: adding a factor now asks for the existing one.
    const refused = await api.POST('/verification-actions-srv/setup/{method}/initiation', method);
    expect(refused.response.status).toBe(401);
    expect(refused.error).toMatchObject({ code: 'VER_0014', status: 401 });
    expect(refused.response.headers.get('www-authenticate')).toMatch(/^Bearer error="insufficient_user_authentication", .*max_age=300/);

    // The UI asks the user for a code of the authenticator they have and signs in with it.
    server.clock.advance(appFor(first).params.period * 1000);
    const signedIn = await api.POST('/verification-srv/authentication/{method}/verification', { ...method, body: { pass_code: codeNow(first) } });
    expect(signedIn.data?.status).toBe('AUTHENTICATED');
    const stepUp = { 'Verification-Assertion': signedIn.data!.assertion };

    const second = totpOffer((await api.POST('/verification-actions-srv/setup/{method}/initiation', {
      params: { path: { method: 'totp' }, header: stepUp },
    })).data);
    const secondDone = await api.POST('/verification-actions-srv/setup/{method}/verification', {
      ...method,
      body: { exchange_id: second.exchange_id.exchange_id, pass_code: codeNow(second) },
    });
    expect(secondDone.data?.status).toBe('ENROLLED');

    const unproven = await api.DELETE('/verification-actions-srv/devices/{ph_id}', { params: { path: { ph_id: firstPhId } } });
    expect(unproven.error).toMatchObject({ code: 'VER_0014' });
    const removed = await api.DELETE('/verification-actions-srv/devices/{ph_id}', { params: { path: { ph_id: firstPhId }, header: stepUp } });
    expect(removed.response.status).toBe(204);
    const devices = await api.GET('/verification-actions-srv/devices');
    expect(devices.data?.map((d) => d.ph_id)).toEqual([secondDone.data!.ph_id]);
  });
});

describe('authenticator app: scanning and enrolling with its own client id', () => {
  it('scans (SCANNED), enrolls from the device (ENROLLED with the device id), then the user signs in', async () => {
    const user = await clientFor('meeko');
    const app = createVerificationClient({ baseUrl: server.url, fetch: contractFetch });
    const clientId = '532542d2-c6b8-4921-86b6-bb1da13f941b';

    const { data } = await user.POST('/verification-actions-srv/setup/{method}/initiation', { ...method, body: { client_id: clientId } });
    const offer = totpOffer(data);
    const { eid, cid } = parseOtpauthUri(offer.otpauth_uri).params;
    const device = { exchange_id: eid!, client_id: cid!, device_id: 'dd7e81392ff7bbd3' };

    const scanned = await app.POST('/verification-actions-srv/setup/{method}/scan', { ...method, body: device });
    expect(scanned.data).toMatchObject({ status: 'SCANNED', exchange_id: offer.exchange_id.exchange_id });
    const statusPath = { params: { path: { status_id: offer.status_id } } };
    expect((await user.GET('/verification-srv/verificationstatus/{status_id}', statusPath)).data?.status).toBe('SCANNED');

    const enrolled = await app.POST('/verification-srv/v2/setup/enroll/{method}', { ...method, body: { ...device, pass_code: codeNow(offer) } });
    expect(enrolled.data).toMatchObject({ status: 'ENROLLED', device_id: 'dd7e81392ff7bbd3' });
    const status = await user.GET('/verification-srv/verificationstatus/{status_id}', statusPath);
    expect(status.data).toMatchObject({ status: 'ENROLLED', ph_id: enrolled.data!.ph_id, device_id: 'dd7e81392ff7bbd3' });

    server.clock.advance(30_000);
    const signedIn = await user.POST('/verification-srv/authentication/{method}/verification', { ...method, body: { pass_code: codeNow(offer) } });
    expect(signedIn.data).toMatchObject({ status: 'AUTHENTICATED', ph_id: enrolled.data!.ph_id });
  });
});

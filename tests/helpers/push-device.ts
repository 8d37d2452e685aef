import { randomUUID } from 'node:crypto';
import { CompactSign, exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWK } from 'jose';
import { createVerificationClient, type components, type VerificationClient } from '../../clients/verification-client.ts';
import { contractFetch } from './http.ts';
import { TestSocket, wsUrl } from './ws-client.ts';

// A companion app's PUSH half, written on jose over WebCrypto as an app would be: it makes its
// own key pair (the private key never leaves it), reads the push_uri, scans, enrolls with a
// proof of possession, authenticates each request with a single-use device token, polls for
// challenges and answers them with a signed decision. It talks through the generated client
// (contract-checked), so the push flow drives the documented API.

type PendingChallenge = components['schemas']['PendingChallenge'];

export type DeviceAlgorithm = 'ES256' | 'EdDSA';

export interface AnswerOptions {
  decision: 'approve' | 'deny';
  /** What the user typed (number matching). */
  number?: string;
  reason?: string;
  /** Seconds the signed answer lives (default 60). */
  lifetimeS?: number;
  /** Signs as this device but claims another `kid` (a forgery attempt). */
  kid?: string;
}

/** The parameters a companion app reads from an `otpauth://push/…` URI. */
export function readPushUri(uri: string): Record<string, string> {
  const url = new URL(uri);
  if (url.protocol !== 'otpauth:' || url.host !== 'push') throw new Error(`not a push URI: ${uri}`);
  return Object.fromEntries(url.searchParams);
}

export class SimulatedPushDevice {
  readonly deviceId = `device-${randomUUID().slice(0, 8)}`;
  /** Set once enrolled: the `kid` of every token and answer. */
  phId: string | undefined;
  /** The push token the app registers with (the gateway wakes it by this); none unless set before enrolling. */
  pushId: string | undefined;
  readonly #app: VerificationClient;

  private constructor(
    readonly baseUrl: string,
    readonly algorithm: DeviceAlgorithm,
    private readonly privateKey: CryptoKey,
    readonly publicJwk: JWK,
    /** The service's clock (tests move it), for `iat` and `exp`. */
    private readonly now: () => Date,
  ) {
    this.#app = createVerificationClient({ baseUrl, fetch: contractFetch });
  }

  /** A fresh device with a new, non-extractable key pair. */
  static async create(baseUrl: string, now: () => Date, algorithm: DeviceAlgorithm = 'ES256'): Promise<SimulatedPushDevice> {
    const { privateKey, publicKey } = await generateKeyPair(algorithm, algorithm === 'EdDSA' ? { crv: 'Ed25519' } : {});
    return new SimulatedPushDevice(baseUrl, algorithm, privateKey, await exportJWK(publicKey), now);
  }

  /** The same device talking to another instance (same key, same enrollment). */
  on(baseUrl: string): SimulatedPushDevice {
    const twin = new SimulatedPushDevice(baseUrl, this.algorithm, this.privateKey, this.publicJwk, this.now);
    twin.phId = this.phId;
    return twin;
  }

  /** A compact JWS by this device's key over `payload`. */
  sign(payload: Record<string, unknown>, header: Record<string, unknown> = {}): Promise<string> {
    return new CompactSign(new TextEncoder().encode(JSON.stringify(payload))).setProtectedHeader({ alg: this.algorithm, ...header }).sign(this.privateKey);
  }

  /** Scans the code (SCANNED), then enrolls the key with its proof of possession (ENROLLED). */
  async enroll(pushUri: string) {
    const { eid, cid } = readPushUri(pushUri);
    const scanned = await this.#app.POST('/verification-actions-srv/setup/{method}/scan', {
      params: { path: { method: 'push' } },
      body: { exchange_id: eid!, client_id: cid!, device_id: this.deviceId, ...(this.pushId ? { push_id: this.pushId } : {}) },
    });
    if (scanned.response.status !== 200) throw new Error(`scan failed: ${scanned.response.status} ${JSON.stringify(scanned.error)}`);
    const enrolled = await this.#app.POST('/verification-srv/v2/setup/enroll/{method}', {
      params: { path: { method: 'push' } },
      body: {
        exchange_id: eid!,
        client_id: cid!,
        device_id: this.deviceId,
        ...(this.pushId ? { push_id: this.pushId } : {}),
        public_key: this.publicJwk as components['schemas']['PublicJwk'],
        proof: await this.sign({ exchange_id: eid }),
      },
    });
    if (enrolled.data) this.phId = enrolled.data.ph_id;
    return enrolled;
  }

  /** A single-use device token (`Authorization: Device <jws>`). */
  async token(claims: { aud?: string; lifetimeS?: number; jti?: string } = {}): Promise<string> {
    const iat = Math.floor(this.now().getTime() / 1000);
    return new SignJWT({})
      .setProtectedHeader({ alg: this.algorithm, kid: this.requirePhId() })
      .setAudience(claims.aud ?? 'verification-device')
      .setIssuedAt(iat)
      .setExpirationTime(iat + (claims.lifetimeS ?? 60))
      .setJti(claims.jti ?? randomUUID())
      .sign(this.privateKey);
  }

  /** The pending challenges (`?wait=N` long-polls), with a fresh device token unless one is given. */
  async pending(wait?: number, authorization?: string) {
    return this.#app.GET('/verification-srv/v2/devices/challenges', {
      params: { query: wait === undefined ? {} : { wait } },
      headers: { authorization: authorization ?? `Device ${await this.token()}` },
    });
  }

  /** Polls until a challenge arrives, and returns it. */
  async nextChallenge(wait = 10): Promise<PendingChallenge> {
    for (;;) {
      const res = await this.pending(wait);
      if (res.response.status !== 200) throw new Error(`poll failed: ${res.response.status} ${JSON.stringify(res.error)}`);
      const first = res.data!.challenges[0];
      if (first) return first;
    }
  }

  /**
   * Listens over the status WebSocket (`subscribe_device`): the socket's messages are
   * `push_challenges` lists and the status of each listed challenge.
   */
  async listen(): Promise<TestSocket> {
    const socket = await TestSocket.open(wsUrl(this.baseUrl));
    socket.send({ type: 'subscribe_device', token: await this.token() });
    return socket;
  }

  /** The signed answer to a challenge, as the device would POST it. */
  async signAnswer(exchangeId: string, options: AnswerOptions): Promise<string> {
    const iat = Math.floor(this.now().getTime() / 1000);
    const payload = {
      exchange_id: exchangeId,
      decision: options.decision,
      ...(options.number === undefined ? {} : { number: options.number }),
      ...(options.reason === undefined ? {} : { reason: options.reason }),
      iat,
      exp: iat + (options.lifetimeS ?? 60),
    };
    return this.sign(payload, { kid: options.kid ?? this.requirePhId() });
  }

  /** Answers a challenge. */
  async answer(exchangeId: string, options: AnswerOptions) {
    return this.postAnswer(await this.signAnswer(exchangeId, options));
  }

  /** POSTs a signed answer as it is (replays included). */
  postAnswer(response: string) {
    return this.#app.POST('/verification-srv/v2/authenticate/push/response', { body: { response } });
  }

  private requirePhId(): string {
    if (!this.phId) throw new Error('the device is not enrolled');
    return this.phId;
  }
}

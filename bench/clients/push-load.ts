// Load client for the push-round-trip scenario, run as its own process so the sign-in pages'
// and devices' work (jose signing, HTTP clients, WebSockets) does not compete with the server
// for its one thread. Protocol, one JSON line each way:
// - stdin: {base, tokens, rounds, socketDevices}; the client enrolls one ES256 device per token
//   (app path: initiate, scan, enroll), starts the devices, then prints {"ready":true};
// - stdin: "go": every token signs in `rounds` times, all at once; the client prints one line
//   {"done":…} with the timelines and request counts, and exits.
import { randomUUID } from 'node:crypto';
import { createInterface } from 'node:readline';
import { CompactSign, exportJWK, generateKeyPair, SignJWT, type CryptoKey } from 'jose';
import WebSocket from 'ws';

export interface PushLoadInput {
  base: string;
  tokens: string[];
  rounds: number;
  /** The device listens over the status WebSocket rather than long-polling. */
  socketDevices: boolean;
}

/** When each phase of a challenge ended (performance.now() of the client), by exchange id. */
export interface Timeline {
  started: number;
  initiated?: number;
  seen?: number;
  answered?: number;
  done?: number;
}

/** HTTP requests the clients sent, per kind. */
export interface RequestCounts {
  initiate: number;
  devicePoll: number;
  answer: number;
  statusPoll: number;
  collect: number;
}

export interface PushLoadResult {
  done: Timeline[];
  /** Round trips that failed (the page's side). */
  errors: number;
  /** Device requests that failed and were retried (a failed answer delays its round trip). */
  deviceErrors: number;
  /** The first few errors' messages, to tell a broken run from a slow one. */
  errorSamples: string[];
  seconds: number;
  requests: RequestCounts;
}

interface Device {
  phId: string;
  key: CryptoKey;
}

const requests: RequestCounts = { initiate: 0, devicePoll: 0, answer: 0, statusPoll: 0, collect: 0 };
const errorSamples: string[] = [];
let deviceErrors = 0;

async function json(res: Response): Promise<Record<string, unknown>> {
  const body = (await res.json()) as Record<string, unknown>;
  if (!res.ok) throw new Error(`${res.status} ${JSON.stringify(body)}`);
  return body;
}

async function post(url: string, body: unknown, token?: string): Promise<Record<string, unknown>> {
  return json(await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) }, body: JSON.stringify(body) }));
}

/** Enrolls a fresh ES256 device for the user through the app path (initiate, scan, enroll). */
async function enrollDevice(base: string, token: string): Promise<Device> {
  const { privateKey, publicKey } = await generateKeyPair('ES256');
  const offer = await post(`${base}/verification-actions-srv/setup/push/initiation?qr=none`, {}, token);
  const uri = new URL(String(offer.push_uri));
  const eid = uri.searchParams.get('eid')!;
  const cid = uri.searchParams.get('cid')!;
  const device = { exchange_id: eid, client_id: cid, device_id: `bench-${randomUUID().slice(0, 8)}` };
  await post(`${base}/verification-actions-srv/setup/push/scan`, device);
  const proof = await new CompactSign(new TextEncoder().encode(JSON.stringify({ exchange_id: eid }))).setProtectedHeader({ alg: 'ES256' }).sign(privateKey);
  const enrolled = await post(`${base}/verification-srv/v2/setup/enroll/push`, { ...device, public_key: await exportJWK(publicKey), proof });
  return { phId: String(enrolled.ph_id), key: privateKey };
}

const deviceToken = (d: Device) =>
  new SignJWT({}).setProtectedHeader({ alg: 'ES256', kid: d.phId }).setAudience('verification-device').setIssuedAt().setExpirationTime('60s').setJti(randomUUID()).sign(d.key);

/**
 * What the sign-in page shows the user: the number of each challenge. The device waits for it
 * (the user reads it off the screen) instead of polling again for a challenge it cannot answer yet.
 */
class Screen {
  readonly #numbers = new Map<string, string>();
  readonly #waiting = new Map<string, (number: string) => void>();

  show(exchangeId: string, number: string): void {
    this.#numbers.set(exchangeId, number);
    this.#waiting.get(exchangeId)?.(number);
  }

  read(exchangeId: string): Promise<string> {
    const shown = this.#numbers.get(exchangeId);
    return shown === undefined ? new Promise((resolve) => this.#waiting.set(exchangeId, resolve)) : Promise.resolve(shown);
  }
}

/** The device approves one challenge, with the number once the page shows it. */
async function answer(base: string, device: Device, screen: Screen, timelines: Map<string, Timeline>, exchangeId: string): Promise<void> {
  const seen = performance.now();
  const number = await screen.read(exchangeId);
  const timeline = timelines.get(exchangeId);
  if (timeline) timeline.seen = Math.max(seen, timeline.initiated ?? seen);
  const iat = Math.floor(Date.now() / 1000);
  const payload = { exchange_id: exchangeId, decision: 'approve', number, iat, exp: iat + 60 };
  const response = await new CompactSign(new TextEncoder().encode(JSON.stringify(payload))).setProtectedHeader({ alg: 'ES256', kid: device.phId }).sign(device.key);
  requests.answer++;
  await post(`${base}/verification-srv/v2/authenticate/push/response`, { response });
  if (timeline) timeline.answered = performance.now();
}

/**
 * The device as the companion app runs it (services/demo/public/methods/push.js): long-polls its
 * pending challenges with a new token each time and approves each with the number the user reads
 * off the sign-in page, until `stop`.
 */
async function runDevice(base: string, device: Device, screen: Screen, timelines: Map<string, Timeline>, stop: { done: boolean }): Promise<void> {
  const answered = new Set<string>();
  while (!stop.done) {
    try {
      requests.devicePoll++;
      const res = await fetch(`${base}/verification-srv/v2/devices/challenges?wait=5`, { headers: { authorization: `Device ${await deviceToken(device)}` } });
      const { challenges } = (await json(res)) as { challenges: { exchange_id: string }[] };
      for (const { exchange_id: exchangeId } of challenges) {
        if (answered.has(exchangeId)) continue;
        answered.add(exchangeId);
        // A failed answer (e.g. a 503 when the pool is starved) is retried at the next poll, as the app would.
        await answer(base, device, screen, timelines, exchangeId).catch((err: unknown) => {
          answered.delete(exchangeId);
          throw err;
        });
      }
    } catch (err) {
      deviceFailure(err);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}

/** A device request that failed: counted and sampled, not fatal (the device carries on). */
function deviceFailure(err: unknown): void {
  deviceErrors++;
  if (errorSamples.length < 3) errorSamples.push(`device: ${String(err)}`);
}

/**
 * The device over the status WebSocket instead (`subscribe_device`): one token for the whole
 * connection, so no device-token commit between an answer and hearing the next challenge; the
 * feed pushes each new list as its NOTIFY arrives.
 */
async function runSocketDevice(base: string, device: Device, screen: Screen, timelines: Map<string, Timeline>): Promise<void> {
  const socket = new WebSocket(`${base.replace(/^http/, 'ws')}/verification-srv/ws`);
  await new Promise<void>((resolve, reject) => {
    socket.once('open', () => resolve());
    socket.once('error', reject);
  });
  const answered = new Set<string>();
  let subscribed: () => void = () => undefined;
  const firstList = new Promise<void>((resolve) => (subscribed = resolve));
  socket.on('message', (data: Buffer) => {
    subscribed();
    const message = JSON.parse(data.toString()) as { type: string; challenges?: { exchange_id: string }[] };
    if (message.type === 'error') throw new Error(data.toString());
    for (const { exchange_id: exchangeId } of message.challenges ?? []) {
      if (answered.has(exchangeId)) continue;
      answered.add(exchangeId);
      void answer(base, device, screen, timelines, exchangeId).catch(deviceFailure);
    }
  });
  socket.send(JSON.stringify({ type: 'subscribe_device', token: await deviceToken(device) }));
  // Subscribed once the first list (empty) arrives.
  await firstList;
}

/** The sign-in page: starts a challenge, shows its number, long-polls its status until it is decided. */
async function signInRound(base: string, token: string, screen: Screen, timelines: Map<string, Timeline>): Promise<Timeline> {
  const timeline: Timeline = { started: performance.now() };
  requests.initiate++;
  const offer = await post(`${base}/verification-srv/authentication/push/initiation`, { message: 'Sign in (bench)' }, token);
  timeline.initiated = performance.now();
  const exchangeId = (offer.exchange_id as { exchange_id: string }).exchange_id;
  timelines.set(exchangeId, timeline);
  screen.show(exchangeId, String(offer.number));
  let etag = '';
  for (;;) {
    requests.statusPoll++;
    const res = await fetch(`${base}/verification-srv/verificationstatus/${String(offer.status_id)}?wait=30`, { headers: etag ? { 'if-none-match': etag } : {} });
    if (res.status === 304) continue;
    etag = res.headers.get('etag') ?? '';
    const status = (await json(res)).status;
    if (status === 'AUTHENTICATED') break;
    if (status !== 'INITIATED') throw new Error(`challenge ended ${String(status)}`);
  }
  timeline.done = performance.now();
  // Collected outside the timing (the round trip ends when the page sees the decision).
  requests.collect++;
  await post(`${base}/verification-srv/authentication/push/verification`, { exchange_id: exchangeId }, token);
  return timeline;
}

const lines = createInterface({ input: process.stdin })[Symbol.asyncIterator]();
const input = JSON.parse(String((await lines.next()).value)) as PushLoadInput;
const { base, tokens, rounds } = input;
const devices: Device[] = [];
for (let i = 0; i < tokens.length; i += 20) devices.push(...(await Promise.all(tokens.slice(i, i + 20).map((t) => enrollDevice(base, t)))));

const screen = new Screen();
const timelines = new Map<string, Timeline>();
const stop = { done: false };
if (input.socketDevices) await Promise.all(devices.map((d) => runSocketDevice(base, d, screen, timelines)));
else for (const d of devices) void runDevice(base, d, screen, timelines, stop);
console.log(JSON.stringify({ ready: true }));
await lines.next();

Object.assign(requests, { initiate: 0, devicePoll: 0, answer: 0, statusPoll: 0, collect: 0 });
const done: Timeline[] = [];
let errors = 0;
deviceErrors = 0;
const started = performance.now();
await Promise.all(
  tokens.map(async (token) => {
    for (let round = 0; round < rounds; round++) {
      try {
        done.push(await signInRound(base, token, screen, timelines));
      } catch (err) {
        errors++;
        if (errorSamples.length < 3) errorSamples.push(String(err));
      }
    }
  }),
);
const result: PushLoadResult = { done, errors, deviceErrors, errorSamples, seconds: (performance.now() - started) / 1000, requests: { ...requests } };
stop.done = true;
console.log(JSON.stringify(result));
// The devices' held polls and sockets end with the process; the server releases its side.
process.exit(0);

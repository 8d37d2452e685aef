import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resealAll } from '../../../shared/key-rotation/reseal.ts';
import { replaceSealedSecret } from '../../../shared/key-rotation/sealed-secret-repository.ts';
import { sealSecret } from '../../../shared/otp/index.ts';
import { codeNow, enrollmentClient, type Offer } from '../../helpers/enrollment.ts';
import { request } from '../../helpers/http.ts';
import { childEnv, runNpmScript } from '../../helpers/processes.ts';
import { createScratchDatabase, type ScratchDatabase } from '../../helpers/scratch-database.ts';
import { advanceSteps, alignToMidStep, enrolledUser, type EnrolledUser } from '../../helpers/sign-in.ts';
import { startTestServer, type TestServer } from '../../helpers/test-server.ts';

// One database lives through a SECRET_KEY rotation: enrolled under k1, then served with k2
// active and k1 kept as a previous key, resealed by the operator's command, and finally served
// with k2 alone. The tests run in order; each starts where the previous one left the data.

const K1 = '11'.repeat(32);
const K2 = '22'.repeat(32);
const BEFORE = { SECRET_KEY: K1, SECRET_KEY_ID: 'k1' };
const DURING = { SECRET_KEY: K2, SECRET_KEY_ID: 'k2', PREVIOUS_SECRET_KEYS: `k1:${K1}` };
const AFTER = { SECRET_KEY: K2, SECRET_KEY_ID: 'k2' };

let database: ScratchDatabase;
let server: TestServer | undefined;
/** The clock carries over from one configuration to the next, so used TOTP steps stay used. */
let lastNow = new Date();

// Signs in through the first configuration, with the second and after the reseal.
let alice: EnrolledUser;
// Never signs in before the reseal: only the command moves her authenticator.
let bob: EnrolledUser;
// Started an enrollment before the rotation and finishes it after the old key is gone.
let carol: { token: string; offer: Offer };
// Started an enrollment before the rotation and finishes it while both keys are configured.
let dave: { token: string; offer: Offer };

async function serve(env: Record<string, string>): Promise<TestServer> {
  if (server) {
    lastNow = server.clock.now();
    await server.close();
  }
  server = await startTestServer({ databaseUrl: database.url, env });
  server.clock.set(lastNow);
  advanceSteps(server);
  alignToMidStep(server);
  return server;
}

async function keyIds(table: 'authenticators' | 'exchanges', idColumn: string, ids: string[]): Promise<string[]> {
  const { rows } = await server!.deps.db.query<{ key: string | null }>(
    `SELECT secret_key_id AS key FROM ${table} WHERE ${idColumn} = ANY($1::uuid[]) ORDER BY array_position($1::uuid[], ${idColumn})`,
    [ids],
  );
  return rows.map((r) => r.key ?? 'none');
}

async function initiate(s: TestServer, sub: string) {
  const token = await s.token({ sub });
  const { body: offer } = await enrollmentClient(s).initiate(token);
  return { token, offer };
}

beforeAll(async () => {
  database = await createScratchDatabase();
});
afterAll(async () => {
  await server?.close();
  await database?.drop();
});

describe('rotating SECRET_KEY', () => {
  it('seals everything under k1 before the rotation', async () => {
    const s = await serve(BEFORE);
    alice = await enrolledUser(s, { prefix: 'rot-alice' });
    bob = await enrolledUser(s, { prefix: 'rot-bob' });
    carol = await initiate(s, 'rot-carol');
    dave = await initiate(s, 'rot-dave');
    expect(await keyIds('authenticators', 'ph_id', [alice.phId, bob.phId])).toEqual(['k1', 'k1']);
    expect(await keyIds('exchanges', 'status_id', [carol.offer.status_id, dave.offer.status_id])).toEqual(['k1', 'k1']);
  });

  it('re-seals an authenticator under k2 when it signs in with k2 active and k1 kept as a previous key', async () => {
    const s = await serve(DURING);
    const res = await enrollmentClient(s).signIn(alice.token, codeNow(s, alice.secret));
    expect(res.status).toBe(200);
    expect(await keyIds('authenticators', 'ph_id', [alice.phId, bob.phId])).toEqual(['k2', 'k1']);
  });

  it('seals the authenticator of an enrollment started under k1 and completed now with k2', async () => {
    const s = server!;
    const done = await enrollmentClient(s).verify(dave.token, dave.offer.exchange_id.exchange_id, codeNow(s, dave.offer.totp_secret));
    expect(done.status).toBe(200);
    expect(await keyIds('authenticators', 'ph_id', [(done.body as { ph_id: string }).ph_id])).toEqual(['k2']);
  });

  it('npm run reseal moves every other authenticator and live enrollment to k2 and prints the counts', async () => {
    const result = await runNpmScript('reseal', ['--batch-size', '1'], childEnv({ DATABASE_URL: database.url, LOG_LEVEL: 'warn', ...DURING }), 60_000);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('active key: k2');
    expect(result.stdout).toContain('authenticators: 1 resealed, 0 changed meanwhile, 0 unreadable; still under old keys: none');
    expect(result.stdout).toContain('exchanges: 1 resealed, 0 changed meanwhile, 0 unreadable; still under old keys: none');
    expect(result.stdout).toContain('no secret needs an old key any more');
    expect(await keyIds('authenticators', 'ph_id', [alice.phId, bob.phId])).toEqual(['k2', 'k2']);
    expect(await keyIds('exchanges', 'status_id', [carol.offer.status_id])).toEqual(['k2']);
  });

  it('npm run reseal reports backup-code sets made under an old key, which keep that key needed', async () => {
    const s = server!;
    const token = await s.token({ sub: 'rot-erin' });
    const made = await request<{ ph_id: string }>(`${s.url}/verification-actions-srv/setup/backupcode/initiation`, { method: 'POST', token, body: {} });
    expect(made.status).toBe(201);
    // As if generated before the rotation: HMACs under k1.
    await s.deps.db.query(`UPDATE authenticators SET data = jsonb_set(data, '{key_id}', '"k1"') WHERE ph_id = $1`, [made.body.ph_id]);
    const result = await runNpmScript('reseal', [], childEnv({ DATABASE_URL: database.url, LOG_LEVEL: 'warn', ...DURING }), 60_000);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('backup-code sets under old keys (HMACs cannot be resealed; their users must generate new sets): 1 under k1');
    expect(result.stdout).toContain('old keys are still needed: keep them in PREVIOUS_SECRET_KEYS');
    await s.deps.db.query('DELETE FROM authenticators WHERE ph_id = $1', [made.body.ph_id]);
  });

  it('finds nothing left to do when run again', async () => {
    const report = await resealAll(server!.deps.db, server!.deps.config.secretKeyring, { batchSize: 1 });
    expect(report.authenticators).toEqual({ resealed: 0, changedMeanwhile: 0, unreadable: 0, remaining: {} });
    expect(report.exchanges).toEqual({ resealed: 0, changedMeanwhile: 0, unreadable: 0, remaining: {} });
  });

  it('leaves a secret alone that changed between read and write (a sign-in or rotation won the race)', async () => {
    const { db, config } = server!.deps;
    const { rows } = await db.query<{ secret_ciphertext: Buffer; secret_key_id: string }>(
      'SELECT secret_ciphertext, secret_key_id FROM authenticators WHERE ph_id = $1',
      [bob.phId],
    );
    const current = { ciphertext: rows[0]!.secret_ciphertext, keyId: rows[0]!.secret_key_id };
    const stale = { ciphertext: Buffer.from(current.ciphertext).fill(0, 0, 12), keyId: current.keyId };
    const other = sealSecret(config.secretKeyring, 'JBSWY3DPEHPK3PXP', 'nobody');
    expect(await replaceSealedSecret(db, 'authenticators', bob.phId, stale, other)).toBe(false);
    const after = await db.query<{ secret_ciphertext: Buffer }>('SELECT secret_ciphertext FROM authenticators WHERE ph_id = $1', [bob.phId]);
    expect(after.rows[0]!.secret_ciphertext.equals(current.ciphertext)).toBe(true);
  });

  it('keeps everyone working once k1 is removed: sign-ins and an enrollment started before the rotation', async () => {
    const s = await serve(AFTER);
    expect(s.deps.config.secretKeyring.keys.has('k1')).toBe(false);
    const api = enrollmentClient(s);
    expect((await api.signIn(alice.token, codeNow(s, alice.secret))).status).toBe(200);
    expect((await api.signIn(bob.token, codeNow(s, bob.secret))).status).toBe(200);
    const done = await api.verify(carol.token, carol.offer.exchange_id.exchange_id, codeNow(s, carol.offer.totp_secret));
    expect(done.status).toBe(200);
  });

  it('reports a secret it cannot open as unreadable, by id, and still reseals the others', async () => {
    const s = server!;
    const lost = await enrolledUser(s, { prefix: 'rot-lost' });
    const kept = await enrolledUser(s, { prefix: 'rot-kept' });
    await s.deps.db.query("UPDATE authenticators SET secret_key_id = 'k0' WHERE ph_id = $1", [lost.phId]);
    await s.deps.db.query("UPDATE authenticators SET secret_key_id = 'k0' WHERE ph_id = $1", [kept.phId]);
    const keyring = { activeKeyId: 'k2', keys: new Map([...s.deps.config.secretKeyring.keys, ['k0', Buffer.from(K2, 'hex')]]) };
    // k0 holds the bytes of k2, so `kept` opens under it; `lost` is damaged as well.
    await s.deps.db.query("UPDATE authenticators SET secret_ciphertext = decode(repeat('00', 60), 'hex') WHERE ph_id = $1", [lost.phId]);
    const report = await resealAll(s.deps.db, keyring, { batchSize: 1 });
    expect(report.authenticators).toEqual({ resealed: 1, changedMeanwhile: 0, unreadable: 1, remaining: { k0: 1 } });
    expect(report.unreadableIds).toEqual([lost.phId]);
    expect(await keyIds('authenticators', 'ph_id', [lost.phId, kept.phId])).toEqual(['k0', 'k2']);
  });
});

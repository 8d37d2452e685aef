import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyAuthentication } from '../../../shared/webauthn/authentication.ts';
import { challengeMatches, type ExpectedChallenge } from '../../../shared/webauthn/challenge.ts';
import { verifyRegistration } from '../../../shared/webauthn/registration.ts';
import { createScratchDatabase, type ScratchDatabase } from '../../helpers/scratch-database.ts';
import { loadFixtures, memoryChallenge } from '../../helpers/webauthn.ts';

// The single-use challenge as a method module will back it: one conditional UPDATE of the row
// that holds the exchange's challenge, raced on real PostgreSQL connections.

const fixture = loadFixtures().get('fido2-es256-security-key')!;

let scratch: ScratchDatabase;
let pool: pg.Pool;
let nextId = 1;

beforeAll(async () => {
  scratch = await createScratchDatabase();
  pool = new pg.Pool({ connectionString: scratch.url, max: 4 });
  await pool.query('CREATE TABLE exchange_challenges (id int PRIMARY KEY, challenge text NOT NULL, used_at timestamptz)');
});

afterAll(async () => {
  await pool?.end();
  await scratch?.drop();
});

/** An exchange row holding `value`, and the challenge as verification sees it. */
async function storedChallenge(value: string): Promise<ExpectedChallenge & { id: number }> {
  const id = nextId++;
  await pool.query('INSERT INTO exchange_challenges (id, challenge) VALUES ($1, $2)', [id, value]);
  return {
    id,
    value,
    consume: async () => (await pool.query('UPDATE exchange_challenges SET used_at = now() WHERE id = $1 AND used_at IS NULL', [id])).rowCount === 1,
  };
}

describe('a challenge spent with one conditional UPDATE', () => {
  it('lets exactly one of two copies of a registration through when they arrive together', async () => {
    const challenge = await storedChallenge(fixture.registration.options.challenge);
    const attempt = () =>
      verifyRegistration({ method: 'FIDO2', rp: fixture.rp, response: fixture.registration.response, challenge, existingCredentialIds: [] });
    const outcomes = await Promise.allSettled([attempt(), attempt(), attempt()]);
    expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(1);
    expect(outcomes.filter((o) => o.status === 'rejected').map((o) => (o as PromiseRejectedResult).reason.code)).toEqual(['VER_0083', 'VER_0083']);
  });

  it('lets exactly one of two copies of an assertion through when they arrive together', async () => {
    const credential = await verifyRegistration({
      method: 'FIDO2',
      rp: fixture.rp,
      response: fixture.registration.response,
      challenge: memoryChallenge(fixture.registration.options.challenge),
      existingCredentialIds: [],
    });
    const challenge = await storedChallenge(fixture.authentication.options.challenge);
    const attempt = () =>
      verifyAuthentication({
        method: 'FIDO2',
        rp: fixture.rp,
        response: fixture.authentication.response,
        challenge,
        credentials: [credential],
        onCloneWarning: () => {},
      });
    const outcomes = await Promise.allSettled([attempt(), attempt()]);
    expect(outcomes.map((o) => o.status).sort()).toEqual(['fulfilled', 'rejected']);
    const { rows } = await pool.query('SELECT used_at FROM exchange_challenges WHERE id = $1', [challenge.id]);
    expect(rows[0].used_at).not.toBeNull();
  });

  it('is left unspent by a response that fails verification, so the user can still answer', async () => {
    const challenge = await storedChallenge(fixture.registration.options.challenge);
    const rp = { ...fixture.rp, id: 'example.com' };
    await expect(verifyRegistration({ method: 'FIDO2', rp, response: fixture.registration.response, challenge, existingCredentialIds: [] })).rejects.toMatchObject({
      code: 'VER_0082',
    });
    const { rows } = await pool.query('SELECT used_at FROM exchange_challenges WHERE id = $1', [challenge.id]);
    expect(rows[0].used_at).toBeNull();
    await expect(
      verifyRegistration({ method: 'FIDO2', rp: fixture.rp, response: fixture.registration.response, challenge, existingCredentialIds: [] }),
    ).resolves.toMatchObject({ id: fixture.registration.response.id });
  });
});

describe('challengeMatches', () => {
  it('matches only the same challenge', () => {
    expect(challengeMatches('abc_-123', 'abc_-123')).toBe(true);
    expect(challengeMatches('abc_-124', 'abc_-123')).toBe(false);
    expect(challengeMatches('abc_-12', 'abc_-123')).toBe(false);
    expect(challengeMatches('', 'abc')).toBe(false);
  });
});

import { describe, expect, it } from 'vitest';
import { checkRequestOrigin, exchangeChallenge, readCeremony, storedCeremony } from '../../../../shared/methods/webauthn/ceremony-state.ts';

// What a FIDO2/TOUCHID exchange keeps of the options it sent, and the checks made with it.

describe('the ceremony state of an exchange', () => {
  const rp = { id: 'localhost', name: 'Acme', origins: ['http://localhost:8080'] };

  it('reads back the challenge and relying party it was stored with', () => {
    expect(readCeremony(JSON.parse(JSON.stringify(storedCeremony('Y2hhbGxlbmdl', rp))))).toEqual({ challenge: 'Y2hhbGxlbmdl', rp });
  });

  it('spends the challenge once', async () => {
    const challenge = exchangeChallenge({ challenge: 'Y2hhbGxlbmdl', rp });
    expect(await challenge.consume()).toBe(true);
    expect(await challenge.consume()).toBe(false);
  });

  it('refuses a browser request from another origin, and lets a request without Origin through to the response checks', () => {
    expect(() => checkRequestOrigin('http://localhost:9999', rp)).toThrow(expect.objectContaining({ code: 'VER_0081' }));
    expect(() => checkRequestOrigin('http://localhost:8080', rp)).not.toThrow();
    expect(() => checkRequestOrigin(undefined, rp)).not.toThrow();
  });
});

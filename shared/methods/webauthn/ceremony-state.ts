import { z } from 'zod';
import type { JsonObject } from '../../db/json.ts';
import { VerificationError } from '../../errors/verification-error.ts';
import type { ExpectedChallenge, RelyingParty } from '../../webauthn/index.ts';

/**
 * What an exchange of a WebAuthn method keeps in its `method_state` from the options it sent:
 * the challenge and the relying party they were made for. Verification checks the response
 * against exactly these, so a settings change meanwhile cannot redirect a ceremony in flight.
 * Neither is secret: the challenge is in the options the browser got, and it only works bound
 * to this exchange.
 */
const stateSchema = z.object({
  challenge: z.string(),
  rp: z.object({ id: z.string(), name: z.string(), origins: z.array(z.string()) }),
});

type CeremonyState = z.infer<typeof stateSchema>;

export function storedCeremony(challenge: string, rp: RelyingParty): JsonObject {
  return { challenge, rp: { id: rp.id, name: rp.name, origins: [...rp.origins] } };
}

/** Reads the state written by {@link storedCeremony}. */
export function readCeremony(state: JsonObject): CeremonyState {
  return stateSchema.parse(state);
}

/**
 * The challenge of a locked exchange. The row stays locked until the transaction ends and a
 * verified response moves it out of its live state (ENROLLED, AUTHENTICATED), so a second
 * response to the same challenge finds it answered; `consume` reports a second use within one
 * verification all the same.
 */
export function exchangeChallenge(state: CeremonyState): ExpectedChallenge {
  let spent = false;
  return {
    value: state.challenge,
    async consume() {
      if (spent) return false;
      spent = true;
      return true;
    },
  };
}

/**
 * A browser's request must come from an origin the ceremony was made for: a page elsewhere
 * relaying the user's response (or the options) is refused before any verification.
 *
 * @throws VerificationError WEBAUTHN_ORIGIN_NOT_ALLOWED
 */
export function checkRequestOrigin(requestOrigin: string | undefined, rp: CeremonyState['rp']): void {
  if (requestOrigin !== undefined && !rp.origins.includes(requestOrigin)) {
    throw new VerificationError('WEBAUTHN_ORIGIN_NOT_ALLOWED', `${JSON.stringify(requestOrigin.slice(0, 100))} is not an allowed origin of this relying party`);
  }
}

import type { Queryable } from '../../db/database.ts';
import { VerificationError } from '../../errors/verification-error.ts';
import type { SecretKeyring } from '../../otp/secret-box.ts';
import { keyedDigest } from './one-time-code.ts';
import { lockSendKey, recentSends, recordSend } from './send-log-repository.ts';

/** Codes sent to one destination per window, whoever asked (SMS pumping, mailbox flooding). */
const DESTINATION_SENDS = { limit: 5, windowSeconds: 600 } as const;
/** Codes sent for one user per window, to any destination. */
const USER_SENDS = { limit: 5, windowSeconds: 3600 } as const;

/** The longest window a cap counts over: older sends count for nothing and may go. */
export const LONGEST_SEND_WINDOW_MS = Math.max(DESTINATION_SENDS.windowSeconds, USER_SENDS.windowSeconds) * 1000;


interface SendRequest {
  tenantId: string;
  sub: string;
  /** The normalised destination (E.164 or email address). */
  destination: string;
  now: Date;
}

interface Cap {
  key: string;
  limit: number;
  windowSeconds: number;
  refusal: (retryAfter: number) => VerificationError;
}

function retryAfter(detail: string, name: 'DESTINATION_SEND_LIMIT' | 'USER_SEND_LIMIT') {
  return (seconds: number) =>
    new VerificationError(name, `${detail}; try again in ${seconds} s`, { retryAfterS: seconds });
}

/**
 * Counts one code sent for the user to `destination`, or refuses it: at most
 * {@link DESTINATION_SENDS} per destination (across tenants: the cost of a pumped number is
 * the service's) and {@link USER_SENDS} per user, over sliding windows, so the caps hold at any
 * moment and not only per calendar window. Runs in the transaction that queues the message; a
 * refused send is not counted. Keys are locked in one order (destination, then user), so two
 * sends never wait on each other in a cycle.
 *
 * @throws VerificationError DESTINATION_SEND_LIMIT or USER_SEND_LIMIT, with `Retry-After`
 */
export async function countSend(tx: Queryable, keyring: SecretKeyring, request: SendRequest): Promise<void> {
  const caps: Cap[] = [
    {
      key: `d:${keyedDigest(keyring, 'destination', request.destination)}`,
      ...DESTINATION_SENDS,
      refusal: retryAfter(`at most ${DESTINATION_SENDS.limit} codes per ${DESTINATION_SENDS.windowSeconds / 60} minutes to one destination`, 'DESTINATION_SEND_LIMIT'),
    },
    {
      key: `u:${keyedDigest(keyring, 'user', request.tenantId, request.sub)}`,
      ...USER_SENDS,
      refusal: retryAfter(`at most ${USER_SENDS.limit} codes per hour for one user`, 'USER_SEND_LIMIT'),
    },
  ];
  const now = request.now.getTime();
  for (const cap of caps) {
    await lockSendKey(tx, cap.key);
    const windowMs = cap.windowSeconds * 1000;
    const recent = await recentSends(tx, cap.key, new Date(now - windowMs));
    if (recent.count >= cap.limit) {
      // The window frees a place when its oldest send leaves it.
      const frees = (recent.oldest?.getTime() ?? now) + windowMs;
      throw cap.refusal(Math.max(1, Math.ceil((frees - now) / 1000)));
    }
  }
  for (const cap of caps) await recordSend(tx, cap.key, request.now, new Date(now - LONGEST_SEND_WINDOW_MS));
}

import type { Database, Queryable } from './database.ts';
import type { VerificationError } from '../errors/verification-error.ts';

/**
 * The result of a transaction that may have to persist something (a counted wrong code, an
 * expiry) and still fail the request: it commits, and the error is thrown afterwards.
 */
export type Outcome<T> = { ok: true; value: T } | { ok: false; error: VerificationError };

export const succeed = <T>(value: T): Outcome<T> => ({ ok: true, value });
export const failAfterCommit = (error: VerificationError): Outcome<never> => ({ ok: false, error });

/** Runs `work` in a transaction, commits, then returns its value or throws its error. */
export async function runOutcome<T>(db: Database, work: (tx: Queryable) => Promise<Outcome<T>>): Promise<T> {
  const outcome = await db.transaction(work);
  if (!outcome.ok) throw outcome.error;
  return outcome.value;
}

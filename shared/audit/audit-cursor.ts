import { z } from 'zod';
import { VerificationError } from '../errors/verification-error.ts';

/** Where a listing stopped: its order and the `seq` of the last row it returned. */
export interface AuditCursor {
  order: 'desc' | 'asc';
  seq: number;
}

const cursorSchema = z.object({ o: z.enum(['desc', 'asc']), s: z.number().int().min(1) }).strict();

/** The opaque `next_cursor` of a page (base64url JSON; clients must not read into it). */
export function encodeCursor(cursor: AuditCursor): string {
  return Buffer.from(JSON.stringify({ o: cursor.order, s: cursor.seq })).toString('base64url');
}

/**
 * Reads a `cursor` a listing handed out.
 *
 * @throws VerificationError INVALID_REQUEST when it is not one, or was made for the other order.
 */
export function decodeCursor(text: string, order: AuditCursor['order']): AuditCursor {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(text, 'base64url').toString('utf8'));
  } catch {
    parsed = undefined;
  }
  const result = cursorSchema.safeParse(parsed);
  if (!result.success || result.data.o !== order) {
    throw new VerificationError('INVALID_REQUEST', 'cursor: not a cursor of this listing (use next_cursor as it was returned, with the same order)');
  }
  return { order: result.data.o, seq: result.data.s };
}

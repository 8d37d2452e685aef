import { pino } from 'pino';
import type { DestinationStream } from 'pino';

/** Bytes gathered before one write: a few dozen access lines per system call instead of one each. */
const BATCH_BYTES = 4096;
/** The longest a line waits in the batch when traffic is light. */
const FLUSH_EVERY_MS = 1000;

/**
 * An asynchronous destination that writes in batches of BATCH_BYTES, and at least every
 * FLUSH_EVERY_MS, so a quiet service still shows its lines within a second. Writing each line as
 * it comes costs a write(2) per request, a tenth of a poll's CPU on a machine where system calls
 * are dear. Lines still buffered when the process exits are written by pino's exit handler.
 */
export function bufferedDestination(fd: number | string = 1): DestinationStream {
  const stream = pino.destination({ dest: fd, sync: false, minLength: BATCH_BYTES });
  const timer = setInterval(() => {
    if (!stream.destroyed) stream.flush();
  }, FLUSH_EVERY_MS);
  timer.unref();
  stream.once('close', () => clearInterval(timer));
  return stream;
}

import { pino } from 'pino';

type Destination = ReturnType<typeof pino.destination>;

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
export function bufferedDestination(fd: number | string = 1): Destination {
  const stream = pino.destination({ dest: fd, sync: false, minLength: BATCH_BYTES });
  const timer = setInterval(() => stream.flush(), FLUSH_EVERY_MS);
  timer.unref();
  // Flushing an ended stream throws: the timer stops with it.
  const stop = () => clearInterval(timer);
  stream.once('finish', stop);
  stream.once('close', stop);
  return stream;
}

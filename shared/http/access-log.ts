import type { LogLevel } from '../config/env.ts';
import type { Logger } from '../log/logger.ts';

/** How the access lines of routine reads (status polls, the method list) answered 200 or 304 are written (`POLL_LOG_LEVEL`, `POLL_LOG_SAMPLE`). */
export interface PollLogPolicy {
  level: LogLevel;
  sampleEvery: number;
}

/** Every line at `info`: what a service without the setting does. */
export const LOG_EVERY_POLL: PollLogPolicy = { level: 'info', sampleEvery: 0 };

/**
 * Writes one access line per request: at `info`, except for the successful routine reads (a
 * front end polls a status every few seconds per open profile page and fetches the method list
 * on every page load), which go at the policy's level, with one in `sampleEvery` written at
 * `info` anyway. Every other answer of those routes (404, 400, 401, 429, 503…) is a normal
 * `info` line.
 */
export class AccessLog {
  #polls = 0;

  constructor(
    private readonly log: Logger,
    private readonly polls: PollLogPolicy,
  ) {}

  /** The level of this request's line, or undefined when it is not written. */
  levelFor(routineRead: boolean): LogLevel | undefined {
    if (!routineRead) return this.log.isLevelEnabled('info') ? 'info' : undefined;
    const { level, sampleEvery } = this.polls;
    if (sampleEvery > 0 && ++this.#polls >= sampleEvery) {
      this.#polls = 0;
      if (this.log.isLevelEnabled('info')) return 'info';
    }
    return level !== 'silent' && this.log.isLevelEnabled(level) ? level : undefined;
  }
}

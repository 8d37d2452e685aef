import type { LogLevel } from '../config/env.ts';
import type { Logger } from '../log/logger.ts';

/** How the access lines of status polls answered 200 or 304 are written (`POLL_LOG_LEVEL`, `POLL_LOG_SAMPLE`). */
export interface PollLogPolicy {
  level: LogLevel;
  sampleEvery: number;
}

/** Every line at `info`: what a service without the setting does. */
export const LOG_EVERY_POLL: PollLogPolicy = { level: 'info', sampleEvery: 0 };

/**
 * Writes one access line per request: at `info`, except for the successful status polls (a
 * front end polls every few seconds per open profile page), which go at the policy's level,
 * with one in `sampleEvery` written at `info` anyway. Every other answer of a poll (404, 400,
 * 503…) is a normal `info` line.
 */
export class AccessLog {
  #polls = 0;

  constructor(
    private readonly log: Logger,
    private readonly polls: PollLogPolicy,
  ) {}

  /** The level of this request's line, or undefined when it is not written. */
  levelFor(quietPoll: boolean): LogLevel | undefined {
    if (!quietPoll) return this.log.isLevelEnabled('info') ? 'info' : undefined;
    const { level, sampleEvery } = this.polls;
    if (sampleEvery > 0 && ++this.#polls >= sampleEvery) {
      this.#polls = 0;
      if (this.log.isLevelEnabled('info')) return 'info';
    }
    return level !== 'silent' && this.log.isLevelEnabled(level) ? level : undefined;
  }
}

import { describe, expect, it } from 'vitest';
import { VerificationError } from '../../../shared/errors/verification-error.ts';
import { toProblem } from '../../../shared/errors/problem.ts';

describe('VerificationError with retryAfterS', () => {
  it('tells the client when to come back, as Retry-After and as retry_after in the problem', () => {
    const problem = toProblem(new VerificationError('RATE_LIMITED', 'slow down', { retryAfterS: 7 }));
    expect(problem.headers['Retry-After']).toBe('7');
    expect(problem.body).toMatchObject({ code: 'VER_0050', retry_after: 7 });
  });

  it('keeps the headers and members it is given besides', () => {
    const err = new VerificationError('RATE_LIMITED', 'slow down', { retryAfterS: 7, headers: { Vary: 'Authorization' }, extensions: { limit: 10 } });
    expect(err.headers).toEqual({ Vary: 'Authorization', 'Retry-After': '7' });
    expect(err.extensions).toEqual({ limit: 10, retry_after: 7 });
  });
});

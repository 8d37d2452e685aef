import { expect } from 'vitest';
import type { JsonResponse } from './http.ts';

/** A stack frame line as Node prints it ("    at fn (file:line:col)"), not prose such as "at most 2". */
const STACK_LINE = /^\s*at .*:\d+:\d+\)?$/m;

/** The documented problem members beyond RFC 9457's (see Problem in openapi.yaml). */
const EXTENSIONS = new Set(['errors', 'remaining_attempts', 'retry_after', 'reason', 'number_type', 'country']);

/**
 * Asserts `res` is the documented error shape: `application/problem+json` with exactly
 * `{type, title, status, code, detail}` (plus the documented extensions), the given
 * status and code, and nothing that looks like a stack trace.
 */
export function expectProblem(res: JsonResponse, status: number, code: string): void {
  expect(res.status).toBe(status);
  expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  const body = res.body as Record<string, unknown>;
  expect(body).toMatchObject({ status, code, type: expect.stringContaining(code), title: expect.any(String), detail: expect.any(String) });
  expect(Object.keys(body).filter((key) => !EXTENSIONS.has(key)).sort()).toEqual(['code', 'detail', 'status', 'title', 'type']);
  expect(JSON.stringify(body)).not.toMatch(STACK_LINE);
  expect(String(body.detail)).not.toMatch(STACK_LINE);
}

/** The `detail` of a problem response, for asserting which field it names. */
export function detailOf(res: JsonResponse): string {
  return String((res.body as { detail?: unknown }).detail);
}

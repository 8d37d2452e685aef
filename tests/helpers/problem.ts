import { expect } from 'vitest';
import type { JsonResponse } from './http.ts';

/** A stack frame line as Node prints it ("    at fn (file:line:col)"), not prose such as "at most 2". */
const STACK_LINE = /^\s*at .*:\d+:\d+\)?$/m;

/** The documented problem members beyond RFC 9457's (see Problem in openapi.yaml). */
const EXTENSIONS = new Set(['errors', 'remaining_attempts', 'retry_after', 'reason', 'number_type', 'country']);

/**
 * Asserts `body` is a problem document of the documented shape: exactly `{type, title, status,
 * code, detail}` (plus the documented extensions) with the given status and code, and nothing
 * that looks like a stack trace. For problems that do not arrive as an HTTP response of their
 * own (WebSocket error frames, a refused handshake); use expectProblem for responses.
 */
export function expectProblemDocument(body: unknown, status: number, code: string): void {
  const doc = body as Record<string, unknown>;
  expect(doc).toMatchObject({ status, code, type: expect.stringContaining(code), title: expect.any(String), detail: expect.any(String) });
  expect(Object.keys(doc).filter((key) => !EXTENSIONS.has(key)).sort()).toEqual(['code', 'detail', 'status', 'title', 'type']);
  expect(JSON.stringify(doc)).not.toMatch(STACK_LINE);
  expect(String(doc.detail)).not.toMatch(STACK_LINE);
}

/**
 * Asserts `res` is the documented error response: the given status, `application/problem+json`
 * and a problem document with that status and code (see expectProblemDocument). The one way
 * tests assert a refusal.
 */
export function expectProblem(res: Pick<JsonResponse, 'status' | 'headers' | 'body'>, status: number, code: string): void {
  expect({ status: res.status, code: (res.body as { code?: unknown } | undefined)?.code }).toEqual({ status, code });
  expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  expectProblemDocument(res.body, status, code);
}

/** The `detail` of a problem response, for asserting which field it names. */
export function detailOf(res: JsonResponse): string {
  return String((res.body as { detail?: unknown }).detail);
}

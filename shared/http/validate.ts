import type { z } from 'zod';
import { VerificationError } from '../errors/verification-error.ts';

function describeIssue(issue: z.core.$ZodIssue, where: string): string {
  const field = issue.path.length > 0 ? issue.path.join('.') : where;
  return `${field}: ${issue.message}`;
}

/**
 * Validates client input; a failure is a 400 naming the first bad field (and listing all of
 * them under `errors`), never a 500.
 */
export function parseInput<S extends z.ZodType>(schema: S, value: unknown, where: string): z.output<S> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const issues = result.error.issues;
  throw new VerificationError('INVALID_REQUEST', describeIssue(issues[0]!, where), {
    extensions: { errors: issues.map((issue) => ({ field: issue.path.join('.') || where, message: issue.message })) },
  });
}

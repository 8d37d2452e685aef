import { VerificationError } from '../errors/verification-error.ts';
import type { EnrollmentOperations, MethodModule, SignInOperations } from './method-module.ts';

function unsupported(method: MethodModule, operation: string): VerificationError {
  return new VerificationError('OPERATION_NOT_SUPPORTED', `${method.type} has no ${operation}`);
}

/**
 * The enrollment operation `name` of `method`.
 *
 * @throws VerificationError OPERATION_NOT_SUPPORTED (404) when the method has none.
 */
export function enrollmentOperation<N extends keyof EnrollmentOperations>(method: MethodModule, name: N): NonNullable<EnrollmentOperations[N]> {
  const operation = method.enrollment[name];
  if (!operation) throw unsupported(method, `enrollment ${name}`);
  return operation;
}

/**
 * The sign-in operation `name` of `method`.
 *
 * @throws VerificationError OPERATION_NOT_SUPPORTED (404) when the method has none.
 */
export function signInOperation<N extends keyof SignInOperations>(method: MethodModule, name: N): NonNullable<SignInOperations[N]> {
  const operation = method.signIn[name];
  if (!operation) throw unsupported(method, `sign-in ${name}`);
  return operation;
}

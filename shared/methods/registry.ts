import { VerificationError } from '../errors/verification-error.ts';
import type { CommonSettings } from '../tenants/method-settings.ts';
import type { VerificationType } from '../tenants/verification-type.ts';
import type { MethodModule } from './method-module.ts';
import { backupcode } from './backupcode/index.ts';
import { email } from './email/index.ts';
import { fido2 } from './fido2/index.ts';
import { push } from './push/index.ts';
import { sms } from './sms/index.ts';
import { totp } from './totp/index.ts';
import { touchid } from './touchid/index.ts';

/**
 * The methods this service implements, by wire name, in the order the config list shows them.
 * Adding a method is adding its module here (see docs/adding-a-method.md); nothing else in the
 * routes, the state machines or the status service names a method.
 */
export const METHODS = {
  TOTP: totp,
  PUSH: push,
  SMS: sms,
  EMAIL: email,
  BACKUPCODE: backupcode,
  TOUCHID: touchid,
  FIDO2: fido2,
} as const satisfies { [T in VerificationType]?: MethodModule<CommonSettings, T> };

/** A method this build implements. */
export type ImplementedType = keyof typeof METHODS;

/** The implemented methods, as `GET /verification-srv/config/list` lists them. */
export const VERIFICATION_TYPES = Object.keys(METHODS) as ImplementedType[];

/** A method module as the routes see it. */
export type RegisteredMethod = (typeof METHODS)[ImplementedType] & MethodModule;

/**
 * Resolves a method name from a path (`totp`, `TOTP`).
 *
 * @throws VerificationError UNKNOWN_METHOD for anything this service does not implement.
 */
export function resolveMethod(raw: string): RegisteredMethod {
  const upper = raw.toUpperCase();
  const type = VERIFICATION_TYPES.find((candidate) => candidate === upper);
  if (!type) throw new VerificationError('UNKNOWN_METHOD', `unknown verification method "${raw.slice(0, 32)}"; known: ${VERIFICATION_TYPES.join(', ')}`);
  return METHODS[type];
}

/** The module of an implemented method (for what a stored authenticator of it shows), or undefined. */
export function implementedMethod(type: VerificationType): RegisteredMethod | undefined {
  return VERIFICATION_TYPES.includes(type as ImplementedType) ? METHODS[type as ImplementedType] : undefined;
}

import { VerificationError } from '../errors/verification-error.ts';
import { hasScope, insufficientScope, type Principal, type Scope } from './principal.ts';

/** Whose account a request acts on: the caller's, or another user's of the same tenant. */
export interface ActingFor {
  tenantId: string;
  sub: string;
  /** True when it is another user's (the caller used `scope`). */
  onBehalf: boolean;
}

export interface ActingForRule {
  /** The scope that lets a token act for another user of its tenant. */
  scope: Scope;
  /** What the caller tried, for the refusal: "verifying another user's code". */
  action: string;
  /**
   * A token with `scope` must name the user (a backend with `verification:service` has no user
   * of its own); without it, it may leave `sub` out and act for itself.
   */
  mustName?: boolean;
}

/**
 * The one "may act for another user" policy: a token acts for its own `sub`; naming another
 * user of its tenant needs `rule.scope` (403 `VER_0012` otherwise). Tenants never mix: the
 * named user is always of the token's tenant.
 *
 * @throws VerificationError INSUFFICIENT_SCOPE, or INVALID_REQUEST when `mustName` and no user is named
 */
export function actingFor(principal: Principal, requested: string | undefined, rule: ActingForRule): ActingFor {
  const privileged = hasScope(principal, rule.scope);
  if (privileged && rule.mustName && requested === undefined) {
    throw new VerificationError('INVALID_REQUEST', `sub: required with a ${rule.scope} token`);
  }
  if (requested === undefined || requested === principal.sub) return { tenantId: principal.tenantId, sub: principal.sub, onBehalf: false };
  if (!privileged) throw insufficientScope(rule.scope, `${rule.action} needs the scope ${rule.scope}`);
  return { tenantId: principal.tenantId, sub: requested, onBehalf: true };
}

/** Whether the caller may act on `sub`'s account under `scope` (the same policy, as a question). */
export function mayActFor(principal: Principal, sub: string, scope: Scope): boolean {
  return sub === principal.sub || hasScope(principal, scope);
}

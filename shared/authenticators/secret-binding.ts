/**
 * Associated data sealing a user's method secret (an enrollment's, then its authenticator's): a
 * ciphertext copied to another user's row will not open.
 */
export function secretBinding(tenantId: string, sub: string): string {
  return `${tenantId}:${sub}`;
}

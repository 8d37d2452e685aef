/** Transports a browser may report for a credential (WebAuthn L3 `AuthenticatorTransport`). */
export const TRANSPORTS = ['ble', 'hybrid', 'internal', 'nfc', 'smart-card', 'usb'] as const;
export type Transport = (typeof TRANSPORTS)[number];

/** A credential as options name it: its id (base64url) and, as a hint for the browser, its transports. */
export interface CredentialDescriptor {
  id: string;
  transports?: readonly Transport[];
}

/** A stored credential, as sign-in verifies against it. */
export interface StoredCredential extends CredentialDescriptor {
  /** COSE public key bytes, as registration returned them. */
  publicKey: Uint8Array;
  /** The highest signature counter seen so far. */
  counter: number;
}

/**
 * The transports of a registration response that WebAuthn defines, each once. They are hints
 * the client reports (never trusted for security), so anything else is dropped, not refused.
 */
export function knownTransports(reported: unknown): Transport[] {
  if (!Array.isArray(reported)) return [];
  return TRANSPORTS.filter((transport) => reported.includes(transport));
}

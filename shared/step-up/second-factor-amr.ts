/**
 * The RFC 8176 `amr` values that prove a factor besides the password, so a token carrying one
 * of them (freshly) may change the user's factors:
 *
 * - possession: `otp` (one-time password), `sms` and `tel` (code or call to a phone), `hwk` and
 *   `swk` (proof of a hardware or software key), `pop` (proof of possession of a key), `sc`
 *   (smart card);
 * - inherence: `face`, `fpt` (fingerprint), `iris`, `retina`, `vbm` (voiceprint);
 * - `mfa`: the identity provider says several factors were used.
 *
 * Left out on purpose: `pwd` and `pin` (knowledge a phisher can take along with the password),
 * `kba` (knowledge-based questions), `geo`, `rba`, `wia` and `user` (context or presence
 * signals, not factors), and `mca` (several channels, which says nothing about factors).
 */
export const SECOND_FACTOR_AMR: ReadonlySet<string> = new Set([
  'otp',
  'sms',
  'tel',
  'hwk',
  'swk',
  'pop',
  'sc',
  'face',
  'fpt',
  'iris',
  'retina',
  'vbm',
  'mfa',
]);

/** Whether an `amr` list names at least one second factor (values are case-sensitive, RFC 8176 §2). */
export function namesSecondFactor(amr: readonly string[]): boolean {
  return amr.some((value) => SECOND_FACTOR_AMR.has(value));
}

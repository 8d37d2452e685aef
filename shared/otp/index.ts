export { generateSecret } from './secret.ts';
export { generateCode, matchCode, stepAt } from './totp.ts';
export type { CodeParams, HashAlgorithm, MatchOptions, TotpParams } from './totp.ts';
export { buildOtpauthUri, buildStandardOtpauthUri, parseOtpauthUri } from './otpauth-uri.ts';
export type { EnrollmentUriInput, ParsedOtpauthUri, StandardUriInput } from './otpauth-uri.ts';
export { QR_FORMATS, renderQr, renderQrDataUrl, type QrFormat } from './qr.ts';
export { isSealedUnderOldKey, openSecret, resealSecret, sealSecret, SecretBoxError } from './secret-box.ts';
export type { SealedSecret, SecretBoxErrorCode, SecretKeyring } from './secret-box.ts';

/**
 * Every verification method name the contract knows (DESIGN §9), as cidaas spells them: upper
 * case in JSON, lower case as `{method}` in paths. Which of them this build implements is the
 * methods registry's business (shared/methods/registry.ts); storage and events only need the name.
 */
export const METHOD_NAMES = ['TOTP', 'PUSH', 'SMS', 'EMAIL', 'FIDO2', 'TOUCHID', 'BACKUPCODE'] as const;
export type VerificationType = (typeof METHOD_NAMES)[number];

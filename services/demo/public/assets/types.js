// @ts-check
// The service's JSON shapes as openapi.yaml declares them, taken from the client generated from
// it, so a change of the contract fails `npm run typecheck` here too. Types only: no page loads
// this file. (Copying the pages elsewhere? Replace these with your own declarations.)

/** @typedef {import('../../../../clients/generated/schema.ts').components['schemas']} Schemas every schema (method modules take their own, e.g. TotpEnrollmentOffer) */

/** @typedef {Schemas['MethodSummary']} MethodSummary */
/** @typedef {Schemas['EnrollmentOffer']} EnrollmentOffer */
/** @typedef {Schemas['BackupcodeSet']} BackupcodeSet */
/** @typedef {Schemas['StatusDocument']} StatusDocument */
/** @typedef {Schemas['ExchangeStatusValue']} ExchangeStatus */
/** @typedef {Exclude<ExchangeStatus, 'AUTHENTICATED' | 'DENIED'>} EnrollmentStatus the statuses an enrollment can have (the others are sign-in challenges') */
/** @typedef {Schemas['EnrollmentResult']} EnrollmentResult */
/** @typedef {Schemas['ScanResult']} ScanResult */
/** @typedef {Schemas['DeviceView']} DeviceView */
/** @typedef {Schemas['ActivityItem']} ActivityItem */
/** @typedef {Schemas['ActivityPage']} ActivityPage */
/** @typedef {Schemas['SignInResult']} SignInResult */
/** @typedef {Schemas['Problem']} Problem */
/** @typedef {Schemas['DemoSession']} DemoSession */

export {};

// @ts-check
// The contract between the demo pages and one verification method. Types only: no page loads
// this file.
//
// Each method is one module in this folder exporting a MethodModule, listed in index.js. The
// pages never switch on a method's type: they ask index.js which methods the tenant has active
// (GET /verification-srv/config/list) and which of those implement the part they need, and
// hand each part the context below. A method implements only the parts it has:
//
// | part      | page                        | TOTP | PUSH | SMS/EMAIL | FIDO2/TOUCHID | BACKUPCODE |
// |-----------|-----------------------------|------|------|-----------|---------------|------------|
// | enroll    | profile (add a factor)      | yes  | yes  | yes       | yes           | yes        |
// | signIn    | sign-in, step-up prompt     | yes  | yes  | yes       | yes           | yes        |
// | companion | authenticator (scan a QR)   | yes  | yes  | –         | –             | –          |

/** @typedef {import('../assets/api.js').Api} Api */
/** @typedef {import('../assets/types.js').EnrollmentStatus} EnrollmentStatus */
/** @typedef {import('../assets/types.js').SignInResult} SignInResult */
/** @typedef {import('../assets/otpauth-uri.js').OtpauthUri} OtpauthUri */
/** @typedef {import('../assets/vault.js').Vault} Vault */
/** @typedef {import('../assets/vault.js').Account} Account */

/**
 * @typedef {object} MethodModule
 * @property {string} type the `verificationType` the config list names it by ('TOTP'); lower
 *   case in paths (`/setup/totp/…`)
 * @property {string} label what users call it ('Authenticator app')
 * @property {string} summary one sentence for the profile page
 * @property {EnrollPart} [enroll] the profile page offers to add it
 * @property {SignInPart} [signIn] the sign-in page and the step-up prompt can prove it
 * @property {CompanionPart} [companion] the companion authenticator can hold it
 */

/**
 * What the profile page hands an enrollment. The page owns the frame around `view`: the
 * heading, the status line (waiting for scan → scanned → enrolled / expired / cancelled /
 * failed, announced and focused), the live status (WebSocket, else polling every 4 s) and the
 * New code / Cancel / Close buttons.
 *
 * @typedef {object} EnrollContext
 * @property {Api} api calls as the signed-in user; pass `{ stepUp: true }` on the initiation
 *   (adding a factor), the prompt for a second factor is then handled for you
 * @property {HTMLElement} view where the method shows what the user needs (QR code, form, button)
 * @property {(message: string) => void} announce a polite message for screen readers
 */

/**
 * A started enrollment: what the page needs to follow and steer it.
 *
 * @typedef {object} StartedEnrollment
 * @property {string} statusId the `status_id` of the initiation answer, watched by the page
 * @property {() => Promise<void>} cancel ends it (`DELETE …/setup/{method}/{exchange_id}`)
 * @property {() => Promise<void>} [renew] "New code" while it is live: TOTP and PUSH rotate
 *   (new QR code, same status id, the old exchange refused), SMS and email resend
 * @property {(status: EnrollmentStatus) => void} [onStatus] reacts to the status the page
 *   received, e.g. hides the QR code once it was scanned
 * @property {Partial<Record<EnrollmentStatus, { title: string, hint: string }>>} [wording]
 *   the method's own words for a status, where the page's QR-code wording does not fit
 *   (SMS: INITIATED is "Code sent", not "Waiting for scan")
 */

/**
 * @typedef {object} EnrollPart
 * @property {(context: EnrollContext) => Promise<StartedEnrollment | undefined>} start
 *   initiates (asking first what the method needs, e.g. a phone number) and renders into
 *   `view`; undefined when the enrollment ended at once with nothing to watch (backup codes
 *   are shown once and are done)
 */

/**
 * What the sign-in page (and the step-up prompt) hands a method.
 *
 * @typedef {object} SignInContext
 * @property {Api} api calls as the signed-in user
 * @property {HTMLElement} view where the method shows its challenge (code field, number to
 *   match on the phone, security-key button)
 * @property {(message: string) => void} announce
 * @property {AbortSignal} signal aborted when the user gives up (closes the prompt, picks another method)
 */

/**
 * @typedef {object} SignInPart
 * @property {(context: SignInContext) => Promise<SignInResult>} run runs the challenge
 *   (initiation first where the method has one), shows refusals itself and lets the user try
 *   again; resolves once the service answered AUTHENTICATED (with its step-up `assertion`),
 *   rejects with `signal.reason` when aborted. Building blocks: `codeForm` (assets/code-form.js,
 *   with a `format` for codes that are not digits), `watchStatus` (assets/status-watcher.js)
 *   for a challenge's status, the vendored `SimpleWebAuthnBrowser` for WebAuthn
 */

/**
 * What the companion authenticator hands a method.
 *
 * @typedef {object} CompanionContext
 * @property {Vault} vault this browser's storage: accounts, device id, device key
 * @property {string} deviceId this device's id, sent with scan and enroll
 * @property {(question: string) => Promise<boolean>} confirm asks the user before a step that
 *   binds this device (enrolling after a scan)
 * @property {(message: string) => void} announce
 */

/**
 * @typedef {object} CompanionPart
 * @property {string} scheme the otpauth URI type it takes (`otpauth://totp/…` → 'totp'; PUSH: 'push')
 * @property {(uri: OtpauthUri, context: CompanionContext) => Promise<Account | undefined>} link
 *   takes a scanned URI (already checked to name this service as `burl`): reports the scan,
 *   asks to confirm, enrolls through the app path and returns the account to list (saved in
 *   the vault), or undefined when the user declined
 * @property {(account: Account, view: HTMLElement) => () => void} showAccount renders one
 *   account (TOTP: the rolling code and its countdown); returns a function that stops it
 * @property {(context: CompanionContext, onChallenge: (view: HTMLElement) => void) => () => void} [receiveChallenges]
 *   PUSH: listens for sign-in requests to this device (long poll, WebSocket) and shows each in
 *   a view it renders (message, details, the number to type); returns a function that stops it
 */

export {};

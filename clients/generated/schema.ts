// Generated from openapi.yaml by `npm run generate:client` (openapi-typescript). Do not edit.

export interface paths {
    "/verification-srv/config/list": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * List the verification methods of the caller's tenant
         * @description Every method this service implements, with whether the caller's tenant has it active.
         *     The `verificationType` is the `{method}` of the enrollment paths.
         */
        get: operations["listMethods"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/verification-srv/config/{type}": {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /**
                 * @description The verification method, case-insensitive (`totp` or `TOTP`).
                 * @example totp
                 */
                type: components["parameters"]["ConfigType"];
            };
            cookie?: never;
        };
        /**
         * Read one method's configuration
         * @description The tenant's configuration of one method, defaults included.
         */
        get: operations["getMethodConfig"];
        /**
         * Activate or deactivate a method and change its settings
         * @description A partial change: members left out keep their value. Needs the scope
         *     `verification:admin`.
         *
         *     SHA1, 6 digits and 30 s are what every authenticator app supports. Other values are
         *     allowed, but some apps (Google Authenticator among them) silently ignore them and then
         *     show codes the service refuses. Changes apply to enrollments started afterwards;
         *     enrolled authenticators keep the parameters they were enrolled with. A change that
         *     alters anything is recorded in the tenant's audit trail as `settings.changed`, with the
         *     admin and the names of what changed (not the values).
         */
        put: operations["updateMethodConfig"];
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/verification-srv/audit": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * List the tenant's audit trail
         * @description The caller's tenant's audit trail (DESIGN §16), one row per security event: every
         *     verification attempt (success, wrong code, replay, refusal while locked, lockout),
         *     enrollment transition, factor added or removed, refused step-up and settings change.
         *     Needs the scope `verification:admin`; an admin sees only the own tenant.
         *
         *     Newest first by default (`order=asc` for oldest first, e.g. to export and verify a
         *     range offline); `next_cursor`, when present, continues the listing (pass it back as
         *     `cursor` with the same filters and order). Rows carry `prev_hash` and `hash`: the hash
         *     is hex SHA-256 over `prev_hash` (64 hex characters) followed by the RFC 8785 (JCS)
         *     canonical JSON of the row without `prev_hash` and `hash`, so an export can be
         *     re-verified without this service. Rows never hold a code, secret, token or exchange id.
         */
        get: operations["listAuditEvents"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/verification-srv/audit/verify": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Verify the tenant's audit hash chain
         * @description Recomputes the caller's tenant's chain from one snapshot: every row's hash, every link
         *     to the previous row, no gaps in `seq`, and (unless `to` is given) that the chain ends
         *     where its head says, so rows deleted from the end are found too. With `from`/`to`,
         *     only the rows in that range (and the link of the first to the row before it) are
         *     checked. After retention, the chain verifies from the retention checkpoint on. Needs
         *     the scope `verification:admin`.
         *
         *     `first_bad` is the id of the first bad row and `reason` says what is wrong with it:
         *     `hash_mismatch` (its content was edited), `broken_link` (the row before it was
         *     rewritten, or its link was), `missing_rows` (rows before it are gone; at the end of
         *     the chain, the id is that of the last row the head remembers, which no longer exists),
         *     `head_mismatch` (the last row is not the one the head recorded).
         */
        get: operations["verifyAuditTrail"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/verification-srv/webhooks": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * List the tenant's webhook endpoints
         * @description The caller's tenant's endpoints, oldest first, without their secrets. Needs the scope `verification:admin`.
         */
        get: operations["listWebhookEndpoints"];
        put?: never;
        /**
         * Create a webhook endpoint
         * @description Registers a URL that receives the tenant's events (DESIGN §17), signed as Standard
         *     Webhooks does (`webhook-id`, `webhook-timestamp`, `webhook-signature`) with the
         *     endpoint's own secret, returned here **once** (`whsec_…`; stored encrypted). Verify
         *     deliveries with any Standard Webhooks library, e.g. `new Webhook(secret).verify(rawBody,
         *     headers)`. Needs the scope `verification:admin`; at most 20 endpoints per tenant.
         *
         *     The URL must be absolute `https` (`http` is accepted outside production) without
         *     credentials or fragment; a literal private, loopback or metadata address is refused.
         *     Names are resolved when delivering, and the address connected to is checked then.
         */
        post: operations["createWebhookEndpoint"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/verification-srv/webhooks/{id}": {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /**
                 * @description The endpoint's id.
                 * @example 6b0f5d9e-7a44-4c2b-9f3e-1d8a2c4e5f60
                 */
                id: components["parameters"]["WebhookId"];
            };
            cookie?: never;
        };
        /**
         * Read one webhook endpoint
         * @description One of the caller's tenant's endpoints, without its secret; `status` is `disabled` once its receiver answered 410 Gone. Needs the scope `verification:admin`.
         */
        get: operations["getWebhookEndpoint"];
        put?: never;
        post?: never;
        /**
         * Delete a webhook endpoint
         * @description Deletes the endpoint; its deliveries still waiting are given up (one being sent at that moment finishes). Needs the scope `verification:admin`.
         */
        delete: operations["deleteWebhookEndpoint"];
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/verification-srv/webhooks/{id}/rotate-secret": {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /**
                 * @description The endpoint's id.
                 * @example 6b0f5d9e-7a44-4c2b-9f3e-1d8a2c4e5f60
                 */
                id: components["parameters"]["WebhookId"];
            };
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Give a webhook endpoint a new secret
         * @description Returns a new `whsec_…` secret, **once**. For the next 24 hours every delivery carries
         *     two signatures in `webhook-signature`, one with the new secret and one with the old, so
         *     the receiver verifies with either while it switches over; after that, only the new
         *     one. A second rotation within the 24 hours drops the oldest secret. No body. Needs the
         *     scope `verification:admin`.
         */
        post: operations["rotateWebhookSecret"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/verification-srv/webhooks/{id}/deliveries": {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /**
                 * @description The endpoint's id.
                 * @example 6b0f5d9e-7a44-4c2b-9f3e-1d8a2c4e5f60
                 */
                id: components["parameters"]["WebhookId"];
            };
            cookie?: never;
        };
        /**
         * List an endpoint's deliveries
         * @description One delivery per event sent (or to be sent) to the endpoint, newest first, with its
         *     status, attempts, the last HTTP status and error, and the body as sent. A delivery's
         *     `id` is the `webhook-id` its receiver saw, the same on every attempt. Failed attempts
         *     are retried after 5 s, 5 min, 30 min, 2 h, 5 h, 10 h and 24 h (each ±20 %); per
         *     endpoint, events go out one at a time in the order they were recorded, so one that is
         *     being retried holds back the ones after it. Needs the scope `verification:admin`.
         */
        get: operations["listWebhookDeliveries"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/verification-srv/webhooks/{id}/deliveries/{delivery_id}/retry": {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /**
                 * @description The endpoint's id.
                 * @example 6b0f5d9e-7a44-4c2b-9f3e-1d8a2c4e5f60
                 */
                id: components["parameters"]["WebhookId"];
                /**
                 * @description The delivery's id (its `webhook-id`).
                 * @example 0e7d1c3a-5b6f-4a8e-9d2c-7f1e3b5a9c80
                 */
                delivery_id: components["schemas"]["Uuid"];
            };
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Send a delivery again now
         * @description Sends the delivery again with the same `webhook-id` (receivers deduplicate by it): a
         *     delivered or given-up one is queued anew, a waiting one is brought forward; its attempt
         *     count goes on. Per endpoint, events still go out in order: a re-sent older event goes
         *     before newer ones still waiting. Refused while the delivery is being sent, and for a
         *     disabled endpoint. No body. Needs the scope `verification:admin`.
         */
        post: operations["retryWebhookDelivery"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/verification-actions-srv/setup/{method}/initiation": {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /**
                 * @description The verification method, case-insensitive (`totp` or `TOTP`); see `GET /verification-srv/config/list`.
                 * @example totp
                 */
                method: components["parameters"]["Method"];
            };
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Start an enrollment
         * @description Creates a fresh 160-bit secret for the caller and returns everything the profile UI
         *     needs to show the QR code: the exchange id (for completing), the status id (for
         *     watching), the secret, the otpauth URI and the QR code rendering it. The secret leaves
         *     the service only in this response (and in a rotation's), which is never cached.
         *
         *     The otpauth URI carries the standard parameters every authenticator app reads
         *     (`secret`, `issuer`, `algorithm`, `digits`, `period`) plus cidaas' extras for a
         *     companion app (`t`, `d`, `tk`, `l`, `sub`, `cid`, `burl`, `eid`).
         *
         *     BACKUPCODE enrolls at once, without an exchange: the answer is the new set of 10 codes
         *     (`BackupcodeSet`), shown only here; calling it again replaces the whole set.
         *
         *     **Step-up:** once the user has an authenticator (of any method), this needs a fresh
         *     second factor: a token with a second-factor `amr` (or `STEP_UP_ACR`) and a recent
         *     `auth_time`, or the `Verification-Assertion` header from a sign-in; else
         *     `401 VER_0014`. The user's first authenticator needs none.
         */
        post: operations["initiateEnrollment"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/verification-srv/v2/setup/initiate/{method}": {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /**
                 * @description The verification method, case-insensitive (`totp` or `TOTP`); see `GET /verification-srv/config/list`.
                 * @example totp
                 */
                method: components["parameters"]["Method"];
            };
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Start an enrollment (cidaas profile UI path)
         * @description The same operation as `POST /verification-actions-srv/setup/{method}/initiation`, at
         *     the path cidaas' own profile UI calls, with the same step-up rule.
         */
        post: operations["initiateEnrollmentV2"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/verification-actions-srv/setup/{method}/rotation/{exchange_id}": {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /**
                 * @description The verification method, case-insensitive (`totp` or `TOTP`); see `GET /verification-srv/config/list`.
                 * @example totp
                 */
                method: components["parameters"]["Method"];
                /**
                 * @description The exchange id from the initiation (or the latest rotation) response.
                 * @example d5edcec1-d306-4cb8-8650-a3eb0330084d
                 */
                exchange_id: components["parameters"]["ExchangeId"];
            };
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Replace an enrollment's secret and exchange id
         * @description For a live enrollment of the caller (e.g. the QR code was shown on a shared screen): a
         *     new secret and exchange id for the same status id, so watchers keep watching. The old
         *     exchange id, and any device that scanned it, stop working (`409 VER_0040`), and the
         *     lifetime starts again. No request body. No step-up: a rotation adds no factor, and
         *     only the holder of the exchange id (from the initiation, which had its step-up) can
         *     ask for it.
         */
        post: operations["rotateEnrollment"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/verification-actions-srv/setup/{method}/resend/{exchange_id}": {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /**
                 * @description The verification method, case-insensitive (`totp` or `TOTP`); see `GET /verification-srv/config/list`.
                 * @example totp
                 */
                method: components["parameters"]["Method"];
                /**
                 * @description The exchange id from the initiation (or the latest rotation) response.
                 * @example d5edcec1-d306-4cb8-8650-a3eb0330084d
                 */
                exchange_id: components["parameters"]["ExchangeId"];
            };
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Send an enrollment's code again
         * @description For methods that send a code to a destination (SMS, EMAIL): sends a new code for a live
         *     enrollment of the caller to the same destination; the previous code stops working and
         *     the lifetime starts again (watchers see the new `expires_at`), but wrong codes typed so
         *     far stay counted. No request body. Counts as an initiation (`INITIATION_RATE_LIMIT`).
         *     Refused for 30 s after the previous code (`429 VER_0075` with `Retry-After`) and past the
         *     send caps (5 codes per destination per 10 minutes, `VER_0076`; 5 per user per hour,
         *     `VER_0077`). A method that sends nothing (TOTP) answers `404 VER_0022`.
         */
        post: operations["resendEnrollmentCode"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/verification-actions-srv/setup/{method}/{exchange_id}": {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /**
                 * @description The verification method, case-insensitive (`totp` or `TOTP`); see `GET /verification-srv/config/list`.
                 * @example totp
                 */
                method: components["parameters"]["Method"];
                /**
                 * @description The exchange id from the initiation (or the latest rotation) response.
                 * @example d5edcec1-d306-4cb8-8650-a3eb0330084d
                 */
                exchange_id: components["parameters"]["ExchangeId"];
            };
            cookie?: never;
        };
        get?: never;
        put?: never;
        post?: never;
        /**
         * Cancel an enrollment
         * @description The caller abandons one of their live enrollments: its secret is erased and watchers
         *     see `CANCELLED`.
         */
        delete: operations["cancelEnrollment"];
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/verification-actions-srv/setup/{method}/verification": {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /**
                 * @description The verification method, case-insensitive (`totp` or `TOTP`); see `GET /verification-srv/config/list`.
                 * @example totp
                 */
                method: components["parameters"]["Method"];
            };
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Complete an enrollment with its first code (profile UI)
         * @description The signed-in user types the first code their authenticator app (any standard one)
         *     shows for the QR code: the enrollment becomes `ENROLLED` and an authenticator is
         *     created. The code is consumed: it cannot be used again to sign in. Wrong codes count;
         *     the last allowed one fails the enrollment. The body is the method's
         *     (`TotpProfileVerification` for TOTP).
         *
         *     FIDO2 and TOUCHID (`WebAuthnProfileVerification`): the page that ran
         *     `navigator.credentials.create` with the initiation's `options` sends the response as
         *     `credential` (or `fido2_client_response`, cidaas' name). It must answer this
         *     enrollment's challenge, on one of the relying party's origins, for its RP ID, with user
         *     verification when the method demands it (TOUCHID: always; FIDO2: never demanded,
         *     since its options only prefer it), from a credential not registered yet. The new
         *     authenticator is named after the authenticator's model (AAGUID) when known, else
         *     "Security key" or "Touch ID".
         */
        post: operations["verifyEnrollment"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/verification-actions-srv/setup/{method}/scan": {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /**
                 * @description The verification method, case-insensitive (`totp` or `TOTP`); see `GET /verification-srv/config/list`.
                 * @example totp
                 */
                method: components["parameters"]["Method"];
            };
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Report that an authenticator app scanned the QR code
         * @description Binds the device to the enrollment (`INITIATED` → `SCANNED`); the profile UI watching
         *     the status sees the change. Repeating the scan from the same device is harmless (apps
         *     retry on a flaky network); another device is refused.
         */
        post: operations["scanEnrollment"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/verification-srv/v2/setup/enroll/{method}": {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /**
                 * @description The verification method, case-insensitive (`totp` or `TOTP`); see `GET /verification-srv/config/list`.
                 * @example totp
                 */
                method: components["parameters"]["Method"];
            };
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Complete an enrollment from the authenticator app
         * @description The device that scanned the QR code proves it holds the secret with its first code
         *     (`SCANNED` → `ENROLLED`). The code is consumed; wrong codes count as for the profile
         *     path.
         */
        post: operations["enrollAuthenticator"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/verification-actions-srv/setup/users/friendlyname/{method}": {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /**
                 * @description The verification method, case-insensitive (`totp` or `TOTP`); see `GET /verification-srv/config/list`.
                 * @example totp
                 */
                method: components["parameters"]["Method"];
            };
            cookie?: never;
        };
        get?: never;
        /**
         * Give an enrolled authenticator a friendly name
         * @description The caller names one of their own authenticators (an admin any of the tenant's). The
         *     name is trimmed.
         */
        put: operations["renameDevice"];
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/verification-actions-srv/devices": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * List enrolled authenticators
         * @description The caller's authenticators, oldest first. With `sub` naming another user, the token
         *     needs the scope `verification:admin`. Secrets are never included.
         */
        get: operations["listDevices"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/verification-actions-srv/devices/{ph_id}": {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /**
                 * @description The authenticator's id.
                 * @example 79e52278-80f4-488f-8adc-5ef3d4c4869d
                 */
                ph_id: components["schemas"]["Uuid"];
            };
            cookie?: never;
        };
        get?: never;
        put?: never;
        post?: never;
        /**
         * Remove an enrolled authenticator
         * @description Removes one of the caller's authenticators (an admin any of the tenant's). Its codes
         *     stop working at once. Removing a PUSH device ends its WebSocket feed and long poll
         *     (`VER_0061`); when it was the user's last PUSH device, the user's waiting PUSH
         *     challenges are cancelled in the same transaction (watchers see CANCELLED).
         *
         *     **Step-up:** removing one's own authenticator needs a fresh second factor (token
         *     claims or `Verification-Assertion`, see the initiation), else `401 VER_0014`. An
         *     admin (`verification:admin`) removes another user's authenticator without it
         *     (account recovery: that user lost the device).
         */
        delete: operations["removeDevice"];
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/verification-actions-srv/activity": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * The caller's recent security events
         * @description The caller's own events from the audit trail, newest first: sign-ins, wrong codes,
         *     replays, refusals while locked, lockouts, enrollment transitions, factors added or
         *     removed (by the user or by an admin), refused step-ups. A profile page polls it to show
         *     a live activity list. `ip` and `user_agent` are shown only for requests the user made
         *     themself (never an admin's or another device's). `next_cursor`, when present, gives the
         *     older events. Every page has a strong `ETag`; send it back as `If-None-Match` to get a
         *     bodiless `304` while the page is unchanged, so polling costs next to nothing.
         */
        get: operations["listActivity"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/verification-srv/authentication/{method}/initiation": {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /**
                 * @description The verification method, case-insensitive (`totp` or `TOTP`); see `GET /verification-srv/config/list`.
                 * @example totp
                 */
                method: components["parameters"]["Method"];
            };
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Start a sign-in challenge
         * @description Starts a sign-in challenge of the method for the caller (a user token), or for the user
         *     named by `sub` (a token with the scope `verification:service`, which must name one): an
         *     exchange id to answer it with and a status id to watch it by polling or over the
         *     WebSocket, exactly like an enrollment (`INITIATED` → `AUTHENTICATED`, `DENIED`,
         *     `EXPIRED`, `CANCELLED` or `FAILED`). The user must have an authenticator of the method.
         *     Counts toward `INITIATION_RATE_LIMIT`, together with enrollments.
         *
         *     The body and the method fields of the answer are the method's (`TotpSignInInitiation`
         *     and `TotpChallengeOffer` for TOTP, whose challenge lives `exchange_lifetime` seconds
         *     and is answered with a code). SMS and EMAIL (`CodeSignInInitiation`, `CodeChallengeOffer`)
         *     send a code to the user's enrolled destination (the one `ph_id` names, else the first)
         *     and answer where it went, masked; the send caps of the enrollment apply.
         *
         *     FIDO2 and TOUCHID (`WebAuthnChallengeOffer`): `options` are the request options for
         *     `navigator.credentials.get`, naming the user's credentials of the method in
         *     `allowCredentials`; the challenge in them works for this exchange only.
         */
        post: operations["initiateSignIn"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/verification-srv/authentication/{method}/verification": {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /**
                 * @description The verification method, case-insensitive (`totp` or `TOTP`); see `GET /verification-srv/config/list`.
                 * @example totp
                 */
                method: components["parameters"]["Method"];
            };
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Verify a sign-in (a code, or the answer to a challenge)
         * @description Checks a code against every authenticator of the user (RFC 6238, ±1 step by default).
         *     A code is accepted once: replaying it, or any earlier one, fails.
         *
         *     With `exchange_id`, the code answers a sign-in challenge of the user started with
         *     `POST /verification-srv/authentication/{method}/initiation`: a right code makes it
         *     `AUTHENTICATED` (watchers of its status id see it, with `ph_id`), and the answer
         *     carries its `status_id`. Wrong codes count in the user's throttle and in the
         *     challenge's attempts: the fifth fails it (`409 VER_0027`). An exchange id of another
         *     user or tenant, of an enrollment or of another method is unknown (`404 VER_0023`).
         *
         *     With a user token the code is the caller's own. With a token carrying the scope
         *     `verification:service` a backend verifies the code of the user named by `sub` (which
         *     is then required). Wrong codes are throttled per user: after a few, the user must
         *     wait (`Retry-After`), and after many the user is locked out for a while.
         *
         *     FIDO2 and TOUCHID (`WebAuthnSignInVerification`) answer a challenge only: the page
         *     that ran `navigator.credentials.get` with its `options` sends the assertion as
         *     `credential` (or `fido2_client_response`). It must be signed by one of the user's
         *     credentials of the method, for this challenge, on an allowed origin, with user
         *     verification for TOUCHID, and with a signature counter above the stored one (an
         *     authenticator that keeps no counter sends 0 every time and passes); a counter that
         *     does not move forward is refused (`403 VER_0085`) and recorded as
         *     `authentication.clone_warning`; any other refused assertion as
         *     `authentication.invalid_response` with its code. A refused assertion is not counted in
         *     the throttle.
         *
         *     A success carries `assertion`, the proof of this fresh second factor that adding or
         *     removing factors asks for: send it back as the `Verification-Assertion` header within
         *     5 minutes (and within `STEP_UP_MAX_AGE_S`).
         */
        post: operations["verifySignIn"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/verification-srv/authentication/{method}/{exchange_id}": {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /**
                 * @description The verification method, case-insensitive (`totp` or `TOTP`); see `GET /verification-srv/config/list`.
                 * @example totp
                 */
                method: components["parameters"]["Method"];
                /**
                 * @description The exchange id from the initiation (or the latest rotation) response.
                 * @example d5edcec1-d306-4cb8-8650-a3eb0330084d
                 */
                exchange_id: components["parameters"]["ExchangeId"];
            };
            cookie?: never;
        };
        get?: never;
        put?: never;
        post?: never;
        /**
         * Cancel a sign-in challenge
         * @description The user (or a backend with `verification:service`, naming the user with `?sub=`)
         *     abandons a live sign-in challenge: watchers see `CANCELLED`, and it can no longer be
         *     answered. The status id cannot cancel anything.
         */
        delete: operations["cancelSignIn"];
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/verification-srv/v2/devices/challenges": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * A PUSH device's pending sign-in challenges (long poll)
         * @description The live PUSH challenges of the device's user, oldest first: message, details, whether
         *     the user must type the sign-in screen's number, and the exchange id to sign the answer
         *     over. Never the number and never the hidden details. With `?wait=N` (≤ 30) an empty
         *     answer is held until a challenge is started (on any instance) or N seconds pass.
         *
         *     Authenticated by the device itself: `Authorization: Device <jws>`, a compact JWS by its
         *     enrolled key, header `kid` = its `ph_id`, payload `{aud: "verification-device", iat,
         *     exp, jti}` with `exp` at most 5 minutes after `iat`. Each `jti` works once. A deleted
         *     device is refused, and a long poll held for a device deleted meanwhile ends at once
         *     with `401 VER_0061`.
         */
        get: operations["listPendingPushChallenges"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/verification-srv/v2/authenticate/push/response": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * A PUSH device approves or denies a sign-in challenge
         * @description The device's signed answer (see `PushResponseRequest`). Approving with the number the
         *     sign-in screen shows makes the challenge `AUTHENTICATED` (its watchers see it, with
         *     `ph_id`); denying, or approving with a wrong or missing number, makes it `DENIED`.
         *     Exactly one answer decides: any later one, or a replay of it, is a 409. A challenge of
         *     another user, or of another tenant, is unknown (`404 VER_0023`).
         *
         *     Push fatigue: three denials within 10 minutes, or one answer with `reason: "fraud"`,
         *     lock PUSH sign-in for the user for 15 minutes (`429 VER_0067` on initiation).
         */
        post: operations["answerPushChallenge"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/verification-srv/verificationstatus/{status_id}": {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /**
                 * @description The status id from the initiation response.
                 * @example 04dca6fd-2cd7-4a9d-9d94-851be71d6344
                 */
                status_id: components["schemas"]["Uuid"];
            };
            cookie?: never;
        };
        /**
         * Read the status of an enrollment or a sign-in challenge
         * @description The current status of the enrollment or sign-in challenge. A live one whose lifetime
         *     ended is reported (and stored) as `EXPIRED`. `ph_id` (and `device_id`, when a companion
         *     app enrolled) appear once the status is `ENROLLED`, or `AUTHENTICATED` for a challenge.
         *
         *     Every answer has a strong `ETag`; send it back as `If-None-Match` to get `304` while
         *     nothing changed. With `?wait=N` the request is held for up to N seconds until the
         *     status moves past the one the caller has (its `If-None-Match`, or else the current
         *     one), and answered at once when it already differs. Other query parameters (such as a
         *     cache-buster `_`) are ignored.
         */
        get: operations["getEnrollmentStatus"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/verification-srv/dev/outbox": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Read the codes sent to a destination (development only)
         * @description **Absent in production** (`404 VER_0005`). The latest messages (at most 10, newest
         *     first, from the last hour) that the development `log` provider (`SMS_PROVIDER=log`,
         *     `EMAIL_PROVIDER=log`, the default outside production) sent to one phone number or
         *     email address, with their codes, so a developer, the demo pages or a test can read a
         *     code without a phone or a mailbox. The destination is normalised as the SMS and email
         *     methods store it (E.164 for a phone number: encode `+` as `%2B`; an unencoded `+`
         *     that arrives as a space is put back). Messages sent through any other provider are
         *     not kept. Nothing here needs a token: never enable the `log` provider where real
         *     users are.
         */
        get: operations["readDevOutbox"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/healthz": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Liveness
         * @description Answers as long as the process serves requests; touches nothing else.
         */
        get: operations["getHealth"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/readyz": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Readiness
         * @description Ready when the database is reachable, every migration is applied and the status-event
         *     listener is connected. Never cached.
         */
        get: operations["getReadiness"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/metrics": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Prometheus metrics
         * @description Process metrics plus `http_requests_total` and `http_request_duration_seconds` by
         *     method, route template (never the raw path, which may carry an exchange id) and
         *     status. Unknown paths are counted under `route="unmatched"`. When `METRICS_PORT` is
         *     set, this is served only on that port (by a server answering nothing else), and the
         *     API port answers `404 VER_0005` here.
         */
        get: operations["getMetrics"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/openapi.yaml": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * This contract
         * @description This OpenAPI document, as YAML.
         */
        get: operations["getOpenApi"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/asyncapi.yaml": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * The WebSocket's contract
         * @description The AsyncAPI document of the status WebSocket `/verification-srv/ws`, as YAML.
         */
        get: operations["getAsyncApi"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/docs": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * API reference
         * @description This contract rendered as a readable reference (Redoc), with no request to the internet.
         */
        get: operations["getDocs"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/docs/redoc.standalone.js": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * API reference renderer
         * @description The Redoc script `/docs` loads, served from the installed `redoc` package.
         */
        get: operations["getDocsScript"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/verification-srv/dev/webauthn": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * WebAuthn ceremony test page
         * @description A page that runs `navigator.credentials.create` or `navigator.credentials.get` with the
         *     options pasted into it (or handed to `window.webauthnCeremony.register(options)` /
         *     `.authenticate(options)` by a test driver) and shows the response JSON to send to a
         *     FIDO2/TOUCHID verification. It holds no state and reads no token. Open it on
         *     `http://localhost:<port>`: browsers offer WebAuthn only in secure contexts, and
         *     outside production a page on localhost is the default relying party when none is
         *     configured. Not served in production.
         */
        get: operations["getDevWebauthnPage"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/verification-srv/dev/webauthn/ceremony.js": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * WebAuthn ceremony test page script
         * @description The page's script (`window.webauthnCeremony`). Not served in production.
         */
        get: operations["getDevWebauthnScript"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/verification-srv/dev/webauthn/simplewebauthn-browser.js": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * @simplewebauthn/browser bundle
         * @description The UMD bundle of the installed `@simplewebauthn/browser` (global
         *     `SimpleWebAuthnBrowser`), served so the page needs nothing from the internet and no
         *     build step. Not served in production.
         */
        get: operations["getDevWebauthnLibrary"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/demo": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Demo profile page
         * @description The demo's profile page (DESIGN §14): sign in as a demo user, list the methods the
         *     tenant has active, enroll one (TOTP: QR code, "can't scan?" secret, first code) while
         *     following its status over the WebSocket (polling every 4 s when the socket is
         *     unavailable), rename and remove authenticators, and prove a second factor when a change
         *     asks for step-up. A plain HTML page loading ES modules from `/demo/assets/` and
         *     `/demo/methods/`, no build step. Served while `DEMO` is on (the default outside
         *     production; production refuses it); the actions process serves it too.
         */
        get: operations["getDemoProfilePage"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/demo/login": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Demo sign-in page
         * @description The second step of a sign-in: pick a method, answer its challenge (TOTP: type a code),
         *     see `AUTHENTICATED`, or the refusal (wrong code, with the wait when throttled; locked).
         *     Served while `DEMO` is on.
         */
        get: operations["getDemoSignInPage"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/demo/authenticator": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Demo companion authenticator
         * @description A phone-sized stand-in for cidaas' authenticator app: reads an enrollment QR code from
         *     an image, the camera or a pasted `otpauth://` link (with `jsqr`), enrolls through the
         *     app path (`…/setup/totp/scan`, then `…/v2/setup/enroll/totp` with its own device id and
         *     no user token), keeps its accounts and device key in the browser's IndexedDB and shows
         *     the rolling codes. It talks only to the service that served it (a QR code whose `burl`
         *     names another origin is refused). Served while `DEMO` is on.
         */
        get: operations["getDemoAuthenticatorPage"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/demo/assets/{file}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Demo pages' scripts and styles
         * @description The pages' own files from `services/demo/public/assets/`, served as they are: ES
         *     modules (`text/javascript`) and the stylesheet. A name is one path segment of lower-case
         *     letters, digits and dashes with an extension of a served type (`.js`, `.css`, `.svg`),
         *     so nothing outside the folder can be named (`..%2f` is a 404 like any unknown name).
         *     Revalidated on every load (`no-cache` with an ETag). Served while `DEMO` is on.
         */
        get: operations["getDemoAsset"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/demo/methods/{file}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Demo pages' method modules
         * @description One ES module per verification method (`totp.js`, …) and their list (`index.js`), from
         *     `services/demo/public/methods/`, under the same rules as `/demo/assets/{file}`.
         */
        get: operations["getDemoMethodModule"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/demo/vendor/{file}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Browser libraries the demo pages use
         * @description Browser builds of installed packages, straight from `node_modules` (no CDN, no
         *     internet), by an allow-list: `jsqr.js` (jsQR's UMD build, global `jsQR`),
         *     `otpauth.js` (otpauth's ESM browser build), `simplewebauthn-browser.js`
         *     (@simplewebauthn/browser's UMD build, global `SimpleWebAuthnBrowser`). Any other name
         *     is a 404. Cached for a day (`public, max-age=86400`) with an ETag. Served while `DEMO` is on.
         */
        get: operations["getDemoLibrary"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/demo/session": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Sign in as a demo user
         * @description Mints a bearer token for any user name (and tenant) the demo pages ask for, as
         *     `npm run token` does: signed with `JWT_SECRET` for `JWT_ISSUER`/`JWT_AUDIENCE`, valid
         *     for an hour (at most `JWT_MAX_AGE_S`), **without scope or `amr`**, so it proves a
         *     password at most: admin and service calls are refused to it, and once the user has a
         *     factor, adding or removing one still needs step-up. The page keeps it in
         *     `sessionStorage`. Exists only while `DEMO` is on, which production refuses: anyone
         *     who reaches a demo instance can act as any of its users. With `JWT_JWKS_URL` this
         *     service holds no signing key: `409 VER_0008`, and the page asks for a pasted token.
         */
        post: operations["createDemoSession"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
}
export type webhooks = Record<string, never>;
export interface components {
    schemas: {
        /**
         * Format: uuid
         * @description A UUID in any RFC 4122 layout, either case.
         * @example d5edcec1-d306-4cb8-8650-a3eb0330084d
         */
        Uuid: string;
        /**
         * Format: date-time
         * @description An ISO 8601 UTC time with milliseconds.
         * @example 2024-01-12T21:12:30.108Z
         */
        Timestamp: string;
        /**
         * @description A user id (`sub`) as the identity provider issues it (no control characters).
         * @example da65eb32-d460-4355-8b94-ee061896712f
         */
        Subject: string;
        /**
         * @description The code shown by the authenticator app (as many digits as the tenant configured).
         * @example 492039
         */
        PassCode: string;
        /**
         * @description A code SMS or EMAIL delivered (as many digits as the tenant configured, 4 to 10).
         * @example 048213
         */
        OneTimeCode: string;
        /**
         * @description A verification method this service implements, as cidaas names it (upper case; lower case as `{method}` in paths).
         * @enum {string}
         */
        VerificationType: "TOTP" | "PUSH" | "SMS" | "EMAIL" | "BACKUPCODE" | "TOUCHID" | "FIDO2";
        /** @enum {string} */
        HashAlgorithm: "SHA1" | "SHA256" | "SHA512";
        /**
         * @description An enrollment: `INITIATED` (QR code shown) → `SCANNED` (a companion app read it) →
         *     `ENROLLED`; `INITIATED` → `ENROLLED` directly from the profile UI. `EXPIRED`,
         *     `CANCELLED` and `FAILED` (too many wrong codes) end an enrollment too.
         *
         *     A sign-in challenge: `INITIATED` → `AUTHENTICATED` (answered; `ph_id` names the
         *     authenticator), `DENIED` (refused on the device), `EXPIRED`, `CANCELLED` or `FAILED`
         *     (too many wrong codes).
         *
         *     Terminal states never change.
         * @enum {string}
         */
        ExchangeStatusValue: "INITIATED" | "SCANNED" | "ENROLLED" | "AUTHENTICATED" | "DENIED" | "EXPIRED" | "CANCELLED" | "FAILED";
        /**
         * @description Every code a client can see. Codes never change meaning once published.
         *
         *     | code | status | meaning |
         *     |---|---|---|
         *     | VER_0001 | 400 | The request is invalid |
         *     | VER_0002 | 400 | The request body is not valid JSON |
         *     | VER_0003 | 413 | The request body is too large |
         *     | VER_0004 | 415 | The request body must be application/json |
         *     | VER_0005 | 404 | No such endpoint |
         *     | VER_0006 | 405 | Method not allowed on this endpoint |
         *     | VER_0007 | 400 | The id is not a valid UUID |
         *     | VER_0008 | 409 | Demo sign-in needs JWT_SECRET; paste a token from the identity provider instead |
         *     | VER_0009 | 400 | The request body does not decode with its Content-Encoding |
         *     | VER_0010 | 401 | A bearer token is required |
         *     | VER_0011 | 401 | The bearer token is invalid |
         *     | VER_0012 | 403 | The token lacks a required scope |
         *     | VER_0013 | 403 | Not allowed for this caller |
         *     | VER_0014 | 401 | A fresh second factor is required |
         *     | VER_0015 | 409 | A factor was enrolled since this enrollment started; start again with a fresh second factor |
         *     | VER_0020 | 404 | Unknown verification method |
         *     | VER_0021 | 409 | The verification method is not active for this tenant |
         *     | VER_0022 | 404 | The verification method does not support this operation |
         *     | VER_0023 | 404 | No such sign-in challenge |
         *     | VER_0024 | 409 | The sign-in challenge has expired |
         *     | VER_0025 | 409 | The sign-in challenge was already answered |
         *     | VER_0026 | 409 | The sign-in challenge was cancelled |
         *     | VER_0027 | 409 | The sign-in challenge failed after too many wrong codes |
         *     | VER_0028 | 409 | The sign-in challenge was denied |
         *     | VER_0029 | 409 | The sign-in challenge has not been answered yet |
         *     | VER_0030 | 404 | No such enrollment |
         *     | VER_0031 | 409 | The enrollment has expired |
         *     | VER_0032 | 409 | The enrollment is already complete |
         *     | VER_0033 | 409 | The enrollment was cancelled |
         *     | VER_0034 | 409 | The enrollment failed after too many wrong codes |
         *     | VER_0035 | 409 | The enrollment must be scanned by the authenticator app first |
         *     | VER_0036 | 409 | The enrollment was already scanned by another device |
         *     | VER_0037 | 403 | The client is not the authenticator client of this enrollment |
         *     | VER_0038 | 403 | The device is not the one that scanned this enrollment |
         *     | VER_0039 | 409 | The maximum number of authenticators is reached |
         *     | VER_0040 | 409 | The exchange was replaced by a rotation |
         *     | VER_0041 | 400 | The code is invalid |
         *     | VER_0042 | 429 | Too many wrong codes; try again later |
         *     | VER_0043 | 409 | The user has no enrolled authenticator for this method |
         *     | VER_0044 | 404 | No such authenticator |
         *     | VER_0050 | 429 | Too many requests; try again later |
         *     | VER_0060 | 401 | A device token is required (Authorization: Device <jws>) |
         *     | VER_0061 | 401 | The device token is invalid |
         *     | VER_0062 | 401 | The device token was already used |
         *     | VER_0063 | 400 | The public key is not an accepted public JWK (EC P-256 or OKP Ed25519) |
         *     | VER_0064 | 400 | The proof of possession is not a JWS by this key over this exchange |
         *     | VER_0065 | 400 | The push response is not a valid, current JWS by an enrolled device |
         *     | VER_0066 | 429 | Too many push challenges are waiting for an answer |
         *     | VER_0067 | 429 | Push sign-in is locked for this user after denied challenges |
         *     | VER_0070 | 400 | The phone number is not valid |
         *     | VER_0071 | 400 | The phone number cannot receive SMS codes |
         *     | VER_0072 | 400 | Phone numbers of this country are not accepted |
         *     | VER_0073 | 400 | The email address is not valid |
         *     | VER_0074 | 503 | No provider is configured to deliver codes on this channel |
         *     | VER_0075 | 429 | A code was sent moments ago; wait before asking for another |
         *     | VER_0076 | 429 | Too many codes were sent to this destination; try again later |
         *     | VER_0077 | 429 | Too many codes were sent for this user; try again later |
         *     | VER_0078 | 409 | This destination is already enrolled for the user |
         *     | VER_0079 | 404 | The user has no enrolled destination with this id |
         *     | VER_0080 | 400 | The WebAuthn response is invalid |
         *     | VER_0081 | 403 | The origin is not allowed for this relying party |
         *     | VER_0082 | 400 | The WebAuthn response is for another relying party |
         *     | VER_0083 | 400 | The WebAuthn response does not answer the current challenge |
         *     | VER_0084 | 400 | The authenticator did not verify the user |
         *     | VER_0085 | 403 | The signature counter went backwards; the authenticator may be cloned |
         *     | VER_0086 | 409 | The credential is already registered |
         *     | VER_0087 | 400 | The credential is not registered for this user |
         *     | VER_0088 | 409 | No WebAuthn relying party is configured for this tenant |
         *     | VER_0089 | 400 | The method needs the device's own (platform) authenticator |
         *     | VER_0090 | 404 | No such webhook endpoint |
         *     | VER_0091 | 409 | The tenant has the maximum number of webhook endpoints |
         *     | VER_0092 | 400 | The webhook URL is not allowed |
         *     | VER_0093 | 404 | No such webhook delivery |
         *     | VER_0094 | 409 | The webhook delivery cannot be retried now |
         *     | VER_0095 | 400 | A backup code is 10 letters and digits (xxxxx-xxxxx), without 0, 1, i, l or o |
         *     | VER_0096 | 409 | Every backup code was used; generate a new set |
         *     | VER_0097 | 409 | These backup codes can no longer be checked; generate a new set |
         *     | VER_0503 | 503 | The service is temporarily unavailable |
         *     | VER_0500 | 500 | Internal server error |
         * @enum {string}
         */
        ErrorCode: "VER_0001" | "VER_0002" | "VER_0003" | "VER_0004" | "VER_0005" | "VER_0006" | "VER_0007" | "VER_0008" | "VER_0009" | "VER_0010" | "VER_0011" | "VER_0012" | "VER_0013" | "VER_0014" | "VER_0015" | "VER_0020" | "VER_0021" | "VER_0022" | "VER_0023" | "VER_0024" | "VER_0025" | "VER_0026" | "VER_0027" | "VER_0028" | "VER_0029" | "VER_0030" | "VER_0031" | "VER_0032" | "VER_0033" | "VER_0034" | "VER_0035" | "VER_0036" | "VER_0037" | "VER_0038" | "VER_0039" | "VER_0040" | "VER_0041" | "VER_0042" | "VER_0043" | "VER_0044" | "VER_0050" | "VER_0060" | "VER_0061" | "VER_0062" | "VER_0063" | "VER_0064" | "VER_0065" | "VER_0066" | "VER_0067" | "VER_0070" | "VER_0071" | "VER_0072" | "VER_0073" | "VER_0074" | "VER_0075" | "VER_0076" | "VER_0077" | "VER_0078" | "VER_0079" | "VER_0080" | "VER_0081" | "VER_0082" | "VER_0083" | "VER_0084" | "VER_0085" | "VER_0086" | "VER_0087" | "VER_0088" | "VER_0089" | "VER_0090" | "VER_0091" | "VER_0092" | "VER_0093" | "VER_0094" | "VER_0095" | "VER_0096" | "VER_0097" | "VER_0503" | "VER_0500";
        /** @description Messages the development `log` provider sent to one destination, newest first. */
        DevOutbox: {
            /** @description The destination as looked up (normalised). */
            to: string;
            messages: {
                id: components["schemas"]["Uuid"];
                /** @enum {string} */
                channel: "sms" | "email";
                to: string;
                /** @description The code the message carries. */
                code: string;
                /** @description The SMS text, or the plain-text body of the email. */
                text: string;
                /** @description Email only. */
                subject?: string;
                /** @description Email only, the HTML body. */
                html?: string;
                /** Format: date-time */
                sent_at: string;
            }[];
        };
        /** @description An error (RFC 9457 problem details) with a stable `code`. Never a stack trace. */
        Problem: {
            /**
             * Format: uri
             * @description `urn:verification-srv:problem:` followed by the code.
             */
            type: string;
            /** @description The code's fixed title. */
            title: string;
            /** @description The HTTP status. */
            status: number;
            code: components["schemas"]["ErrorCode"];
            /** @description What went wrong in this request, for a developer (it names the first bad field). */
            detail: string;
            /** @description Every invalid field (`VER_0001` only). */
            errors?: components["schemas"]["FieldError"][];
            /** @description Wrong codes left before the enrollment fails (`VER_0041` while enrolling). */
            remaining_attempts?: number;
            /** @description Seconds before the user may try again (`VER_0042`, `VER_0050`, and `VER_0041` once wrong sign-in codes start to back off). */
            retry_after?: number;
            /**
             * @description Why a phone number is not valid (`VER_0070`).
             * @enum {string}
             */
            reason?: "NOT_A_NUMBER" | "INVALID_COUNTRY" | "TOO_SHORT" | "TOO_LONG" | "INVALID_LENGTH" | "INVALID" | "EXTENSION";
            /** @description The kind of number refused (`VER_0071`), as libphonenumber names it, e.g. `FIXED_LINE`, `TOLL_FREE`, `VOIP`. */
            number_type?: string;
            /** @description The ISO 3166-1 alpha-2 country of a refused phone number (`VER_0072`). */
            country?: string;
        };
        FieldError: {
            /** @description The field's path (`settings.digits`), or `body`/`query` for the whole of it. */
            field: string;
            message: string;
        };
        DemoSessionRequest: {
            /**
             * @description The user to sign in as.
             * @example alice
             */
            sub: string;
            /** @description The tenant (`tid`); the default tenant when absent. */
            tenant?: string;
        };
        DemoSession: {
            /** @description The bearer token (HS256 JWT with `sub`, `tid` when given, `iat`, `exp`, and `iss`/`aud` when configured). */
            token: string;
            sub: string;
            tenant: string;
            expires_at: components["schemas"]["Timestamp"];
        };
        MethodSummary: {
            verificationType: components["schemas"]["VerificationType"];
            active: boolean;
        };
        /** @description The settings of the method named in the path, defaults included. */
        MethodSettings: components["schemas"]["TotpSettings"] | components["schemas"]["PushSettings"] | components["schemas"]["BackupcodeSettings"] | components["schemas"]["SmsSettings"] | components["schemas"]["EmailSettings"] | components["schemas"]["WebAuthnSettings"];
        /** @description SMS's settings, with the defaults every tenant starts with. */
        SmsSettings: {
            /** @description Digits per code. */
            digits: number;
            /** @description Seconds a code (and its enrollment or challenge) stays valid. */
            exchange_lifetime: number;
            /** @description Destinations of this method one user may enroll. */
            max_devices: number;
            /** @description The name messages say the code is from (trimmed, no control characters); null for the tenant id. */
            sender_name: string | null;
            /** @description ISO 3166-1 alpha-2 country of numbers typed without `+` (national format); null requires `+`. */
            default_country: string | null;
            /** @description Countries (ISO 3166-1 alpha-2) whose numbers are accepted, against SMS pumping; empty accepts every country. */
            allowed_countries: string[];
        };
        /** @description EMAIL's settings, with the defaults every tenant starts with. */
        EmailSettings: {
            /** @description Digits per code. */
            digits: number;
            /** @description Seconds a code (and its enrollment or challenge) stays valid. */
            exchange_lifetime: number;
            /** @description Destinations of this method one user may enroll. */
            max_devices: number;
            /** @description The name messages say the code is from (trimmed, no control characters); null for the tenant id. */
            sender_name: string | null;
        };
        /** @description TOTP's settings, with the defaults every tenant starts with. */
        TotpSettings: {
            algorithm: components["schemas"]["HashAlgorithm"];
            /** @default 6 */
            digits: number;
            /**
             * @description Seconds per TOTP step.
             * @default 30
             */
            period: number;
            /**
             * @description Steps accepted on each side of the current one.
             * @default 1
             */
            window: number;
            /**
             * @description Seconds an enrollment exchange stays usable.
             * @default 600
             */
            exchange_lifetime: number;
            /**
             * @description Authenticators of this method one user may have.
             * @default 5
             */
            max_devices: number;
            /**
             * @description The issuer shown by authenticator apps; the tenant id when null.
             * @default null
             */
            issuer: string | null;
        };
        /** @description BACKUPCODE's settings, with the defaults every tenant starts with. */
        BackupcodeSettings: {
            /**
             * @description A sign-in that leaves this many codes or fewer also records `backupcodes.low`.
             * @default 3
             */
            low_remaining: number;
            /**
             * @description Common to every method; unused (backup codes have no exchange).
             * @default 600
             */
            exchange_lifetime: number;
            /**
             * @description Common to every method; unused (a user has one set of codes at most).
             * @default 1
             */
            max_devices: number;
        };
        MethodConfig: {
            verificationType: components["schemas"]["VerificationType"];
            active: boolean;
            settings: components["schemas"]["MethodSettings"];
        };
        /** @description A partial change; members left out keep their value. */
        MethodChange: {
            active?: boolean;
            settings?: components["schemas"]["MethodSettingsPatch"];
        };
        /** @description A partial change of the settings of the method named in the path. */
        MethodSettingsPatch: components["schemas"]["TotpSettingsPatch"] | components["schemas"]["PushSettingsPatch"] | components["schemas"]["BackupcodeSettingsPatch"] | components["schemas"]["SmsSettingsPatch"] | components["schemas"]["EmailSettingsPatch"] | components["schemas"]["WebAuthnSettingsPatch"];
        /**
         * @description A partial change of SMS's settings.
         * @example {
         *       "default_country": "DE",
         *       "allowed_countries": [
         *         "DE",
         *         "AT",
         *         "CH"
         *       ]
         *     }
         */
        SmsSettingsPatch: {
            /** @description Digits per code. */
            digits?: number;
            /** @description Seconds a code (and its enrollment or challenge) stays valid. */
            exchange_lifetime?: number;
            /** @description Destinations of this method one user may enroll. */
            max_devices?: number;
            /** @description The name messages say the code is from (trimmed, no control characters); null for the tenant id. */
            sender_name?: string | null;
            /** @description ISO 3166-1 alpha-2 country of numbers typed without `+` (national format); null requires `+`. */
            default_country?: string | null;
            /** @description Countries (ISO 3166-1 alpha-2) whose numbers are accepted, against SMS pumping; empty accepts every country. */
            allowed_countries?: string[];
        };
        /**
         * @description A partial change of EMAIL's settings.
         * @example {
         *       "digits": 8,
         *       "sender_name": "Acme"
         *     }
         */
        EmailSettingsPatch: {
            /** @description Digits per code. */
            digits?: number;
            /** @description Seconds a code (and its enrollment or challenge) stays valid. */
            exchange_lifetime?: number;
            /** @description Destinations of this method one user may enroll. */
            max_devices?: number;
            /** @description The name messages say the code is from (trimmed, no control characters); null for the tenant id. */
            sender_name?: string | null;
        };
        /**
         * @description A partial change of TOTP's settings.
         * @example {
         *       "digits": 8,
         *       "exchange_lifetime": 900,
         *       "issuer": "Acme"
         *     }
         */
        TotpSettingsPatch: {
            algorithm?: components["schemas"]["HashAlgorithm"];
            digits?: number;
            /** @description Seconds per TOTP step. */
            period?: number;
            /** @description Steps accepted on each side of the current one (clock drift). */
            window?: number;
            /** @description Seconds an enrollment exchange stays usable. */
            exchange_lifetime?: number;
            max_devices?: number;
            /**
             * @description The issuer label authenticator apps show (trimmed; no `:`, which separates issuer
             *     and account in otpauth URIs, and no control characters); null for the tenant id.
             */
            issuer?: string | null;
        };
        /**
         * @description A partial change of BACKUPCODE's settings.
         * @example {
         *       "low_remaining": 2
         *     }
         */
        BackupcodeSettingsPatch: {
            low_remaining?: number;
            exchange_lifetime?: number;
            max_devices?: number;
        };
        /** @description What the profile UI may send to start an enrollment of the method named in the path. */
        InitiationRequest: components["schemas"]["TotpInitiation"] | components["schemas"]["PushInitiation"] | components["schemas"]["BackupcodeInitiation"] | components["schemas"]["SmsInitiation"] | components["schemas"]["EmailInitiation"] | components["schemas"]["WebAuthnInitiation"];
        /**
         * @description The mobile number to send codes to, in international (`+49…`) or, with the tenant's `default_country`, national format.
         * @example {
         *       "phone_number": "+49 151 23456789"
         *     }
         */
        SmsInitiation: {
            phone_number: string;
            /** @description Sent by cidaas' profile UI; accepted and ignored. */
            deviceInfo?: {
                [key: string]: unknown;
            };
        };
        /**
         * @description The email address to send codes to.
         * @example {
         *       "email": "alice@example.com"
         *     }
         */
        EmailInitiation: {
            email: string;
            /** @description Sent by cidaas' profile UI; accepted and ignored. */
            deviceInfo?: {
                [key: string]: unknown;
            };
        };
        /**
         * @example {
         *       "client_id": "532542d2-c6b8-4921-86b6-bb1da13f941b"
         *     }
         */
        TotpInitiation: {
            /** @description The companion authenticator app's client id; a fresh one per enrollment when absent. */
            client_id?: components["schemas"]["Uuid"];
            /** @description Sent by cidaas' profile UI; accepted and ignored. */
            deviceInfo?: {
                [key: string]: unknown;
            };
        } & {
            [key: string]: unknown;
        };
        /**
         * @description Generating backup codes takes no options.
         * @example {}
         */
        BackupcodeInitiation: Record<string, never>;
        /**
         * @description What starting an enrollment answers: an exchange to complete (`EnrollmentOffer`), or,
         *     for a method that enrolls at once (BACKUPCODE), what it enrolled.
         */
        InitiationResult: components["schemas"]["EnrollmentOffer"] | components["schemas"]["BackupcodeSet"];
        /** @description An enrollment started (or rotated) of the method named in the path. */
        EnrollmentOffer: components["schemas"]["TotpEnrollmentOffer"] | components["schemas"]["PushEnrollmentOffer"] | components["schemas"]["CodeEnrollmentOffer"] | components["schemas"]["WebAuthnEnrollmentOffer"];
        /** @description An SMS or EMAIL enrollment whose code is on its way to `destination`. */
        CodeEnrollmentOffer: {
            exchange_id: components["schemas"]["ExchangeRef"];
            /** @description Watch the enrollment with it; it completes nothing. */
            status_id: components["schemas"]["Uuid"];
            /** @description Where the code went, masked (`+49•••••789`, `a•••@example.com`). */
            destination: string;
            /** @description When a resend will be accepted (30 s after this code). */
            resend_after: components["schemas"]["Timestamp"];
        };
        /**
         * @description A new set of backup codes, replacing any previous one: shown only in this answer (never
         *     cached, stored only as HMACs). Each code signs in once; input is compared ignoring case,
         *     spaces and dashes.
         */
        BackupcodeSet: {
            /** @description The set's authenticator (the same across regenerations). */
            ph_id: components["schemas"]["Uuid"];
            /**
             * @example [
             *       "k7m2p-9xq4r",
             *       "3hfw8-tz6nc",
             *       "u4e9j-rb2ms",
             *       "8vqa5-dk3hy",
             *       "m2n7t-pw9xe",
             *       "c6gz4-hs8jf",
             *       "y3ud7-qn5kb",
             *       "9tre2-fm6wa",
             *       "h8kx3-vc4pz",
             *       "5jsn9-ag7ud"
             *     ]
             */
            codes: string[];
            generated_at: components["schemas"]["Timestamp"];
        };
        TotpEnrollmentOffer: {
            exchange_id: components["schemas"]["ExchangeRef"];
            /** @description Watch the enrollment with it; it completes nothing. */
            status_id: components["schemas"]["Uuid"];
            /** @description The enrolling user. */
            sub: string;
            /** @description The client id a companion app must present (`cid` in the URI). */
            authenticator_client_id: components["schemas"]["Uuid"];
            /** @description The 160-bit secret, base32 without padding. Shown once; never stored by the client. */
            totp_secret: string;
            /**
             * @description The `otpauth://totp/...` URI the QR code encodes: the Key Uri Format parameters plus
             *     cidaas' extras (`t`, `d`, `tk`, `l`, `sub`, `cid`, `burl`, `eid`) a companion app needs.
             */
            otpauth_uri: string;
            /**
             * @description The same secret and settings with only the Key Uri Format parameters (`secret`,
             *     `issuer`, `algorithm`, `digits`, `period`), for apps and libraries that refuse
             *     unknown parameters (e.g. pyotp 2.6: `t is not a valid parameter`). The issuer is the
             *     label prefix; the `issuer` parameter is omitted when the issuer contains `&`, `+` or
             *     `%`, which parsers that decode the URI twice would misread (`:`, `?` and `#` in names
             *     become spaces). It carries no exchange id, so an app given it cannot complete the
             *     enrollment itself: the user types its first code into the profile UI.
             */
            otpauth_uri_standard: string;
            /**
             * @description The QR code of `otpauth_uri`, 256 px with error correction level M: a PNG data URL, or
             *     an SVG one with `?qr=svg`. Absent with `?qr=none`.
             */
            qr_code?: string;
        };
        /** @description The exchange id (for completing the enrollment) and when it stops working. */
        ExchangeRef: {
            exchange_id: components["schemas"]["Uuid"];
            expires_at: components["schemas"]["Timestamp"];
        };
        /**
         * @description What anyone holding a status id sees (the seed's shape plus timing). Enrollments and
         *     sign-in challenges have the same document, without a member saying which: whoever
         *     watches a status id started it and knows, and the statuses differ past `INITIATED`.
         */
        StatusDocument: {
            status: components["schemas"]["ExchangeStatusValue"];
            /** @description The status id. */
            id: components["schemas"]["Uuid"];
            sub: string;
            type: components["schemas"]["VerificationType"];
            /** @description The new authenticator's id (ENROLLED only). */
            ph_id?: components["schemas"]["Uuid"];
            /** @description The device that scanned the code (ENROLLED through a companion app only). */
            device_id?: string;
            /**
             * @description SMS and EMAIL, while the exchange is live: where the code's message is. `queued`
             *     until the provider took it (retries included), then `sent`, or `failed` when the
             *     provider refused it or every retry failed (start again, or resend). Never the code
             *     or the full destination.
             */
            delivery?: {
                /** @enum {string} */
                state: "queued" | "sent" | "failed";
                /** @description The destination, masked (`+49•••••789`). */
                to: string;
            };
            expires_at: components["schemas"]["Timestamp"];
            updated_at: components["schemas"]["Timestamp"];
        };
        /** @description The profile UI's proof completing an enrollment of the method named in the path. */
        ProfileVerificationRequest: components["schemas"]["TotpProfileVerification"] | components["schemas"]["CodeProfileVerification"] | components["schemas"]["WebAuthnProfileVerification"];
        /**
         * @description The code SMS or EMAIL delivered.
         * @example {
         *       "exchange_id": "d5edcec1-d306-4cb8-8650-a3eb0330084d",
         *       "pass_code": "048213"
         *     }
         */
        CodeProfileVerification: {
            exchange_id: components["schemas"]["Uuid"];
            pass_code: components["schemas"]["OneTimeCode"];
        };
        /**
         * @description The first code the user's authenticator app shows.
         * @example {
         *       "exchange_id": "d5edcec1-d306-4cb8-8650-a3eb0330084d",
         *       "pass_code": "492039"
         *     }
         */
        TotpProfileVerification: {
            exchange_id: components["schemas"]["Uuid"];
            pass_code: components["schemas"]["PassCode"];
        };
        /**
         * @description What every method whose enrollment a companion app scans takes.
         * @example {
         *       "exchange_id": "d5edcec1-d306-4cb8-8650-a3eb0330084d",
         *       "client_id": "532542d2-c6b8-4921-86b6-bb1da13f941b",
         *       "device_id": "dd7e81392ff7bbd3"
         *     }
         */
        ScanRequest: {
            /** @description `eid` from the QR code. */
            exchange_id: components["schemas"]["Uuid"];
            /** @description `cid` from the QR code. */
            client_id: components["schemas"]["Uuid"];
            device_id: components["schemas"]["DeviceId"];
            push_id?: components["schemas"]["PushId"];
        };
        /** @description The companion app's proof completing an enrollment of the method named in the path. */
        EnrollRequest: components["schemas"]["TotpEnroll"] | components["schemas"]["PushEnroll"];
        /**
         * @description The scanning device's first code.
         * @example {
         *       "exchange_id": "d5edcec1-d306-4cb8-8650-a3eb0330084d",
         *       "client_id": "532542d2-c6b8-4921-86b6-bb1da13f941b",
         *       "device_id": "dd7e81392ff7bbd3",
         *       "pass_code": "492039"
         *     }
         */
        TotpEnroll: {
            exchange_id: components["schemas"]["Uuid"];
            client_id: components["schemas"]["Uuid"];
            device_id: components["schemas"]["DeviceId"];
            push_id?: components["schemas"]["PushId"];
            pass_code: components["schemas"]["PassCode"];
            /** @description The device's public key, kept with the authenticator (PEM line breaks allowed, no other control characters). */
            public_key?: string;
        };
        /** @description PUSH's settings, with the defaults every tenant starts with. */
        PushSettings: {
            /**
             * @description The sign-in screen shows a two-digit `number` the user types on the device; an
             *     approval with another number is a denial. Never sent to the device.
             * @default true
             */
            number_matching: boolean;
            /**
             * @description The issuer shown by the companion app; the tenant id when null.
             * @default null
             */
            issuer: string | null;
            /**
             * @description Seconds an enrollment exchange stays usable (a challenge's lifetime is its own `expires_in`).
             * @default 600
             */
            exchange_lifetime: number;
            /**
             * @description PUSH devices one user may have.
             * @default 5
             */
            max_devices: number;
        };
        /**
         * @description A partial change of PUSH's settings.
         * @example {
         *       "number_matching": false
         *     }
         */
        PushSettingsPatch: {
            number_matching?: boolean;
            /** @description The issuer label the companion app shows (trimmed; no `:` and no control characters); null for the tenant id. */
            issuer?: string | null;
            exchange_lifetime?: number;
            max_devices?: number;
        };
        /**
         * @example {
         *       "client_id": "532542d2-c6b8-4921-86b6-bb1da13f941b"
         *     }
         */
        PushInitiation: {
            /** @description The companion app's client id; a fresh one per enrollment when absent. */
            client_id?: components["schemas"]["Uuid"];
            /** @description Sent by cidaas' profile UI; accepted and ignored. */
            deviceInfo?: {
                [key: string]: unknown;
            };
        } & {
            [key: string]: unknown;
        };
        /** @description A PUSH enrollment; show `qr_code` (or `push_uri`) to the companion app. No secret. */
        PushEnrollmentOffer: {
            exchange_id: components["schemas"]["ExchangeRef"];
            /** @description Watch the enrollment with it; it completes nothing. */
            status_id: components["schemas"]["Uuid"];
            sub: string;
            /** @description The client id the companion app must present (`cid` in the URI). */
            authenticator_client_id: components["schemas"]["Uuid"];
            /**
             * @description `otpauth://push/{issuer}:{name}?t=push&issuer=…&d=…&tk=…&l=…&sub=…&cid=…&burl=…&eid=…`:
             *     cidaas' extras of the TOTP URI, percent-encoded, and no secret.
             */
            push_uri: string;
            /**
             * @description The QR code of `push_uri`: a PNG data URL, or an SVG one with `?qr=svg`. Absent with
             *     `?qr=none`.
             */
            qr_code?: string;
        };
        /**
         * @description A device's public key as a JWK: EC P-256 (signs ES256) or OKP Ed25519 (signs EdDSA).
         *     Private members (`d`) are refused; `kid`, `alg`, `use`, `key_ops` and `ext` are ignored.
         */
        PublicJwk: {
            /** @constant */
            kty: "EC";
            /** @constant */
            crv: "P-256";
            x: string;
            y: string;
            kid?: string;
            alg?: string;
            use?: string;
            key_ops?: string[];
            ext?: boolean;
        } | {
            /** @constant */
            kty: "OKP";
            /** @constant */
            crv: "Ed25519";
            x: string;
            kid?: string;
            alg?: string;
            use?: string;
            key_ops?: string[];
            ext?: boolean;
        };
        /** @description A compact JWS (`header.payload.signature`, base64url). */
        CompactJws: string;
        /**
         * @description The scanning device enrolls its public key, with `proof`: a compact JWS signed by that
         *     key over `{"exchange_id": "<exchange id>"}` (proof of possession).
         * @example {
         *       "exchange_id": "d5edcec1-d306-4cb8-8650-a3eb0330084d",
         *       "client_id": "532542d2-c6b8-4921-86b6-bb1da13f941b",
         *       "device_id": "dd7e81392ff7bbd3",
         *       "public_key": {
         *         "kty": "EC",
         *         "crv": "P-256",
         *         "x": "f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU",
         *         "y": "x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0"
         *       },
         *       "proof": "eyJhbGciOiJFUzI1NiJ9.eyJleGNoYW5nZV9pZCI6ImQ1ZWRjZWMxLWQzMDYtNGNiOC04NjUwLWEzZWIwMzMwMDg0ZCJ9.c2lnbmF0dXJl"
         *     }
         */
        PushEnroll: {
            exchange_id: components["schemas"]["Uuid"];
            client_id: components["schemas"]["Uuid"];
            device_id: components["schemas"]["DeviceId"];
            push_id?: components["schemas"]["PushId"];
            public_key: components["schemas"]["PublicJwk"];
            proof: components["schemas"]["CompactJws"];
        };
        /** @description Up to 20 labelled values (labels 1–64, values 1–256 characters, no control characters). */
        PushDetails: {
            [key: string]: string;
        };
        /**
         * @example {
         *       "message": "Sign in to Acme",
         *       "details": {
         *         "Browser": "Firefox on Linux",
         *         "Location": "Berlin, DE"
         *       },
         *       "hidden_details": {
         *         "ip": "203.0.113.7"
         *       },
         *       "expires_in": 120
         *     }
         */
        PushSignInInitiation: {
            /** @description Whose sign-in it is; required with a `verification:service` token, else the caller's own. */
            sub?: components["schemas"]["Subject"];
            /** @description What the device shows as the request. */
            message: string;
            /** @description Shown on the device under the message. */
            details?: components["schemas"]["PushDetails"];
            /** @description Kept with the challenge and returned with the verification; never sent to the device. */
            hidden_details?: components["schemas"]["PushDetails"];
            /**
             * @description Seconds the challenge can be answered.
             * @default 120
             */
            expires_in: number;
        };
        /**
         * @description A PUSH challenge. With number matching (on by default) show `number` on the sign-in
         *     screen: the user types it on the device. Watch `status_id`; once `AUTHENTICATED`,
         *     collect the result with `exchange_id`.
         */
        PushChallengeOffer: {
            exchange_id: components["schemas"]["ExchangeRef"];
            /** @description Watch the challenge with it; it answers nothing. */
            status_id: components["schemas"]["Uuid"];
            /** @constant */
            type: "PUSH";
            /** @description The number to show on the sign-in screen (number matching only). */
            number?: string;
        };
        /**
         * @description Collects an approved PUSH challenge (once).
         * @example {
         *       "exchange_id": "8a3ab4f6-62a9-4b1c-9b6f-3c86f1f35b0e"
         *     }
         */
        PushSignInVerification: {
            exchange_id: components["schemas"]["Uuid"];
            /** @description Whose sign-in it is; required with a `verification:service` token, else the caller's own. */
            sub?: components["schemas"]["Subject"];
        };
        /**
         * @description The device's answer: a compact JWS by its enrolled key (header `kid` = its `ph_id`) over
         *     `{exchange_id, decision: "approve"|"deny", number?, reason?, iat, exp}` (`exp` at most
         *     5 minutes after `iat`). `number` is what the user typed; `reason: "fraud"` reports the
         *     request as not the user's and locks PUSH sign-in for 15 minutes.
         * @example {
         *       "response": "eyJhbGciOiJFUzI1NiIsImtpZCI6Ijc5ZTUyMjc4LTgwZjQtNDg4Zi04YWRjLTVlZjNkNGM0ODY5ZCJ9.eyJleGNoYW5nZV9pZCI6IjhhM2FiNGY2In0.c2lnbmF0dXJl"
         *     }
         */
        PushResponseRequest: {
            response: components["schemas"]["CompactJws"];
        };
        /** @description What became of the challenge the device answered. */
        PushAnswerResult: {
            /** @enum {string} */
            status: "AUTHENTICATED" | "DENIED";
            status_id: components["schemas"]["Uuid"];
            /**
             * @description Why it was denied.
             * @enum {string}
             */
            reason?: "user_denied" | "wrong_number" | "fraud";
        };
        /** @description A challenge waiting on the device's user, as the device shows it. Never the number. */
        PendingChallenge: {
            /** @description Sign the answer over it. */
            exchange_id: components["schemas"]["Uuid"];
            status_id: components["schemas"]["Uuid"];
            message: string;
            details: components["schemas"]["PushDetails"];
            /** @description Ask the user for the number the sign-in screen shows. */
            number_matching: boolean;
            created_at: components["schemas"]["Timestamp"];
            expires_at: components["schemas"]["Timestamp"];
        };
        PendingChallenges: {
            challenges: components["schemas"]["PendingChallenge"][];
        };
        /**
         * @description The app's id of the device (trimmed; not blank; no control characters).
         * @example dd7e81392ff7bbd3
         */
        DeviceId: string;
        /** @description The device's push notification id, kept with the authenticator (no control characters). */
        PushId: string;
        ScanResult: {
            /** @constant */
            status: "SCANNED";
            exchange_id: components["schemas"]["Uuid"];
            expires_at: components["schemas"]["Timestamp"];
        };
        EnrollmentResult: {
            /** @constant */
            status: "ENROLLED";
            status_id: components["schemas"]["Uuid"];
            sub: string;
            verification_type: components["schemas"]["VerificationType"];
            /** @description The new authenticator's id. */
            ph_id: components["schemas"]["Uuid"];
            /** @description The scanning device (null when completed from the profile UI). */
            device_id: string | null;
        };
        FriendlyNameRequest: {
            ph_id: components["schemas"]["Uuid"];
            /** @description Trimmed; not blank; no control characters. */
            friendly_name: string;
        };
        /** @description An enrolled authenticator as its user or an admin sees it (never the secret). */
        DeviceView: {
            ph_id: components["schemas"]["Uuid"];
            sub: string;
            verification_type: components["schemas"]["VerificationType"];
            device_id: string | null;
            friendly_name: string | null;
            created_at: components["schemas"]["Timestamp"];
            /**
             * Format: date-time
             * @description When a code of it was last accepted at sign-in.
             */
            last_used_at: string | null;
            /** @description BACKUPCODE only; how many unused codes the set has left. */
            remaining?: number;
        };
        /** @description What starting a sign-in challenge of the method named in the path takes. */
        SignInInitiationRequest: components["schemas"]["TotpSignInInitiation"] | components["schemas"]["PushSignInInitiation"] | components["schemas"]["CodeSignInInitiation"] | components["schemas"]["WebAuthnSignInInitiation"];
        /**
         * @example {
         *       "sub": "da65eb32-d460-4355-8b94-ee061896712f",
         *       "ph_id": "79e52278-80f4-488f-8adc-5ef3d4c4869d"
         *     }
         */
        CodeSignInInitiation: {
            /** @description Whose sign-in it is; required with a `verification:service` token, else the caller's own. */
            sub?: components["schemas"]["Subject"];
            /** @description The enrolled destination to send the code to; the user's first one when absent. */
            ph_id?: components["schemas"]["Uuid"];
        };
        /**
         * @example {
         *       "sub": "da65eb32-d460-4355-8b94-ee061896712f"
         *     }
         */
        TotpSignInInitiation: {
            /** @description Whose sign-in it is; required with a `verification:service` token, else the caller's own. */
            sub?: components["schemas"]["Subject"];
        };
        /** @description A sign-in challenge started, of the method named in the path. */
        ChallengeOffer: components["schemas"]["TotpChallengeOffer"] | components["schemas"]["PushChallengeOffer"] | components["schemas"]["CodeChallengeOffer"] | components["schemas"]["WebAuthnChallengeOffer"];
        /** @description An SMS or EMAIL challenge; its code is on its way to `destination`. Answer with `exchange_id` and `pass_code`. */
        CodeChallengeOffer: {
            exchange_id: components["schemas"]["ExchangeRef"];
            /** @description Watch the challenge with it; it answers nothing. */
            status_id: components["schemas"]["Uuid"];
            /** @enum {string} */
            type: "SMS" | "EMAIL";
            /** @description Where the code went, masked (`+49•••••789`, `a•••@example.com`). */
            destination: string;
            /** @description When another code may be asked for (by starting a new challenge). */
            resend_after: components["schemas"]["Timestamp"];
        };
        /** @description A TOTP challenge; answer it with a code (`exchange_id` and `pass_code`). */
        TotpChallengeOffer: {
            exchange_id: components["schemas"]["ExchangeRef"];
            /** @description Watch the challenge with it; it answers nothing. */
            status_id: components["schemas"]["Uuid"];
            /** @constant */
            type: "TOTP";
        };
        /** @description A sign-in verification of the method named in the path. */
        SignInRequest: components["schemas"]["TotpSignInVerification"] | components["schemas"]["PushSignInVerification"] | components["schemas"]["BackupcodeSignInVerification"] | components["schemas"]["CodeSignInVerification"] | components["schemas"]["WebAuthnSignInVerification"];
        /**
         * @description The code answering an SMS or EMAIL challenge.
         * @example {
         *       "exchange_id": "8a3ab4f6-62a9-4b1c-9b6f-3c86f1f35b0e",
         *       "pass_code": "048213"
         *     }
         */
        CodeSignInVerification: {
            exchange_id: components["schemas"]["Uuid"];
            pass_code: components["schemas"]["OneTimeCode"];
            /** @description Whose code it is; required with a `verification:service` token, else the caller's own. */
            sub?: components["schemas"]["Subject"];
        };
        /**
         * @description A code, directly or answering a challenge (`exchange_id`).
         * @example {
         *       "exchange_id": "8a3ab4f6-62a9-4b1c-9b6f-3c86f1f35b0e",
         *       "pass_code": "718364",
         *       "sub": "da65eb32-d460-4355-8b94-ee061896712f"
         *     }
         */
        TotpSignInVerification: {
            pass_code: components["schemas"]["PassCode"];
            /** @description The challenge this code answers (from the initiation); none to verify the code directly. */
            exchange_id?: components["schemas"]["Uuid"];
            /** @description Whose code it is; required with a `verification:service` token, else the caller's own. */
            sub?: components["schemas"]["Subject"];
        };
        /**
         * @description FIDO2's or TOUCHID's settings (each method has its own), with the defaults every tenant
         *     starts with. The relying party: `origins` are the pages allowed to run ceremonies,
         *     `rp_id` the domain credentials are bound to (the origins' host when null), `rp_name`
         *     the name authenticators show (the tenant id when null). With no `origins`, the origin
         *     of `PUBLIC_BASE_URL` is the only one; without that too, outside production only, the
         *     requesting page when it is on `localhost` (the demo).
         */
        WebAuthnSettings: {
            /** @default null */
            rp_id: string | null;
            /** @default null */
            rp_name: string | null;
            /** @default null */
            origins: string[] | null;
            /**
             * @description Seconds an enrollment or challenge stays usable; also how long the browser waits for the user.
             * @default 300
             */
            exchange_lifetime: number;
            /**
             * @description Authenticators of this method one user may have.
             * @default 5
             */
            max_devices: number;
        };
        /**
         * @description A partial change of FIDO2's or TOUCHID's settings.
         * @example {
         *       "rp_id": "example.com",
         *       "rp_name": "Acme",
         *       "origins": [
         *         "https://login.example.com"
         *       ]
         *     }
         */
        WebAuthnSettingsPatch: {
            /**
             * @description The RP ID: `localhost`, or a registrable domain name (no scheme, port or IP address)
             *     every origin is on (the host itself or a subdomain); null to use the origins' host.
             *     Stored lower case.
             */
            rp_id?: string | null;
            /** @description The name authenticators show (trimmed; no control characters); null for the tenant id. */
            rp_name?: string | null;
            /**
             * @description The page origins allowed to run ceremonies: `https://host[:port]`, or
             *     `http://localhost[:port]` (no path, query or credentials; duplicates dropped).
             *     Without `rp_id` they must share one host. Null for the default.
             */
            origins?: string[] | null;
            exchange_lifetime?: number;
            max_devices?: number;
        };
        /**
         * @description FIDO2 and TOUCHID need nothing to start an enrollment.
         * @example {}
         */
        WebAuthnInitiation: {
            /** @description Sent by cidaas' profile UI; accepted and ignored. */
            deviceInfo?: {
                [key: string]: unknown;
            };
        };
        /**
         * @description A FIDO2 or TOUCHID enrollment: call `navigator.credentials.create({publicKey: options})`
         *     (after turning the base64url members into bytes, or with `PublicKeyCredential.parseCreationOptionsFromJSON`
         *     or @simplewebauthn/browser's `startRegistration`) on one of the relying party's origins,
         *     then send the result to `…/setup/{method}/verification` with `exchange_id`.
         */
        WebAuthnEnrollmentOffer: {
            exchange_id: components["schemas"]["ExchangeRef"];
            /** @description Watch the enrollment with it; it completes nothing. */
            status_id: components["schemas"]["Uuid"];
            /** @description The enrolling user. */
            sub: string;
            options: components["schemas"]["WebAuthnCreationOptions"];
        };
        /**
         * @description `PublicKeyCredentialCreationOptionsJSON` (WebAuthn L3): TOUCHID asks for the platform
         *     authenticator with user verification `required`; FIDO2 for any authenticator with
         *     `preferred`. `excludeCredentials` names the user's FIDO2 and TOUCHID credentials, so
         *     an authenticator is not registered twice. `user.id` is an opaque handle, never the `sub`.
         */
        WebAuthnCreationOptions: {
            rp: {
                id: string;
                name: string;
            };
            user: {
                id: components["schemas"]["Base64Url"];
                name: string;
                displayName: string;
            };
            challenge: components["schemas"]["Base64Url"];
            /** @description ES256 (-7), EdDSA (-8), RS256 (-257), in that order. */
            pubKeyCredParams: {
                /** @constant */
                type: "public-key";
                alg: number;
            }[];
            /** @description Milliseconds the browser waits for the user (the exchange's lifetime). */
            timeout?: number;
            excludeCredentials: components["schemas"]["WebAuthnCredentialDescriptor"][];
            authenticatorSelection: {
                /** @enum {string} */
                authenticatorAttachment?: "platform" | "cross-platform";
                /** @enum {string} */
                residentKey?: "discouraged" | "preferred" | "required";
                requireResidentKey?: boolean;
                /** @enum {string} */
                userVerification?: "required" | "preferred" | "discouraged";
            };
            /** @enum {string} */
            attestation: "none" | "direct" | "indirect" | "enterprise";
            hints?: components["schemas"]["WebAuthnHint"][];
            extensions?: Record<string, never>;
        } & {
            [key: string]: unknown;
        };
        /**
         * @description `PublicKeyCredentialRequestOptionsJSON` (WebAuthn L3) for `navigator.credentials.get`:
         *     only the user's credentials of the method (`allowCredentials`) may answer.
         */
        WebAuthnRequestOptions: {
            challenge: components["schemas"]["Base64Url"];
            rpId: string;
            allowCredentials: components["schemas"]["WebAuthnCredentialDescriptor"][];
            /** @enum {string} */
            userVerification: "required" | "preferred" | "discouraged";
            timeout?: number;
            hints?: components["schemas"]["WebAuthnHint"][];
            extensions?: Record<string, never>;
        } & {
            [key: string]: unknown;
        };
        WebAuthnCredentialDescriptor: {
            id: components["schemas"]["Base64Url"];
            /** @constant */
            type: "public-key";
            transports?: ("ble" | "hybrid" | "internal" | "nfc" | "smart-card" | "usb")[];
        };
        /** @enum {string} */
        WebAuthnHint: "security-key" | "client-device" | "hybrid";
        /** @description Bytes in base64url without padding. */
        Base64Url: string;
        /**
         * @description The browser's registration response (`PublicKeyCredential.toJSON()`, or
         *     @simplewebauthn/browser's `startRegistration`) for the enrollment's options, as
         *     `credential` or, as cidaas names it, `fido2_client_response`: exactly one of them.
         * @example {
         *       "exchange_id": "d5edcec1-d306-4cb8-8650-a3eb0330084d",
         *       "credential": {
         *         "id": "3q2-7w",
         *         "rawId": "3q2-7w",
         *         "type": "public-key",
         *         "authenticatorAttachment": "cross-platform",
         *         "response": {
         *           "clientDataJSON": "eyJ0eXBlIjoid2ViYXV0aG4uY3JlYXRlIn0",
         *           "attestationObject": "o2NmbXRkbm9uZWdhdHRTdG10oGhhdXRoRGF0YVi",
         *           "transports": [
         *             "usb"
         *           ]
         *         },
         *         "clientExtensionResults": {}
         *       }
         *     }
         */
        WebAuthnProfileVerification: {
            exchange_id: components["schemas"]["Uuid"];
            credential?: components["schemas"]["WebAuthnRegistrationResponse"];
            fido2_client_response?: components["schemas"]["WebAuthnRegistrationResponse"];
        } & ({
            credential: unknown;
        } | {
            fido2_client_response: unknown;
        });
        /** @description `RegistrationResponseJSON`; members not listed are ignored. */
        WebAuthnRegistrationResponse: {
            id: string;
            rawId: string;
            /** @constant */
            type: "public-key";
            /** @enum {string} */
            authenticatorAttachment?: "platform" | "cross-platform";
            clientExtensionResults?: Record<string, never>;
            response: {
                clientDataJSON: string;
                attestationObject: string;
                authenticatorData?: string;
                transports?: string[];
                publicKeyAlgorithm?: number;
                publicKey?: string;
            };
        };
        /**
         * @example {
         *       "sub": "da65eb32-d460-4355-8b94-ee061896712f"
         *     }
         */
        WebAuthnSignInInitiation: {
            /** @description Whose sign-in it is; required with a `verification:service` token, else the caller's own. */
            sub?: components["schemas"]["Subject"];
        };
        /**
         * @description A FIDO2 or TOUCHID challenge: call `navigator.credentials.get({publicKey: options})` on
         *     one of the relying party's origins and send the assertion with `exchange_id`.
         */
        WebAuthnChallengeOffer: {
            exchange_id: components["schemas"]["ExchangeRef"];
            /** @description Watch the challenge with it; it answers nothing. */
            status_id: components["schemas"]["Uuid"];
            /** @enum {string} */
            type: "FIDO2" | "TOUCHID";
            options: components["schemas"]["WebAuthnRequestOptions"];
        };
        /**
         * @description The browser's assertion (`PublicKeyCredential.toJSON()`, or @simplewebauthn/browser's
         *     `startAuthentication`) answering the challenge `exchange_id`, as `credential` or
         *     `fido2_client_response`: exactly one of them.
         * @example {
         *       "exchange_id": "8a3ab4f6-62a9-4b1c-9b6f-3c86f1f35b0e",
         *       "credential": {
         *         "id": "3q2-7w",
         *         "rawId": "3q2-7w",
         *         "type": "public-key",
         *         "response": {
         *           "clientDataJSON": "eyJ0eXBlIjoid2ViYXV0aG4uZ2V0In0",
         *           "authenticatorData": "SZYN5YgOjGh0NBcPZHZgW4_krrmihjLHmVzzuoMdl2MFAAAAAg",
         *           "signature": "MEUCIQDx"
         *         },
         *         "clientExtensionResults": {}
         *       }
         *     }
         */
        WebAuthnSignInVerification: {
            exchange_id: components["schemas"]["Uuid"];
            credential?: components["schemas"]["WebAuthnAuthenticationResponse"];
            fido2_client_response?: components["schemas"]["WebAuthnAuthenticationResponse"];
            /** @description Whose sign-in it is; required with a `verification:service` token, else the caller's own. */
            sub?: components["schemas"]["Subject"];
        } & ({
            credential: unknown;
        } | {
            fido2_client_response: unknown;
        });
        /** @description `AuthenticationResponseJSON`; members not listed are ignored. */
        WebAuthnAuthenticationResponse: {
            id: string;
            rawId: string;
            /** @constant */
            type: "public-key";
            /** @enum {string} */
            authenticatorAttachment?: "platform" | "cross-platform";
            clientExtensionResults?: Record<string, never>;
            response: {
                clientDataJSON: string;
                authenticatorData: string;
                signature: string;
                userHandle?: string;
            };
        };
        /**
         * @description One backup code, as typed (case, spaces and dashes do not matter).
         * @example {
         *       "pass_code": "K7M2P 9XQ4R"
         *     }
         */
        BackupcodeSignInVerification: {
            pass_code: string;
            /** @description Whose code it is; required with a `verification:service` token, else the caller's own. */
            sub?: components["schemas"]["Subject"];
        };
        /**
         * @description A verified sign-in, whatever the method. (A method whose answer adds fields documents
         *     them here, optional.)
         */
        SignInResult: {
            /** @constant */
            status: "AUTHENTICATED";
            sub: string;
            verification_type: components["schemas"]["VerificationType"];
            /** @description The authenticator whose code matched. */
            ph_id: components["schemas"]["Uuid"];
            /** @description The challenge answered (only when the sign-in answered one); its watchers see `AUTHENTICATED`. */
            status_id?: components["schemas"]["Uuid"];
            authenticated_at: components["schemas"]["Timestamp"];
            /** @description PUSH only, the `hidden_details` the challenge was started with (never shown on the device). */
            hidden_details?: components["schemas"]["PushDetails"];
            /**
             * @description A verification assertion (JWT, `typ: verification-assertion+jwt`, HS256 with a key
             *     only this service holds) saying that this user of this tenant just proved this
             *     method: claims `sub`, `tid`, `amr` (the method, lower case), `auth_time`, `iat`,
             *     `exp` (5 minutes later), `jti`. Send it as the `Verification-Assertion` header to
             *     add or remove a factor. It is not a bearer token and is refused as one.
             */
            assertion: string;
            /** @description BACKUPCODE only; how many unused codes the user has left. */
            remaining?: number;
        };
        Health: {
            /** @constant */
            status: "ok";
        };
        Readiness: {
            /** @enum {string} */
            status: "ready" | "not_ready";
            checks: {
                /** @enum {string} */
                database: "ok" | "unreachable";
                /** @description `ok`, or `pending: ` and the pending migrations (absent when the database is unreachable). */
                migrations?: string;
                /**
                 * @description The status-event listener (PostgreSQL LISTEN).
                 * @enum {string}
                 */
                listener: "connected" | "reconnecting" | "closed";
            };
        };
        /** @description Lowercase hex SHA-256. */
        Hash: string;
        /**
         * @description What the event adds, by event: `failures`, `retry_after` (wrong codes, refusals while
         *     locked), `locked_until` (lockout), `remaining_attempts` / `attempts` (enrollment codes),
         *     `via` (factor added: `profile` or `app`), `actor` (factor removed: `self` or `admin`),
         *     `operation` and `reason` (refused step-up, denied sign-in), `count` / `remaining`
         *     (backup codes), `changed` (names of the settings an admin changed, never their values).
         */
        AuditDetails: {
            [key: string]: string | number | boolean | string[];
        };
        /**
         * @description One row of the audit trail. Every member is always present (`null` when absent). Its
         *     `hash` is hex SHA-256 over the UTF-8 bytes of `prev_hash` followed by the RFC 8785
         *     (JCS) canonical JSON of the row without `prev_hash` and `hash`; the first row of a
         *     tenant has 64 zeros as `prev_hash`.
         */
        AuditEvent: {
            id: components["schemas"]["Uuid"];
            tenant: string;
            /** @description Position in the tenant's chain (1, 2, 3, … without gaps; retention removes a prefix). */
            seq: number;
            at: components["schemas"]["Timestamp"];
            /** @description Whose account the event concerns (for `settings.changed`, the admin who changed them). */
            sub: string | null;
            /** @description The `sub` of the token that made the request; `null` without one (the authenticator app's path, background jobs). */
            actor: string | null;
            /**
             * @description `authentication.succeeded|wrong_code|replay|throttled|denied`, `lockout.started`,
             *     `enrollment.initiated|rotated|scanned|enrolled|expired|cancelled|failed|wrong_code`,
             *     `challenge.initiated|authenticated|denied|expired|cancelled|failed` (sign-in
             *     challenges), `factor.added|removed`, `backupcodes.regenerated|used|low`,
             *     `stepup.refused`, `settings.changed`.
             */
            event: string;
            /** @description The method the event concerns (`TOTP`, `BACKUPCODE`, …). */
            type: string | null;
            ph_id: string | null;
            status_id: string | null;
            /** @enum {string} */
            outcome: "success" | "failure" | "refused";
            ip: string | null;
            /** @description The request's User-Agent, at most 512 characters. */
            user_agent: string | null;
            /** @description The request's `X-Request-Id`, to find its log lines. */
            request_id: string | null;
            details: components["schemas"]["AuditDetails"];
            prev_hash: components["schemas"]["Hash"];
            hash: components["schemas"]["Hash"];
        };
        AuditPage: {
            items: components["schemas"]["AuditEvent"][];
            /** @description Present when more rows follow; pass it as `cursor`. */
            next_cursor?: string;
        };
        AuditVerification: {
            ok: boolean;
            /** @description Rows checked (up to and including the first bad one). */
            checked: number;
            /** @description The first bad row (see the operation for what the id names). */
            first_bad?: components["schemas"]["Uuid"];
            /** @enum {string} */
            reason?: "hash_mismatch" | "broken_link" | "missing_rows" | "head_mismatch";
        };
        /** @description One of the caller's own events. */
        ActivityItem: {
            id: components["schemas"]["Uuid"];
            at: components["schemas"]["Timestamp"];
            event: string;
            type: string | null;
            /** @enum {string} */
            outcome: "success" | "failure" | "refused";
            ph_id: string | null;
            status_id: string | null;
            details: components["schemas"]["AuditDetails"];
            /** @description Only for requests the user made themself. */
            ip: string | null;
            /** @description Only for requests the user made themself. */
            user_agent: string | null;
        };
        ActivityPage: {
            items: components["schemas"]["ActivityItem"][];
            /** @description Present when older events follow; pass it as `cursor`. */
            next_cursor?: string;
        };
        /**
         * @description An event an endpoint can subscribe to. Sign-in: `authentication.succeeded`,
         *     `authentication.failed` (a wrong or replayed code, a refused WebAuthn assertion:
         *     `reason: invalid_response`, or a WebAuthn signature counter that did not move
         *     forward: `reason: clone_warning`), `authentication.denied` (refused
         *     while locked, or denied on the device), `lockout.started`. Enrollment: each status it
         *     reaches. Factors: `factor.added`, `factor.removed`. Backup codes: `regenerated`, `used`,
         *     `low` (a sign-in left the tenant's `low_remaining` codes or fewer).
         * @enum {string}
         */
        WebhookEventType: "enrollment.initiated" | "enrollment.scanned" | "enrollment.enrolled" | "enrollment.expired" | "enrollment.cancelled" | "enrollment.failed" | "authentication.succeeded" | "authentication.failed" | "authentication.denied" | "factor.added" | "factor.removed" | "backupcodes.regenerated" | "backupcodes.used" | "backupcodes.low" | "lockout.started";
        WebhookEndpointRequest: {
            /** @description Absolute `https` URL (`http` outside production), without credentials or fragment, at most 2048 characters. */
            url: string;
            /** @description The event types to send, or `["*"]` for every type (including types added later). */
            events: (components["schemas"]["WebhookEventType"] | "*")[];
            /** @description Trimmed; not blank; no control characters. */
            description?: string;
        };
        /** @description A webhook endpoint (never its secret). */
        WebhookEndpoint: {
            id: components["schemas"]["Uuid"];
            /** Format: uri */
            url: string;
            description: string | null;
            events: string[];
            /**
             * @description `disabled` once its receiver answered 410 Gone: nothing is sent to it any more.
             * @enum {string}
             */
            status: "enabled" | "disabled";
            disabled_reason: string | null;
            /** Format: date-time */
            disabled_at: string | null;
            /**
             * Format: date-time
             * @description After a rotation, until when the previous secret still signs next to the current one.
             */
            previous_secret_expires_at: string | null;
            created_at: components["schemas"]["Timestamp"];
            updated_at: components["schemas"]["Timestamp"];
        };
        /** @description The new endpoint and its signing secret, shown only here. */
        WebhookEndpointCreated: {
            id: components["schemas"]["Uuid"];
            /** Format: uri */
            url: string;
            description: string | null;
            events: string[];
            /**
             * @description `disabled` once its receiver answered 410 Gone: nothing is sent to it any more.
             * @enum {string}
             */
            status: "enabled" | "disabled";
            disabled_reason: string | null;
            /** Format: date-time */
            disabled_at: string | null;
            /**
             * Format: date-time
             * @description After a rotation, until when the previous secret still signs next to the current one.
             */
            previous_secret_expires_at: string | null;
            created_at: components["schemas"]["Timestamp"];
            updated_at: components["schemas"]["Timestamp"];
            secret: components["schemas"]["WebhookSecret"];
        };
        /** @description A Standard Webhooks signing secret: `whsec_` and the base64 of 32 random bytes. */
        WebhookSecret: string;
        WebhookSecretRotated: {
            id: components["schemas"]["Uuid"];
            secret: components["schemas"]["WebhookSecret"];
            previous_secret_expires_at: components["schemas"]["Timestamp"];
        };
        /**
         * @description The JSON body POSTed to an endpoint. `data` always has `tenant`, `sub` and `type` (the
         *     method), and by event `ph_id`, `status_id`, `reason` (`wrong_code`, `replay`,
         *     `throttled`, `user_denied`, `wrong_number`, `fraud`), `failures`, `retry_after`,
         *     `locked_until`, `attempts`, `via`, `removed_by`, `count`, `remaining`. Never a secret,
         *     code, token or exchange id.
         */
        WebhookMessage: {
            type: components["schemas"]["WebhookEventType"];
            timestamp: components["schemas"]["Timestamp"];
            data: {
                tenant: string;
                sub: string;
                type: string;
            } & {
                [key: string]: string | number;
            };
        };
        /** @description One event's delivery to one endpoint. */
        WebhookDelivery: {
            /** @description The `webhook-id` the receiver sees, the same on every attempt. */
            id: components["schemas"]["Uuid"];
            event: string;
            /**
             * @description `pending` (first attempt or a retry to come), `sending`, `delivered` (a 2xx answer), `failed` (given up, 410 Gone, or the endpoint was deleted).
             * @enum {string}
             */
            status: "pending" | "sending" | "delivered" | "failed";
            attempts: number;
            /**
             * Format: date-time
             * @description When the next attempt is due, while pending.
             */
            next_attempt_at: string | null;
            last_http_status: number | null;
            /** @description Why the last attempt failed (the receiver's status and the start of its answer, or a network error). */
            last_error: string | null;
            created_at: components["schemas"]["Timestamp"];
            updated_at: components["schemas"]["Timestamp"];
            /** Format: date-time */
            finished_at: string | null;
            payload: components["schemas"]["WebhookMessage"] | null;
        };
        WebhookDeliveryPage: {
            items: components["schemas"]["WebhookDelivery"][];
            /** @description Present when older deliveries follow; pass it as `cursor`. */
            next_cursor?: string;
        };
    };
    responses: {
        /**
         * @description The enrollment started: act on it with `exchange_id`, watch `status_id`, and show what
         *     the method adds (TOTP: show `qr_code`, or render `otpauth_uri`; give
         *     `otpauth_uri_standard` to apps or libraries that refuse cidaas' extra parameters). A
         *     method that enrolls at once answers what it enrolled instead (BACKUPCODE: the codes,
         *     `BackupcodeSet`). Never cached.
         */
        Initiated: {
            headers: {
                "Cache-Control": components["headers"]["NoStore"];
                [name: string]: unknown;
            };
            content: {
                "application/json": components["schemas"]["InitiationResult"];
            };
        };
        /**
         * @description The enrollment: act on it with `exchange_id`, watch `status_id`, and show what the method
         *     adds (TOTP: show `qr_code`, or render `otpauth_uri`; give `otpauth_uri_standard` to apps or
         *     libraries that refuse cidaas' extra parameters). Never cached.
         */
        EnrollmentOffer: {
            headers: {
                "Cache-Control": components["headers"]["NoStore"];
                [name: string]: unknown;
            };
            content: {
                "application/json": components["schemas"]["EnrollmentOffer"];
            };
        };
        /** @description The enrollment is complete; `ph_id` names the new authenticator. */
        Enrolled: {
            headers: {
                "Cache-Control": components["headers"]["NoStore"];
                [name: string]: unknown;
            };
            content: {
                "application/json": components["schemas"]["EnrollmentResult"];
            };
        };
        /**
         * @description The body is not valid JSON (`VER_0002`), does not decode with its Content-Encoding
         *     (`VER_0009`: gzip, deflate or br bytes that are corrupt or cut short), or is not valid
         *     for this operation (`VER_0001`, the bad fields listed under `errors`).
         */
        InvalidBody: {
            headers: {
                [name: string]: unknown;
            };
            content: {
                "application/problem+json": components["schemas"]["Problem"] & {
                    /** @enum {unknown} */
                    code?: "VER_0001" | "VER_0002" | "VER_0009";
                };
            };
        };
        /**
         * @description The body is not valid JSON (`VER_0002`), does not decode (`VER_0009`), or is not valid
         *     for this operation (`VER_0001`); or, for SMS, the phone number is not valid
         *     (`VER_0070`, with `reason`), cannot receive SMS (`VER_0071`, with `number_type`) or is of
         *     a country the tenant does not accept (`VER_0072`, with `country`); for EMAIL, the
         *     address is not valid (`VER_0073`).
         */
        InvalidInitiation: {
            headers: {
                [name: string]: unknown;
            };
            content: {
                "application/problem+json": components["schemas"]["Problem"] & {
                    /** @enum {unknown} */
                    code?: "VER_0001" | "VER_0002" | "VER_0009" | "VER_0070" | "VER_0071" | "VER_0072" | "VER_0073";
                };
            };
        };
        /**
         * @description (FIDO2, TOUCHID) The request comes from a page whose origin is not one of the relying
         *     party's `origins` (`VER_0081`); with none configured, outside production, only a page on
         *     `localhost` may run a ceremony.
         */
        WebAuthnOriginRefused: {
            headers: {
                [name: string]: unknown;
            };
            content: {
                "application/problem+json": components["schemas"]["Problem"] & {
                    /** @enum {unknown} */
                    code?: "VER_0081";
                };
            };
        };
        /**
         * @description A user token named another user's `sub` (`VER_0012`; acting for another user needs
         *     `verification:service`), or (FIDO2, TOUCHID) the request comes from a page whose origin
         *     the relying party does not allow (`VER_0081`).
         */
        SignInForbidden: {
            headers: {
                [name: string]: unknown;
            };
            content: {
                "application/problem+json": components["schemas"]["Problem"] & {
                    /** @enum {unknown} */
                    code?: "VER_0012" | "VER_0081";
                };
            };
        };
        /**
         * @description A user token named another user's `sub` (`VER_0012`), or (FIDO2, TOUCHID) the page's
         *     origin is not allowed (`VER_0081`), or the authenticator's signature counter did not
         *     move forward (`VER_0085`): the credential may have been cloned. The sign-in is refused
         *     and `authentication.clone_warning` lands in the security events (audit; webhooks as
         *     `authentication.failed` with `reason: clone_warning`).
         */
        SignInVerificationForbidden: {
            headers: {
                [name: string]: unknown;
            };
            content: {
                "application/problem+json": components["schemas"]["Problem"] & {
                    /** @enum {unknown} */
                    code?: "VER_0012" | "VER_0081" | "VER_0085";
                };
            };
        };
        /**
         * @description The proof does not complete the enrollment: a wrong code (`VER_0041`, with the attempts
         *     left), or (FIDO2, TOUCHID) a WebAuthn response that is malformed or does not verify
         *     (`VER_0080`), answers for another RP ID (`VER_0082`) or another challenge (`VER_0083`),
         *     lacks the user verification the method demands (`VER_0084`), or comes from a security
         *     key where TOUCHID needs the device's own authenticator (`VER_0089`). A refused WebAuthn
         *     response leaves the enrollment as it was. Or the body is not valid (`VER_0001`), not
         *     JSON (`VER_0002`) or does not decode with its Content-Encoding (`VER_0009`).
         */
        InvalidEnrollmentProof: {
            headers: {
                [name: string]: unknown;
            };
            content: {
                "application/problem+json": components["schemas"]["Problem"] & {
                    /** @enum {unknown} */
                    code?: "VER_0001" | "VER_0002" | "VER_0009" | "VER_0041" | "VER_0080" | "VER_0082" | "VER_0083" | "VER_0084" | "VER_0089";
                };
            };
        };
        /**
         * @description The method is not active for the tenant (`VER_0021`), the user already has the
         *     maximum number of authenticators (`VER_0039`), already has this destination enrolled
         *     (`VER_0078`, SMS and EMAIL), or (FIDO2, TOUCHID) no WebAuthn relying party can be worked
         *     out: set the tenant's `origins` or `PUBLIC_BASE_URL` (`VER_0088`).
         */
        CannotInitiate: {
            headers: {
                [name: string]: unknown;
            };
            content: {
                "application/problem+json": components["schemas"]["Problem"] & {
                    /** @enum {unknown} */
                    code?: "VER_0021" | "VER_0039" | "VER_0078" | "VER_0088";
                };
            };
        };
        /** @description The method is not one this service implements (`VER_0020`). */
        UnknownMethod: {
            headers: {
                [name: string]: unknown;
            };
            content: {
                "application/problem+json": components["schemas"]["Problem"] & {
                    /** @enum {unknown} */
                    code?: "VER_0020";
                };
            };
        };
        /**
         * @description Unknown verification method (`VER_0020`), a method without this operation (`VER_0022`),
         *     or no enrollment of the method (of the caller, on the profile paths) has this exchange id
         *     (`VER_0030`; another user's is reported the same way).
         */
        EnrollmentOperationNotFound: {
            headers: {
                [name: string]: unknown;
            };
            content: {
                "application/problem+json": components["schemas"]["Problem"] & {
                    /** @enum {unknown} */
                    code?: "VER_0020" | "VER_0022" | "VER_0030";
                };
            };
        };
        /**
         * @description Unknown verification method (`VER_0020`), or no live or ended sign-in challenge of the
         *     method and of this user has this exchange id (`VER_0023`): another user's or tenant's,
         *     an enrollment's, or a status id all look the same.
         */
        ChallengeNotFound: {
            headers: {
                [name: string]: unknown;
            };
            content: {
                "application/problem+json": components["schemas"]["Problem"] & {
                    /** @enum {unknown} */
                    code?: "VER_0020" | "VER_0023";
                };
            };
        };
        /**
         * @description Unknown verification method (`VER_0020`), or no enrollment of the caller has this
         *     exchange id (`VER_0030`; another user's is reported the same way).
         */
        EnrollmentNotFound: {
            headers: {
                [name: string]: unknown;
            };
            content: {
                "application/problem+json": components["schemas"]["Problem"] & {
                    /** @enum {unknown} */
                    code?: "VER_0020" | "VER_0030";
                };
            };
        };
        /**
         * @description The device token is missing (`VER_0060`), invalid, expired, not signed by an enrolled
         *     device or for another audience (`VER_0061`), or was already used (`VER_0062`).
         */
        DeviceUnauthorized: {
            headers: {
                /** @description The device challenge. */
                "WWW-Authenticate": string;
                [name: string]: unknown;
            };
            content: {
                "application/problem+json": components["schemas"]["Problem"] & {
                    /** @enum {unknown} */
                    code?: "VER_0060" | "VER_0061" | "VER_0062";
                };
            };
        };
        /** @description The bearer token is missing (`VER_0010`) or invalid, expired or not accepted (`VER_0011`). */
        Unauthorized: {
            headers: {
                "WWW-Authenticate": components["headers"]["WwwAuthenticate"];
                [name: string]: unknown;
            };
            content: {
                "application/problem+json": components["schemas"]["Problem"] & {
                    /** @enum {unknown} */
                    code?: "VER_0010" | "VER_0011";
                };
            };
        };
        /**
         * @description The bearer token is missing (`VER_0010`) or invalid (`VER_0011`), or the user has a
         *     factor and the request proves no fresh second factor (`VER_0014`, step-up): the
         *     token's `amr`/`acr` and `auth_time` do not, and no valid `Verification-Assertion` of
         *     this user was sent (an expired, foreign or forged one gets the same answer). The
         *     `VER_0014` challenge follows RFC 9470:
         *     `Bearer error="insufficient_user_authentication", error_description="…", max_age=<STEP_UP_MAX_AGE_S>`
         *     plus `acr_values="<STEP_UP_ACR>"` when that is set. Sign in with a second factor and
         *     send its `assertion` as `Verification-Assertion`, or get a fresh token from the
         *     identity provider.
         */
        StepUpUnauthorized: {
            headers: {
                "WWW-Authenticate": components["headers"]["WwwAuthenticate"];
                [name: string]: unknown;
            };
            content: {
                "application/problem+json": components["schemas"]["Problem"] & {
                    /** @enum {unknown} */
                    code?: "VER_0010" | "VER_0011" | "VER_0014";
                };
            };
        };
        /** @description The token lacks the scope `verification:admin` (`VER_0012`). */
        AdminScopeRequired: {
            headers: {
                "WWW-Authenticate": components["headers"]["WwwAuthenticate"];
                [name: string]: unknown;
            };
            content: {
                "application/problem+json": components["schemas"]["Problem"] & {
                    /** @enum {unknown} */
                    code?: "VER_0012";
                };
            };
        };
        /** @description A user token named another user's `sub` (`VER_0012`); acting for another user needs `verification:service`. */
        ServiceScopeRequired: {
            headers: {
                "WWW-Authenticate": components["headers"]["WwwAuthenticate"];
                [name: string]: unknown;
            };
            content: {
                "application/problem+json": components["schemas"]["Problem"] & {
                    /** @enum {unknown} */
                    code?: "VER_0012";
                };
            };
        };
        /** @description The demo is off (`DEMO=false`, always in production), or no such file (`VER_0005`). */
        DemoOff: {
            headers: {
                [name: string]: unknown;
            };
            content: {
                "application/problem+json": components["schemas"]["Problem"] & {
                    /** @enum {unknown} */
                    code?: "VER_0005";
                };
            };
        };
        /** @description The page. Its scripts come only from this origin and it may connect only to this origin. */
        DemoPage: {
            headers: {
                "Content-Security-Policy": components["headers"]["DemoContentSecurityPolicy"];
                "Cache-Control": components["headers"]["NoCache"];
                ETag: components["headers"]["FileETag"];
                [name: string]: unknown;
            };
            content: {
                "text/html": string;
            };
        };
        /** @description The file, as it is in the repository. */
        DemoFile: {
            headers: {
                "Content-Security-Policy": components["headers"]["DemoContentSecurityPolicy"];
                "Cache-Control": components["headers"]["NoCache"];
                ETag: components["headers"]["FileETag"];
                [name: string]: unknown;
            };
            content: {
                "text/javascript": string;
                "text/css": string;
                "image/svg+xml": string;
            };
        };
        /** @description The file is still the one named by `If-None-Match`. */
        DemoNotModified: {
            headers: {
                ETag: components["headers"]["FileETag"];
                [name: string]: unknown;
            };
            content?: never;
        };
        /** @description In production (`NODE_ENV=production`) this development route does not exist (`VER_0005`). */
        NotServedInProduction: {
            headers: {
                [name: string]: unknown;
            };
            content: {
                "application/problem+json": components["schemas"]["Problem"] & {
                    /** @enum {unknown} */
                    code?: "VER_0005";
                };
            };
        };
        /** @description The request body is over the configured limit (`VER_0003`, `BODY_LIMIT_BYTES`, 64 KiB by default). */
        PayloadTooLarge: {
            headers: {
                [name: string]: unknown;
            };
            content: {
                "application/problem+json": components["schemas"]["Problem"] & {
                    /** @enum {unknown} */
                    code?: "VER_0003";
                };
            };
        };
        /**
         * @description The user has started `INITIATION_RATE_LIMIT` initiations (enrollments, rotations and
         *     sign-in challenges together; default 10) in the current minute, in this tenant
         *     (`VER_0050`). Try again after `Retry-After` seconds.
         */
        RateLimited: {
            headers: {
                "Retry-After": components["headers"]["RetryAfterRequired"];
                [name: string]: unknown;
            };
            content: {
                "application/problem+json": components["schemas"]["Problem"] & {
                    /** @enum {unknown} */
                    code?: "VER_0050";
                } & unknown;
            };
        };
        /**
         * @description The caller (this user of this tenant) has spent its request budget, shared by the
         *     endpoints without a limit of their own (devices, activity, enrollment cancel, audit,
         *     webhooks): `REQUEST_RATE_LIMIT` requests a minute on average, in bursts of as many
         *     (default 120), counted per instance (`VER_0050`). A page polling every few seconds
         *     never meets it. Try again after `Retry-After` seconds.
         */
        RequestRateLimited: {
            headers: {
                "Retry-After": components["headers"]["RetryAfterRequired"];
                [name: string]: unknown;
            };
            content: {
                "application/problem+json": components["schemas"]["Problem"] & {
                    /** @enum {unknown} */
                    code?: "VER_0050";
                } & unknown;
            };
        };
        /**
         * @description Too many initiations (`VER_0050`, see `INITIATION_RATE_LIMIT`), or, for SMS and EMAIL,
         *     a code was sent less than 30 s ago (`VER_0075`), 5 codes went to this destination in
         *     the last 10 minutes (`VER_0076`), or 5 codes were sent for the user in the last hour
         *     (`VER_0077`). Try again after `Retry-After` seconds.
         */
        CodeSendLimited: {
            headers: {
                "Retry-After": components["headers"]["RetryAfterRequired"];
                [name: string]: unknown;
            };
            content: {
                "application/problem+json": components["schemas"]["Problem"] & {
                    /** @enum {unknown} */
                    code?: "VER_0050" | "VER_0075" | "VER_0076" | "VER_0077";
                } & unknown;
            };
        };
        /**
         * @description The database cannot be reached right now (`VER_0503`; retry after `Retry-After`
         *     seconds), or no provider is configured to send codes on the method's channel
         *     (`VER_0074`, SMS and EMAIL, e.g. no `SMS_PROVIDER` in production).
         */
        DeliveryUnavailable: {
            headers: {
                /** @description Seconds to wait before retrying (with `VER_0503`). */
                "Retry-After"?: number;
                [name: string]: unknown;
            };
            content: {
                "application/problem+json": components["schemas"]["Problem"] & {
                    /** @enum {unknown} */
                    code?: "VER_0503" | "VER_0074";
                };
            };
        };
        /** @description The request has a body that is not `application/json`, or in a Content-Encoding other than identity, gzip, deflate or br (`VER_0004`). */
        UnsupportedMediaType: {
            headers: {
                [name: string]: unknown;
            };
            content: {
                "application/problem+json": components["schemas"]["Problem"] & {
                    /** @enum {unknown} */
                    code?: "VER_0004";
                };
            };
        };
        /** @description The database cannot be reached right now (`VER_0503`); retry after `Retry-After` seconds. */
        ServiceUnavailable: {
            headers: {
                /** @description Seconds to wait before retrying. */
                "Retry-After"?: number;
                [name: string]: unknown;
            };
            content: {
                "application/problem+json": components["schemas"]["Problem"] & {
                    /** @enum {unknown} */
                    code?: "VER_0503";
                };
            };
        };
        /** @description An unexpected failure (`VER_0500`); the detail never says more than the title. */
        InternalError: {
            headers: {
                [name: string]: unknown;
            };
            content: {
                "application/problem+json": components["schemas"]["Problem"] & {
                    /** @enum {unknown} */
                    code?: "VER_0500";
                };
            };
        };
        /** @description The query is not valid (`VER_0001`; the bad parameter is named), e.g. an unknown parameter, a limit out of range, `from` after `to`, or a cursor this listing did not hand out. */
        InvalidQuery: {
            headers: {
                [name: string]: unknown;
            };
            content: {
                "application/problem+json": components["schemas"]["Problem"] & {
                    /** @enum {unknown} */
                    code?: "VER_0001";
                };
            };
        };
        /** @description The endpoint id is not a UUID (`VER_0007`). */
        InvalidWebhookId: {
            headers: {
                [name: string]: unknown;
            };
            content: {
                "application/problem+json": components["schemas"]["Problem"] & {
                    /** @enum {unknown} */
                    code?: "VER_0007";
                };
            };
        };
        /** @description The endpoint id is not a UUID (`VER_0007`), or the query is not valid (`VER_0001`). */
        InvalidWebhookQuery: {
            headers: {
                [name: string]: unknown;
            };
            content: {
                "application/problem+json": components["schemas"]["Problem"] & {
                    /** @enum {unknown} */
                    code?: "VER_0001" | "VER_0007";
                };
            };
        };
        /** @description No endpoint of the caller's tenant has this id (`VER_0090`; another tenant's looks the same). */
        WebhookNotFound: {
            headers: {
                [name: string]: unknown;
            };
            content: {
                "application/problem+json": components["schemas"]["Problem"] & {
                    /** @enum {unknown} */
                    code?: "VER_0090";
                };
            };
        };
    };
    parameters: {
        /**
         * @description How the offer carries its QR code (`qr_code`): `png` (default) a 256 px PNG data URL,
         *     `svg` a 256 px SVG data URL, `none` no QR code at all (a profile UI that renders
         *     `otpauth_uri` or `push_uri` itself saves the service the work). Anything else is `400 VER_0001`.
         * @example svg
         */
        QrFormat: "png" | "svg" | "none";
        /**
         * @description A file of the folder, e.g. `profile.js`; one path segment.
         * @example profile.js
         */
        DemoFile: string;
        /**
         * @description The verification method, case-insensitive (`totp` or `TOTP`); see `GET /verification-srv/config/list`.
         * @example totp
         */
        Method: string;
        /**
         * @description The verification method, case-insensitive (`totp` or `TOTP`).
         * @example totp
         */
        ConfigType: string;
        /**
         * @description The exchange id from the initiation (or the latest rotation) response.
         * @example d5edcec1-d306-4cb8-8650-a3eb0330084d
         */
        ExchangeId: components["schemas"]["Uuid"];
        /**
         * @description Proof of a fresh second factor for the step-up rule: the `assertion` of a successful
         *     `POST /verification-srv/authentication/{method}/verification` of the same user and
         *     tenant, at most 5 minutes old (and within `STEP_UP_MAX_AGE_S`). Not needed when the
         *     bearer token itself proves a fresh second factor, nor for a user's first factor.
         * @example eyJhbGciOiJIUzI1NiIsInR5cCI6InZlcmlmaWNhdGlvbi1hc3NlcnRpb24rand0Iiwia2lkIjoiazEifQ.eyJzdWIiOiJhbGljZSJ9.c2lnbmF0dXJl
         */
        VerificationAssertion: string;
        /**
         * @description The `next_cursor` of the previous page, as it was returned (opaque).
         * @example eyJvIjoiZGVzYyIsInMiOjQxfQ
         */
        Cursor: string;
        /**
         * @description The endpoint's id.
         * @example 6b0f5d9e-7a44-4c2b-9f3e-1d8a2c4e5f60
         */
        WebhookId: components["schemas"]["Uuid"];
    };
    requestBodies: {
        /** @description Optional. cidaas' profile UI sends `deviceInfo`; it is accepted and not needed for TOTP. */
        Initiation: {
            content: {
                "application/json": components["schemas"]["InitiationRequest"];
            };
        };
    };
    headers: {
        /** @description Strong validator of the file's bytes; send it back as `If-None-Match`. */
        FileETag: string;
        /**
         * @description Strong validator of this page of activity; send it back as `If-None-Match`.
         * @example "q3Jm0bS3yq1uJb0cQ2b7xN9wZfX"
         */
        ActivityETag: string;
        /** @description `no-store`: the response must not be kept by any cache. */
        NoStore: "no-store";
        /**
         * @description Scripts, styles and requests only from and to this origin (the status WebSocket
         *     included), images from here or `data:` (the QR code), no inline script or style, no
         *     framing, no form posts, and Trusted Types enforced.
         */
        DemoContentSecurityPolicy: string;
        /** @description `no-cache`: always revalidate (a cached INITIATED would hide the scan). */
        NoCache: "no-cache";
        /**
         * @description Strong validator of this version of the status; send it back as `If-None-Match`.
         * @example "04dca6fd-2cd7-4a9d-9d94-851be71d6344.1"
         */
        StatusETag: string;
        /**
         * @description Seconds before the user may try again (only once wrong codes started to cost time).
         * @example 4
         */
        RetryAfter: number;
        /**
         * @description Seconds before the user may try again.
         * @example 900
         */
        RetryAfterRequired: number;
        /**
         * @description The bearer challenge (RFC 6750; RFC 9470 for step-up).
         * @example Bearer error="invalid_token"
         */
        WwwAuthenticate: string;
    };
    pathItems: never;
}
export type $defs = Record<string, never>;
export interface operations {
    listMethods: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The methods, in the seed's shape. */
            200: {
                headers: {
                    "Cache-Control": components["headers"]["NoStore"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["MethodSummary"][];
                };
            };
            401: components["responses"]["Unauthorized"];
            413: components["responses"]["PayloadTooLarge"];
            415: components["responses"]["UnsupportedMediaType"];
            429: components["responses"]["RequestRateLimited"];
            500: components["responses"]["InternalError"];
            503: components["responses"]["ServiceUnavailable"];
        };
    };
    getMethodConfig: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /**
                 * @description The verification method, case-insensitive (`totp` or `TOTP`).
                 * @example totp
                 */
                type: components["parameters"]["ConfigType"];
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The configuration. */
            200: {
                headers: {
                    "Cache-Control": components["headers"]["NoStore"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["MethodConfig"];
                };
            };
            401: components["responses"]["Unauthorized"];
            404: components["responses"]["UnknownMethod"];
            413: components["responses"]["PayloadTooLarge"];
            415: components["responses"]["UnsupportedMediaType"];
            429: components["responses"]["RequestRateLimited"];
            500: components["responses"]["InternalError"];
            503: components["responses"]["ServiceUnavailable"];
        };
    };
    updateMethodConfig: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /**
                 * @description The verification method, case-insensitive (`totp` or `TOTP`).
                 * @example totp
                 */
                type: components["parameters"]["ConfigType"];
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["MethodChange"];
            };
        };
        responses: {
            /** @description The configuration after the change. */
            200: {
                headers: {
                    "Cache-Control": components["headers"]["NoStore"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["MethodConfig"];
                };
            };
            /**
             * @description The body is not valid JSON (`VER_0002`), does not decode with its Content-Encoding
             *     (`VER_0009`), or is not a valid change (`VER_0001`, the bad fields listed under `errors`).
             */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {unknown} */
                        code?: "VER_0001" | "VER_0002" | "VER_0009";
                    };
                };
            };
            401: components["responses"]["Unauthorized"];
            403: components["responses"]["AdminScopeRequired"];
            404: components["responses"]["UnknownMethod"];
            413: components["responses"]["PayloadTooLarge"];
            415: components["responses"]["UnsupportedMediaType"];
            429: components["responses"]["RequestRateLimited"];
            500: components["responses"]["InternalError"];
            503: components["responses"]["ServiceUnavailable"];
        };
    };
    listAuditEvents: {
        parameters: {
            query?: {
                /** @description Only events of this user. */
                sub?: components["schemas"]["Subject"];
                /**
                 * @description Only events of this name, e.g. `authentication.wrong_code`.
                 * @example factor.removed
                 */
                event?: string;
                /**
                 * @description Only events at or after this instant.
                 * @example 2030-01-01T00:00:00Z
                 */
                from?: string;
                /**
                 * @description Only events before this instant.
                 * @example 2030-02-01T00:00:00Z
                 */
                to?: string;
                /**
                 * @description The `next_cursor` of the previous page, as it was returned (opaque).
                 * @example eyJvIjoiZGVzYyIsInMiOjQxfQ
                 */
                cursor?: components["parameters"]["Cursor"];
                /** @description Rows per page. */
                limit?: number;
                /** @description `desc` (newest first) or `asc` (oldest first). */
                order?: "desc" | "asc";
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description One page of rows. */
            200: {
                headers: {
                    "Cache-Control": components["headers"]["NoStore"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["AuditPage"];
                };
            };
            400: components["responses"]["InvalidQuery"];
            401: components["responses"]["Unauthorized"];
            403: components["responses"]["AdminScopeRequired"];
            413: components["responses"]["PayloadTooLarge"];
            415: components["responses"]["UnsupportedMediaType"];
            429: components["responses"]["RequestRateLimited"];
            500: components["responses"]["InternalError"];
            503: components["responses"]["ServiceUnavailable"];
        };
    };
    verifyAuditTrail: {
        parameters: {
            query?: {
                /** @description Check rows at or after this instant. */
                from?: string;
                /** @description Check rows before this instant. */
                to?: string;
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The verdict. */
            200: {
                headers: {
                    "Cache-Control": components["headers"]["NoStore"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["AuditVerification"];
                };
            };
            400: components["responses"]["InvalidQuery"];
            401: components["responses"]["Unauthorized"];
            403: components["responses"]["AdminScopeRequired"];
            413: components["responses"]["PayloadTooLarge"];
            415: components["responses"]["UnsupportedMediaType"];
            429: components["responses"]["RequestRateLimited"];
            500: components["responses"]["InternalError"];
            503: components["responses"]["ServiceUnavailable"];
        };
    };
    listWebhookEndpoints: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The endpoints (an empty list when there are none). */
            200: {
                headers: {
                    "Cache-Control": components["headers"]["NoStore"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["WebhookEndpoint"][];
                };
            };
            401: components["responses"]["Unauthorized"];
            403: components["responses"]["AdminScopeRequired"];
            413: components["responses"]["PayloadTooLarge"];
            415: components["responses"]["UnsupportedMediaType"];
            429: components["responses"]["RequestRateLimited"];
            500: components["responses"]["InternalError"];
            503: components["responses"]["ServiceUnavailable"];
        };
    };
    createWebhookEndpoint: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["WebhookEndpointRequest"];
            };
        };
        responses: {
            /** @description The endpoint, with its secret (shown only here). */
            201: {
                headers: {
                    "Cache-Control": components["headers"]["NoStore"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["WebhookEndpointCreated"];
                };
            };
            /**
             * @description The body is not valid (`VER_0001`, e.g. an unknown event type), not JSON
             *     (`VER_0002`) or does not decode (`VER_0009`), or the URL is not allowed (`VER_0092`).
             */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {unknown} */
                        code?: "VER_0001" | "VER_0002" | "VER_0009" | "VER_0092";
                    };
                };
            };
            401: components["responses"]["Unauthorized"];
            403: components["responses"]["AdminScopeRequired"];
            /** @description The tenant already has 20 endpoints (`VER_0091`). */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {unknown} */
                        code?: "VER_0091";
                    };
                };
            };
            413: components["responses"]["PayloadTooLarge"];
            415: components["responses"]["UnsupportedMediaType"];
            429: components["responses"]["RequestRateLimited"];
            500: components["responses"]["InternalError"];
            503: components["responses"]["ServiceUnavailable"];
        };
    };
    getWebhookEndpoint: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /**
                 * @description The endpoint's id.
                 * @example 6b0f5d9e-7a44-4c2b-9f3e-1d8a2c4e5f60
                 */
                id: components["parameters"]["WebhookId"];
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The endpoint. */
            200: {
                headers: {
                    "Cache-Control": components["headers"]["NoStore"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["WebhookEndpoint"];
                };
            };
            400: components["responses"]["InvalidWebhookId"];
            401: components["responses"]["Unauthorized"];
            403: components["responses"]["AdminScopeRequired"];
            404: components["responses"]["WebhookNotFound"];
            413: components["responses"]["PayloadTooLarge"];
            415: components["responses"]["UnsupportedMediaType"];
            429: components["responses"]["RequestRateLimited"];
            500: components["responses"]["InternalError"];
            503: components["responses"]["ServiceUnavailable"];
        };
    };
    deleteWebhookEndpoint: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /**
                 * @description The endpoint's id.
                 * @example 6b0f5d9e-7a44-4c2b-9f3e-1d8a2c4e5f60
                 */
                id: components["parameters"]["WebhookId"];
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Deleted. */
            204: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            400: components["responses"]["InvalidWebhookId"];
            401: components["responses"]["Unauthorized"];
            403: components["responses"]["AdminScopeRequired"];
            404: components["responses"]["WebhookNotFound"];
            413: components["responses"]["PayloadTooLarge"];
            415: components["responses"]["UnsupportedMediaType"];
            429: components["responses"]["RequestRateLimited"];
            500: components["responses"]["InternalError"];
            503: components["responses"]["ServiceUnavailable"];
        };
    };
    rotateWebhookSecret: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /**
                 * @description The endpoint's id.
                 * @example 6b0f5d9e-7a44-4c2b-9f3e-1d8a2c4e5f60
                 */
                id: components["parameters"]["WebhookId"];
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The new secret. */
            200: {
                headers: {
                    "Cache-Control": components["headers"]["NoStore"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["WebhookSecretRotated"];
                };
            };
            400: components["responses"]["InvalidWebhookId"];
            401: components["responses"]["Unauthorized"];
            403: components["responses"]["AdminScopeRequired"];
            404: components["responses"]["WebhookNotFound"];
            413: components["responses"]["PayloadTooLarge"];
            415: components["responses"]["UnsupportedMediaType"];
            429: components["responses"]["RequestRateLimited"];
            500: components["responses"]["InternalError"];
            503: components["responses"]["ServiceUnavailable"];
        };
    };
    listWebhookDeliveries: {
        parameters: {
            query?: {
                /**
                 * @description The `next_cursor` of the previous page, as it was returned (opaque).
                 * @example eyJvIjoiZGVzYyIsInMiOjQxfQ
                 */
                cursor?: components["parameters"]["Cursor"];
                /** @description Deliveries per page. */
                limit?: number;
            };
            header?: never;
            path: {
                /**
                 * @description The endpoint's id.
                 * @example 6b0f5d9e-7a44-4c2b-9f3e-1d8a2c4e5f60
                 */
                id: components["parameters"]["WebhookId"];
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description One page of deliveries. */
            200: {
                headers: {
                    "Cache-Control": components["headers"]["NoStore"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["WebhookDeliveryPage"];
                };
            };
            400: components["responses"]["InvalidWebhookQuery"];
            401: components["responses"]["Unauthorized"];
            403: components["responses"]["AdminScopeRequired"];
            404: components["responses"]["WebhookNotFound"];
            413: components["responses"]["PayloadTooLarge"];
            415: components["responses"]["UnsupportedMediaType"];
            429: components["responses"]["RequestRateLimited"];
            500: components["responses"]["InternalError"];
            503: components["responses"]["ServiceUnavailable"];
        };
    };
    retryWebhookDelivery: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /**
                 * @description The endpoint's id.
                 * @example 6b0f5d9e-7a44-4c2b-9f3e-1d8a2c4e5f60
                 */
                id: components["parameters"]["WebhookId"];
                /**
                 * @description The delivery's id (its `webhook-id`).
                 * @example 0e7d1c3a-5b6f-4a8e-9d2c-7f1e3b5a9c80
                 */
                delivery_id: components["schemas"]["Uuid"];
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Queued; the delivery as it is now. */
            202: {
                headers: {
                    "Cache-Control": components["headers"]["NoStore"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["WebhookDelivery"];
                };
            };
            /** @description The endpoint id or the delivery id is not a UUID (`VER_0007`). */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {unknown} */
                        code?: "VER_0007";
                    };
                };
            };
            401: components["responses"]["Unauthorized"];
            403: components["responses"]["AdminScopeRequired"];
            /**
             * @description No endpoint of the caller's tenant has this id (`VER_0090`; another tenant's looks
             *     the same), or it has no delivery with this id (`VER_0093`).
             */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {unknown} */
                        code?: "VER_0090" | "VER_0093";
                    };
                };
            };
            /** @description The delivery is being sent right now, or the endpoint is disabled (`VER_0094`). */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {unknown} */
                        code?: "VER_0094";
                    };
                };
            };
            413: components["responses"]["PayloadTooLarge"];
            415: components["responses"]["UnsupportedMediaType"];
            429: components["responses"]["RequestRateLimited"];
            500: components["responses"]["InternalError"];
            503: components["responses"]["ServiceUnavailable"];
        };
    };
    initiateEnrollment: {
        parameters: {
            query?: {
                /**
                 * @description How the offer carries its QR code (`qr_code`): `png` (default) a 256 px PNG data URL,
                 *     `svg` a 256 px SVG data URL, `none` no QR code at all (a profile UI that renders
                 *     `otpauth_uri` or `push_uri` itself saves the service the work). Anything else is `400 VER_0001`.
                 * @example svg
                 */
                qr?: components["parameters"]["QrFormat"];
            };
            header?: {
                /**
                 * @description Proof of a fresh second factor for the step-up rule: the `assertion` of a successful
                 *     `POST /verification-srv/authentication/{method}/verification` of the same user and
                 *     tenant, at most 5 minutes old (and within `STEP_UP_MAX_AGE_S`). Not needed when the
                 *     bearer token itself proves a fresh second factor, nor for a user's first factor.
                 * @example eyJhbGciOiJIUzI1NiIsInR5cCI6InZlcmlmaWNhdGlvbi1hc3NlcnRpb24rand0Iiwia2lkIjoiazEifQ.eyJzdWIiOiJhbGljZSJ9.c2lnbmF0dXJl
                 */
                "Verification-Assertion"?: components["parameters"]["VerificationAssertion"];
            };
            path: {
                /**
                 * @description The verification method, case-insensitive (`totp` or `TOTP`); see `GET /verification-srv/config/list`.
                 * @example totp
                 */
                method: components["parameters"]["Method"];
            };
            cookie?: never;
        };
        requestBody?: components["requestBodies"]["Initiation"];
        responses: {
            201: components["responses"]["Initiated"];
            400: components["responses"]["InvalidInitiation"];
            401: components["responses"]["StepUpUnauthorized"];
            403: components["responses"]["WebAuthnOriginRefused"];
            404: components["responses"]["UnknownMethod"];
            409: components["responses"]["CannotInitiate"];
            413: components["responses"]["PayloadTooLarge"];
            415: components["responses"]["UnsupportedMediaType"];
            429: components["responses"]["CodeSendLimited"];
            500: components["responses"]["InternalError"];
            503: components["responses"]["DeliveryUnavailable"];
        };
    };
    initiateEnrollmentV2: {
        parameters: {
            query?: {
                /**
                 * @description How the offer carries its QR code (`qr_code`): `png` (default) a 256 px PNG data URL,
                 *     `svg` a 256 px SVG data URL, `none` no QR code at all (a profile UI that renders
                 *     `otpauth_uri` or `push_uri` itself saves the service the work). Anything else is `400 VER_0001`.
                 * @example svg
                 */
                qr?: components["parameters"]["QrFormat"];
            };
            header?: {
                /**
                 * @description Proof of a fresh second factor for the step-up rule: the `assertion` of a successful
                 *     `POST /verification-srv/authentication/{method}/verification` of the same user and
                 *     tenant, at most 5 minutes old (and within `STEP_UP_MAX_AGE_S`). Not needed when the
                 *     bearer token itself proves a fresh second factor, nor for a user's first factor.
                 * @example eyJhbGciOiJIUzI1NiIsInR5cCI6InZlcmlmaWNhdGlvbi1hc3NlcnRpb24rand0Iiwia2lkIjoiazEifQ.eyJzdWIiOiJhbGljZSJ9.c2lnbmF0dXJl
                 */
                "Verification-Assertion"?: components["parameters"]["VerificationAssertion"];
            };
            path: {
                /**
                 * @description The verification method, case-insensitive (`totp` or `TOTP`); see `GET /verification-srv/config/list`.
                 * @example totp
                 */
                method: components["parameters"]["Method"];
            };
            cookie?: never;
        };
        requestBody?: components["requestBodies"]["Initiation"];
        responses: {
            201: components["responses"]["Initiated"];
            400: components["responses"]["InvalidInitiation"];
            401: components["responses"]["StepUpUnauthorized"];
            403: components["responses"]["WebAuthnOriginRefused"];
            404: components["responses"]["UnknownMethod"];
            409: components["responses"]["CannotInitiate"];
            413: components["responses"]["PayloadTooLarge"];
            415: components["responses"]["UnsupportedMediaType"];
            429: components["responses"]["CodeSendLimited"];
            500: components["responses"]["InternalError"];
            503: components["responses"]["DeliveryUnavailable"];
        };
    };
    rotateEnrollment: {
        parameters: {
            query?: {
                /**
                 * @description How the offer carries its QR code (`qr_code`): `png` (default) a 256 px PNG data URL,
                 *     `svg` a 256 px SVG data URL, `none` no QR code at all (a profile UI that renders
                 *     `otpauth_uri` or `push_uri` itself saves the service the work). Anything else is `400 VER_0001`.
                 * @example svg
                 */
                qr?: components["parameters"]["QrFormat"];
            };
            header?: never;
            path: {
                /**
                 * @description The verification method, case-insensitive (`totp` or `TOTP`); see `GET /verification-srv/config/list`.
                 * @example totp
                 */
                method: components["parameters"]["Method"];
                /**
                 * @description The exchange id from the initiation (or the latest rotation) response.
                 * @example d5edcec1-d306-4cb8-8650-a3eb0330084d
                 */
                exchange_id: components["parameters"]["ExchangeId"];
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            200: components["responses"]["EnrollmentOffer"];
            /** @description The exchange id is not a UUID (`VER_0007`), `qr` is not `png`, `svg` or `none` (`VER_0001`), or a body was sent that is not valid JSON (`VER_0002`) or does not decode (`VER_0009`). */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {unknown} */
                        code?: "VER_0002" | "VER_0007" | "VER_0009";
                    };
                };
            };
            401: components["responses"]["Unauthorized"];
            404: components["responses"]["EnrollmentOperationNotFound"];
            /**
             * @description The enrollment is no longer live: expired (`VER_0031`), already enrolled
             *     (`VER_0032`), cancelled (`VER_0033`), failed (`VER_0034`), or this exchange was
             *     already replaced by a rotation (`VER_0040`).
             */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {unknown} */
                        code?: "VER_0031" | "VER_0032" | "VER_0033" | "VER_0034" | "VER_0040";
                    };
                };
            };
            413: components["responses"]["PayloadTooLarge"];
            415: components["responses"]["UnsupportedMediaType"];
            429: components["responses"]["RateLimited"];
            500: components["responses"]["InternalError"];
            503: components["responses"]["ServiceUnavailable"];
        };
    };
    resendEnrollmentCode: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /**
                 * @description The verification method, case-insensitive (`totp` or `TOTP`); see `GET /verification-srv/config/list`.
                 * @example totp
                 */
                method: components["parameters"]["Method"];
                /**
                 * @description The exchange id from the initiation (or the latest rotation) response.
                 * @example d5edcec1-d306-4cb8-8650-a3eb0330084d
                 */
                exchange_id: components["parameters"]["ExchangeId"];
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            200: components["responses"]["EnrollmentOffer"];
            /** @description The exchange id is not a UUID (`VER_0007`), or a body was sent that is not valid JSON (`VER_0002`) or does not decode (`VER_0009`). */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {unknown} */
                        code?: "VER_0002" | "VER_0007" | "VER_0009";
                    };
                };
            };
            401: components["responses"]["Unauthorized"];
            404: components["responses"]["EnrollmentOperationNotFound"];
            /**
             * @description The enrollment is no longer live: expired (`VER_0031`), already enrolled
             *     (`VER_0032`), cancelled (`VER_0033`), failed (`VER_0034`), or this exchange was
             *     replaced by a rotation (`VER_0040`); or the method was switched off (`VER_0021`).
             */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {unknown} */
                        code?: "VER_0021" | "VER_0031" | "VER_0032" | "VER_0033" | "VER_0034" | "VER_0040";
                    };
                };
            };
            413: components["responses"]["PayloadTooLarge"];
            415: components["responses"]["UnsupportedMediaType"];
            429: components["responses"]["CodeSendLimited"];
            500: components["responses"]["InternalError"];
            503: components["responses"]["DeliveryUnavailable"];
        };
    };
    cancelEnrollment: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /**
                 * @description The verification method, case-insensitive (`totp` or `TOTP`); see `GET /verification-srv/config/list`.
                 * @example totp
                 */
                method: components["parameters"]["Method"];
                /**
                 * @description The exchange id from the initiation (or the latest rotation) response.
                 * @example d5edcec1-d306-4cb8-8650-a3eb0330084d
                 */
                exchange_id: components["parameters"]["ExchangeId"];
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The enrollment's status after cancelling. */
            200: {
                headers: {
                    "Cache-Control": components["headers"]["NoStore"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["StatusDocument"];
                };
            };
            /** @description The exchange id is not a UUID (`VER_0007`). */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {unknown} */
                        code?: "VER_0007";
                    };
                };
            };
            401: components["responses"]["Unauthorized"];
            404: components["responses"]["EnrollmentNotFound"];
            /**
             * @description The enrollment is no longer live: expired (`VER_0031`), already enrolled
             *     (`VER_0032`), already cancelled (`VER_0033`), failed (`VER_0034`), or this exchange
             *     was replaced by a rotation (`VER_0040`).
             */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {unknown} */
                        code?: "VER_0031" | "VER_0032" | "VER_0033" | "VER_0034" | "VER_0040";
                    };
                };
            };
            413: components["responses"]["PayloadTooLarge"];
            415: components["responses"]["UnsupportedMediaType"];
            429: components["responses"]["RequestRateLimited"];
            500: components["responses"]["InternalError"];
            503: components["responses"]["ServiceUnavailable"];
        };
    };
    verifyEnrollment: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /**
                 * @description The verification method, case-insensitive (`totp` or `TOTP`); see `GET /verification-srv/config/list`.
                 * @example totp
                 */
                method: components["parameters"]["Method"];
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["ProfileVerificationRequest"];
            };
        };
        responses: {
            200: components["responses"]["Enrolled"];
            400: components["responses"]["InvalidEnrollmentProof"];
            401: components["responses"]["Unauthorized"];
            403: components["responses"]["WebAuthnOriginRefused"];
            404: components["responses"]["EnrollmentOperationNotFound"];
            /**
             * @description The enrollment cannot be completed here: expired (`VER_0031`), already enrolled
             *     (`VER_0032`), cancelled (`VER_0033`), failed after too many wrong codes
             *     (`VER_0034`, also answered to the last wrong code), scanned by a companion app
             *     which must complete it (`VER_0036`), the user already has the maximum number of
             *     authenticators (`VER_0039`), the exchange was replaced by a rotation
             *     (`VER_0040`), or the enrollment started without step-up while the user had no
             *     factor and another factor was enrolled since (`VER_0015`; it is cancelled: start a
             *     new one, which now needs step-up), or (FIDO2, TOUCHID) the credential is already
             *     registered (`VER_0086`).
             */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {unknown} */
                        code?: "VER_0015" | "VER_0031" | "VER_0032" | "VER_0033" | "VER_0034" | "VER_0036" | "VER_0039" | "VER_0040" | "VER_0086";
                    };
                };
            };
            413: components["responses"]["PayloadTooLarge"];
            415: components["responses"]["UnsupportedMediaType"];
            500: components["responses"]["InternalError"];
            503: components["responses"]["ServiceUnavailable"];
        };
    };
    scanEnrollment: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /**
                 * @description The verification method, case-insensitive (`totp` or `TOTP`); see `GET /verification-srv/config/list`.
                 * @example totp
                 */
                method: components["parameters"]["Method"];
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["ScanRequest"];
            };
        };
        responses: {
            /** @description The enrollment is scanned by this device. */
            200: {
                headers: {
                    "Cache-Control": components["headers"]["NoStore"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ScanResult"];
                };
            };
            400: components["responses"]["InvalidBody"];
            /** @description The client id is not the authenticator client of this enrollment (`VER_0037`). */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {unknown} */
                        code?: "VER_0037";
                    };
                };
            };
            404: components["responses"]["EnrollmentOperationNotFound"];
            /**
             * @description The enrollment cannot be scanned: expired (`VER_0031`), already enrolled
             *     (`VER_0032`), cancelled (`VER_0033`), failed (`VER_0034`), already scanned by
             *     another device (`VER_0036`), or the exchange was replaced by a rotation
             *     (`VER_0040`).
             */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {unknown} */
                        code?: "VER_0031" | "VER_0032" | "VER_0033" | "VER_0034" | "VER_0036" | "VER_0040";
                    };
                };
            };
            413: components["responses"]["PayloadTooLarge"];
            415: components["responses"]["UnsupportedMediaType"];
            500: components["responses"]["InternalError"];
            503: components["responses"]["ServiceUnavailable"];
        };
    };
    enrollAuthenticator: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /**
                 * @description The verification method, case-insensitive (`totp` or `TOTP`); see `GET /verification-srv/config/list`.
                 * @example totp
                 */
                method: components["parameters"]["Method"];
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["EnrollRequest"];
            };
        };
        responses: {
            200: components["responses"]["Enrolled"];
            /**
             * @description The code is wrong (`VER_0041`, with the attempts left; TOTP), the public key is not
             *     an accepted public JWK (`VER_0063`; PUSH), the proof is not a JWS by that key over
             *     this exchange id (`VER_0064`; PUSH), or the body is not valid (`VER_0001`), not JSON
             *     (`VER_0002`) or does not decode with its Content-Encoding (`VER_0009`).
             */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {unknown} */
                        code?: "VER_0001" | "VER_0002" | "VER_0009" | "VER_0041" | "VER_0063" | "VER_0064";
                    };
                };
            };
            /**
             * @description The client id is not this enrollment's authenticator client (`VER_0037`), or the
             *     device is not the one that scanned it (`VER_0038`).
             */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {unknown} */
                        code?: "VER_0037" | "VER_0038";
                    };
                };
            };
            404: components["responses"]["EnrollmentOperationNotFound"];
            /**
             * @description The enrollment cannot be completed here: not scanned yet (`VER_0035`), expired
             *     (`VER_0031`), already enrolled (`VER_0032`), cancelled (`VER_0033`), failed after
             *     too many wrong codes (`VER_0034`, also answered to the last wrong code), the user
             *     already has the maximum number of authenticators (`VER_0039`), the exchange was
             *     replaced by a rotation (`VER_0040`), or the enrollment started without step-up
             *     while the user had no factor and another factor was enrolled since (`VER_0015`; it
             *     is cancelled).
             */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {unknown} */
                        code?: "VER_0015" | "VER_0031" | "VER_0032" | "VER_0033" | "VER_0034" | "VER_0035" | "VER_0039" | "VER_0040";
                    };
                };
            };
            413: components["responses"]["PayloadTooLarge"];
            415: components["responses"]["UnsupportedMediaType"];
            500: components["responses"]["InternalError"];
            503: components["responses"]["ServiceUnavailable"];
        };
    };
    renameDevice: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /**
                 * @description The verification method, case-insensitive (`totp` or `TOTP`); see `GET /verification-srv/config/list`.
                 * @example totp
                 */
                method: components["parameters"]["Method"];
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["FriendlyNameRequest"];
            };
        };
        responses: {
            /** @description The renamed authenticator. */
            200: {
                headers: {
                    "Cache-Control": components["headers"]["NoStore"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["DeviceView"];
                };
            };
            400: components["responses"]["InvalidBody"];
            401: components["responses"]["Unauthorized"];
            /**
             * @description Unknown verification method (`VER_0020`), or no authenticator with this `ph_id`
             *     belongs to the caller (`VER_0044`; someone else's is reported the same way).
             */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {unknown} */
                        code?: "VER_0020" | "VER_0044";
                    };
                };
            };
            413: components["responses"]["PayloadTooLarge"];
            415: components["responses"]["UnsupportedMediaType"];
            429: components["responses"]["RequestRateLimited"];
            500: components["responses"]["InternalError"];
            503: components["responses"]["ServiceUnavailable"];
        };
    };
    listDevices: {
        parameters: {
            query?: {
                /**
                 * @description Whose authenticators to list; another user's needs `verification:admin`.
                 * @example da65eb32-d460-4355-8b94-ee061896712f
                 */
                sub?: components["schemas"]["Subject"];
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The authenticators (an empty list when there are none). */
            200: {
                headers: {
                    "Cache-Control": components["headers"]["NoStore"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["DeviceView"][];
                };
            };
            /** @description The query is not valid (`VER_0001`; only `sub` is accepted). */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {unknown} */
                        code?: "VER_0001";
                    };
                };
            };
            401: components["responses"]["Unauthorized"];
            403: components["responses"]["AdminScopeRequired"];
            413: components["responses"]["PayloadTooLarge"];
            415: components["responses"]["UnsupportedMediaType"];
            429: components["responses"]["RequestRateLimited"];
            500: components["responses"]["InternalError"];
            503: components["responses"]["ServiceUnavailable"];
        };
    };
    removeDevice: {
        parameters: {
            query?: never;
            header?: {
                /**
                 * @description Proof of a fresh second factor for the step-up rule: the `assertion` of a successful
                 *     `POST /verification-srv/authentication/{method}/verification` of the same user and
                 *     tenant, at most 5 minutes old (and within `STEP_UP_MAX_AGE_S`). Not needed when the
                 *     bearer token itself proves a fresh second factor, nor for a user's first factor.
                 * @example eyJhbGciOiJIUzI1NiIsInR5cCI6InZlcmlmaWNhdGlvbi1hc3NlcnRpb24rand0Iiwia2lkIjoiazEifQ.eyJzdWIiOiJhbGljZSJ9.c2lnbmF0dXJl
                 */
                "Verification-Assertion"?: components["parameters"]["VerificationAssertion"];
            };
            path: {
                /**
                 * @description The authenticator's id.
                 * @example 79e52278-80f4-488f-8adc-5ef3d4c4869d
                 */
                ph_id: components["schemas"]["Uuid"];
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Removed. */
            204: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            /** @description The `ph_id` is not a UUID (`VER_0007`). */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {unknown} */
                        code?: "VER_0007";
                    };
                };
            };
            401: components["responses"]["StepUpUnauthorized"];
            /**
             * @description No authenticator with this `ph_id` belongs to the caller (`VER_0044`; someone
             *     else's is reported the same way, so ids cannot be probed).
             */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {unknown} */
                        code?: "VER_0044";
                    };
                };
            };
            413: components["responses"]["PayloadTooLarge"];
            415: components["responses"]["UnsupportedMediaType"];
            429: components["responses"]["RequestRateLimited"];
            500: components["responses"]["InternalError"];
            503: components["responses"]["ServiceUnavailable"];
        };
    };
    listActivity: {
        parameters: {
            query?: {
                /**
                 * @description The `next_cursor` of the previous page, as it was returned (opaque).
                 * @example eyJvIjoiZGVzYyIsInMiOjQxfQ
                 */
                cursor?: components["parameters"]["Cursor"];
                /** @description Events per page. */
                limit?: number;
            };
            header?: {
                /**
                 * @description The `ETag` of the page the caller already has.
                 * @example "q3Jm0bS3yq1uJb0cQ2b7xN9wZfX"
                 */
                "If-None-Match"?: string;
            };
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description One page of the caller's events. */
            200: {
                headers: {
                    ETag: components["headers"]["ActivityETag"];
                    "Cache-Control": components["headers"]["NoStore"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ActivityPage"];
                };
            };
            /** @description The page is still the one named by `If-None-Match`. */
            304: {
                headers: {
                    ETag: components["headers"]["ActivityETag"];
                    "Cache-Control": components["headers"]["NoStore"];
                    [name: string]: unknown;
                };
                content?: never;
            };
            400: components["responses"]["InvalidQuery"];
            401: components["responses"]["Unauthorized"];
            413: components["responses"]["PayloadTooLarge"];
            415: components["responses"]["UnsupportedMediaType"];
            429: components["responses"]["RequestRateLimited"];
            500: components["responses"]["InternalError"];
            503: components["responses"]["ServiceUnavailable"];
        };
    };
    initiateSignIn: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /**
                 * @description The verification method, case-insensitive (`totp` or `TOTP`); see `GET /verification-srv/config/list`.
                 * @example totp
                 */
                method: components["parameters"]["Method"];
            };
            cookie?: never;
        };
        requestBody?: {
            content: {
                "application/json": components["schemas"]["SignInInitiationRequest"];
            };
        };
        responses: {
            /** @description The challenge; watch `status_id`, answer with `exchange_id`. Never cached. */
            201: {
                headers: {
                    "Cache-Control": components["headers"]["NoStore"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ChallengeOffer"];
                };
            };
            400: components["responses"]["InvalidBody"];
            401: components["responses"]["Unauthorized"];
            403: components["responses"]["SignInForbidden"];
            /** @description The method is not one this service implements (`VER_0020`) or starts no challenge (`VER_0022`), or `ph_id` names no enrolled destination of the user (`VER_0079`, SMS and EMAIL). */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {unknown} */
                        code?: "VER_0020" | "VER_0022" | "VER_0079";
                    };
                };
            };
            /**
             * @description The method is not active for the tenant (`VER_0021`), the user has no enrolled
             *     authenticator for it (`VER_0043`), or (FIDO2, TOUCHID) no relying party can be
             *     worked out (`VER_0088`).
             */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {unknown} */
                        code?: "VER_0021" | "VER_0043" | "VER_0088";
                    };
                };
            };
            413: components["responses"]["PayloadTooLarge"];
            415: components["responses"]["UnsupportedMediaType"];
            /**
             * @description Too many initiations this minute (`VER_0050`, see `INITIATION_RATE_LIMIT`), or, for
             *     PUSH, push-fatigue limits: three challenges already wait for an answer
             *     (`VER_0066`), or PUSH sign-in is locked after three denials within 10 minutes or a
             *     fraud report (`VER_0067`, for 15 minutes); or, for SMS and EMAIL, the send caps: 5
             *     codes to this destination in 10 minutes (`VER_0076`) or 5 for the user in an hour
             *     (`VER_0077`). Try again after `Retry-After` seconds.
             */
            429: {
                headers: {
                    "Retry-After": components["headers"]["RetryAfterRequired"];
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {unknown} */
                        code?: "VER_0050" | "VER_0066" | "VER_0067" | "VER_0076" | "VER_0077";
                    } & unknown;
                };
            };
            500: components["responses"]["InternalError"];
            503: components["responses"]["DeliveryUnavailable"];
        };
    };
    verifySignIn: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /**
                 * @description The verification method, case-insensitive (`totp` or `TOTP`); see `GET /verification-srv/config/list`.
                 * @example totp
                 */
                method: components["parameters"]["Method"];
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["SignInRequest"];
            };
        };
        responses: {
            /** @description The code is valid; it is now used up. */
            200: {
                headers: {
                    "Cache-Control": components["headers"]["NoStore"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["SignInResult"];
                };
            };
            /**
             * @description The code is wrong, replayed or outside the window (`VER_0041`; once the user must
             *     wait, with `Retry-After`), a backup code cannot be one (`VER_0095`: wrong length or a
             *     look-alike character; not counted), the body is not valid (`VER_0001`, also when a service
             *     token names no `sub`), not JSON (`VER_0002`) or does not decode with its
             *     Content-Encoding (`VER_0009`). FIDO2, TOUCHID: the assertion is malformed or its
             *     signature does not verify (`VER_0080`), it is for another RP ID (`VER_0082`) or
             *     challenge (`VER_0083`), lacks user verification (`VER_0084`, TOUCHID), or its
             *     credential is not one of the user's (`VER_0087`).
             */
            400: {
                headers: {
                    "Retry-After": components["headers"]["RetryAfter"];
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {unknown} */
                        code?: "VER_0001" | "VER_0002" | "VER_0009" | "VER_0041" | "VER_0080" | "VER_0082" | "VER_0083" | "VER_0084" | "VER_0087" | "VER_0095";
                    };
                };
            };
            401: components["responses"]["Unauthorized"];
            403: components["responses"]["SignInVerificationForbidden"];
            404: components["responses"]["ChallengeNotFound"];
            /**
             * @description The method is not active for the tenant (`VER_0021`), the user has no enrolled
             *     authenticator for it (`VER_0043`), or the challenge cannot be answered: expired
             *     (`VER_0024`), already answered (`VER_0025`), cancelled (`VER_0026`), failed after too
             *     many wrong codes (`VER_0027`, also answered to the last wrong code), denied
             *     (`VER_0028`), or not answered yet on the device of a method answered there
             *     (`VER_0029`); every backup code of the user was used (`VER_0096`), or the set was
             *     made under a `SECRET_KEY` no longer configured (`VER_0097`).
             */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {unknown} */
                        code?: "VER_0021" | "VER_0024" | "VER_0025" | "VER_0026" | "VER_0027" | "VER_0028" | "VER_0029" | "VER_0043" | "VER_0096" | "VER_0097";
                    };
                };
            };
            413: components["responses"]["PayloadTooLarge"];
            415: components["responses"]["UnsupportedMediaType"];
            /**
             * @description Too many wrong codes: the user is locked until `Retry-After` seconds have passed
             *     (`VER_0042`). Codes are not even checked meanwhile.
             */
            429: {
                headers: {
                    "Retry-After": components["headers"]["RetryAfterRequired"];
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {unknown} */
                        code?: "VER_0042";
                    } & unknown;
                };
            };
            500: components["responses"]["InternalError"];
            503: components["responses"]["ServiceUnavailable"];
        };
    };
    cancelSignIn: {
        parameters: {
            query?: {
                /**
                 * @description Whose challenge it is; required with a `verification:service` token, else the caller's own.
                 * @example da65eb32-d460-4355-8b94-ee061896712f
                 */
                sub?: components["schemas"]["Subject"];
            };
            header?: never;
            path: {
                /**
                 * @description The verification method, case-insensitive (`totp` or `TOTP`); see `GET /verification-srv/config/list`.
                 * @example totp
                 */
                method: components["parameters"]["Method"];
                /**
                 * @description The exchange id from the initiation (or the latest rotation) response.
                 * @example d5edcec1-d306-4cb8-8650-a3eb0330084d
                 */
                exchange_id: components["parameters"]["ExchangeId"];
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The challenge's status after cancelling. */
            200: {
                headers: {
                    "Cache-Control": components["headers"]["NoStore"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["StatusDocument"];
                };
            };
            /** @description The exchange id is not a UUID (`VER_0007`), or the query is not valid (`VER_0001`; only `sub` is accepted, and a service token must give it). */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {unknown} */
                        code?: "VER_0001" | "VER_0007";
                    };
                };
            };
            401: components["responses"]["Unauthorized"];
            403: components["responses"]["ServiceScopeRequired"];
            404: components["responses"]["ChallengeNotFound"];
            /**
             * @description The challenge is no longer live: expired (`VER_0024`), answered (`VER_0025`),
             *     already cancelled (`VER_0026`), failed (`VER_0027`) or denied (`VER_0028`).
             */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {unknown} */
                        code?: "VER_0024" | "VER_0025" | "VER_0026" | "VER_0027" | "VER_0028";
                    };
                };
            };
            413: components["responses"]["PayloadTooLarge"];
            415: components["responses"]["UnsupportedMediaType"];
            500: components["responses"]["InternalError"];
            503: components["responses"]["ServiceUnavailable"];
        };
    };
    listPendingPushChallenges: {
        parameters: {
            query?: {
                /** @description Seconds to hold the request while nothing is pending (0–30). */
                wait?: number;
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The pending challenges (possibly none). Never cached. */
            200: {
                headers: {
                    "Cache-Control": components["headers"]["NoStore"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["PendingChallenges"];
                };
            };
            400: components["responses"]["InvalidQuery"];
            401: components["responses"]["DeviceUnauthorized"];
            500: components["responses"]["InternalError"];
            503: components["responses"]["ServiceUnavailable"];
        };
    };
    answerPushChallenge: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["PushResponseRequest"];
            };
        };
        responses: {
            /** @description The challenge's new status. Never cached. */
            200: {
                headers: {
                    "Cache-Control": components["headers"]["NoStore"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["PushAnswerResult"];
                };
            };
            /**
             * @description The response is not a current JWS by an enrolled device, or its payload is not an
             *     answer (`VER_0065`), or the body is not valid (`VER_0001`), not JSON (`VER_0002`) or
             *     does not decode (`VER_0009`).
             */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {unknown} */
                        code?: "VER_0001" | "VER_0002" | "VER_0009" | "VER_0065";
                    };
                };
            };
            404: components["responses"]["ChallengeNotFound"];
            /**
             * @description The challenge cannot be answered: expired (`VER_0024`), already approved
             *     (`VER_0025`), cancelled (`VER_0026`), failed (`VER_0027`) or denied (`VER_0028`).
             */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {unknown} */
                        code?: "VER_0024" | "VER_0025" | "VER_0026" | "VER_0027" | "VER_0028";
                    };
                };
            };
            413: components["responses"]["PayloadTooLarge"];
            415: components["responses"]["UnsupportedMediaType"];
            500: components["responses"]["InternalError"];
            503: components["responses"]["ServiceUnavailable"];
        };
    };
    getEnrollmentStatus: {
        parameters: {
            query?: {
                /**
                 * @description Long poll for up to this many seconds.
                 * @example 25
                 */
                wait?: number;
            };
            header?: {
                /**
                 * @description The `ETag` of the status the caller already has.
                 * @example "04dca6fd-2cd7-4a9d-9d94-851be71d6344.1"
                 */
                "If-None-Match"?: string;
            };
            path: {
                /**
                 * @description The status id from the initiation response.
                 * @example 04dca6fd-2cd7-4a9d-9d94-851be71d6344
                 */
                status_id: components["schemas"]["Uuid"];
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The status. */
            200: {
                headers: {
                    ETag: components["headers"]["StatusETag"];
                    "Cache-Control": components["headers"]["NoCache"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["StatusDocument"];
                };
            };
            /** @description The status is still the one named by `If-None-Match`. */
            304: {
                headers: {
                    ETag: components["headers"]["StatusETag"];
                    "Cache-Control": components["headers"]["NoCache"];
                    [name: string]: unknown;
                };
                content?: never;
            };
            /** @description The status id is not a UUID (`VER_0007`), or the query is not valid (`VER_0001`). */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {unknown} */
                        code?: "VER_0001" | "VER_0007";
                    };
                };
            };
            /** @description No enrollment or sign-in challenge has this status id (`VER_0030`). */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {unknown} */
                        code?: "VER_0030";
                    };
                };
            };
            413: components["responses"]["PayloadTooLarge"];
            415: components["responses"]["UnsupportedMediaType"];
            500: components["responses"]["InternalError"];
            503: components["responses"]["ServiceUnavailable"];
        };
    };
    readDevOutbox: {
        parameters: {
            query: {
                /**
                 * @description The phone number (E.164) or email address the messages went to.
                 * @example +4915123456789
                 */
                to: string;
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The messages sent to `to` (an empty list when there are none). */
            200: {
                headers: {
                    "Cache-Control": components["headers"]["NoStore"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["DevOutbox"];
                };
            };
            /** @description `to` is missing or too long (`VER_0001`), or looks like an email address but is not one (`VER_0073`). */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {unknown} */
                        code?: "VER_0001" | "VER_0073";
                    };
                };
            };
            413: components["responses"]["PayloadTooLarge"];
            415: components["responses"]["UnsupportedMediaType"];
            500: components["responses"]["InternalError"];
            503: components["responses"]["ServiceUnavailable"];
        };
    };
    getHealth: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The process is alive. */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Health"];
                };
            };
            413: components["responses"]["PayloadTooLarge"];
            415: components["responses"]["UnsupportedMediaType"];
            500: components["responses"]["InternalError"];
        };
    };
    getReadiness: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Ready to serve. */
            200: {
                headers: {
                    "Cache-Control": components["headers"]["NoStore"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Readiness"];
                };
            };
            413: components["responses"]["PayloadTooLarge"];
            415: components["responses"]["UnsupportedMediaType"];
            500: components["responses"]["InternalError"];
            /** @description Not ready; `checks` says why. */
            503: {
                headers: {
                    "Cache-Control": components["headers"]["NoStore"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Readiness"];
                };
            };
        };
    };
    getMetrics: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The metrics in the Prometheus text format. */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example # HELP http_requests_total HTTP requests by method, route template and status
                     *     # TYPE http_requests_total counter
                     *     http_requests_total{method="GET",route="/verification-srv/config/list",status="200"} 1
                     */
                    "text/plain": string;
                };
            };
            413: components["responses"]["PayloadTooLarge"];
            415: components["responses"]["UnsupportedMediaType"];
            500: components["responses"]["InternalError"];
        };
    };
    getOpenApi: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The OpenAPI document. */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/yaml": string;
                };
            };
            413: components["responses"]["PayloadTooLarge"];
            415: components["responses"]["UnsupportedMediaType"];
            500: components["responses"]["InternalError"];
        };
    };
    getAsyncApi: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The AsyncAPI document. */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/yaml": string;
                };
            };
            413: components["responses"]["PayloadTooLarge"];
            415: components["responses"]["UnsupportedMediaType"];
            500: components["responses"]["InternalError"];
        };
    };
    getDocs: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The reference page. */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "text/html": string;
                };
            };
            413: components["responses"]["PayloadTooLarge"];
            415: components["responses"]["UnsupportedMediaType"];
            500: components["responses"]["InternalError"];
        };
    };
    getDocsScript: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The script. */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/javascript": string;
                };
            };
            413: components["responses"]["PayloadTooLarge"];
            415: components["responses"]["UnsupportedMediaType"];
            500: components["responses"]["InternalError"];
        };
    };
    getDevWebauthnPage: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The page. */
            200: {
                headers: {
                    /** @description Only this origin's scripts; nothing else. */
                    "Content-Security-Policy"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "text/html": string;
                };
            };
            404: components["responses"]["NotServedInProduction"];
            413: components["responses"]["PayloadTooLarge"];
            415: components["responses"]["UnsupportedMediaType"];
            500: components["responses"]["InternalError"];
        };
    };
    getDevWebauthnScript: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The script. */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/javascript": string;
                };
            };
            404: components["responses"]["NotServedInProduction"];
            413: components["responses"]["PayloadTooLarge"];
            415: components["responses"]["UnsupportedMediaType"];
            500: components["responses"]["InternalError"];
        };
    };
    getDevWebauthnLibrary: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The script. */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/javascript": string;
                };
            };
            404: components["responses"]["NotServedInProduction"];
            413: components["responses"]["PayloadTooLarge"];
            415: components["responses"]["UnsupportedMediaType"];
            500: components["responses"]["InternalError"];
        };
    };
    getDemoProfilePage: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            200: components["responses"]["DemoPage"];
            304: components["responses"]["DemoNotModified"];
            404: components["responses"]["DemoOff"];
            413: components["responses"]["PayloadTooLarge"];
            415: components["responses"]["UnsupportedMediaType"];
            500: components["responses"]["InternalError"];
        };
    };
    getDemoSignInPage: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            200: components["responses"]["DemoPage"];
            304: components["responses"]["DemoNotModified"];
            404: components["responses"]["DemoOff"];
            413: components["responses"]["PayloadTooLarge"];
            415: components["responses"]["UnsupportedMediaType"];
            500: components["responses"]["InternalError"];
        };
    };
    getDemoAuthenticatorPage: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            200: components["responses"]["DemoPage"];
            304: components["responses"]["DemoNotModified"];
            404: components["responses"]["DemoOff"];
            413: components["responses"]["PayloadTooLarge"];
            415: components["responses"]["UnsupportedMediaType"];
            500: components["responses"]["InternalError"];
        };
    };
    getDemoAsset: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /**
                 * @description A file of the folder, e.g. `profile.js`; one path segment.
                 * @example profile.js
                 */
                file: components["parameters"]["DemoFile"];
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            200: components["responses"]["DemoFile"];
            304: components["responses"]["DemoNotModified"];
            404: components["responses"]["DemoOff"];
            413: components["responses"]["PayloadTooLarge"];
            415: components["responses"]["UnsupportedMediaType"];
            500: components["responses"]["InternalError"];
        };
    };
    getDemoMethodModule: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /**
                 * @description A file of the folder, e.g. `profile.js`; one path segment.
                 * @example profile.js
                 */
                file: components["parameters"]["DemoFile"];
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            200: components["responses"]["DemoFile"];
            304: components["responses"]["DemoNotModified"];
            404: components["responses"]["DemoOff"];
            413: components["responses"]["PayloadTooLarge"];
            415: components["responses"]["UnsupportedMediaType"];
            500: components["responses"]["InternalError"];
        };
    };
    getDemoLibrary: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description The library's file name. */
                file: "jsqr.js" | "otpauth.js" | "simplewebauthn-browser.js";
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The library. */
            200: {
                headers: {
                    /** @description `public, max-age=86400`: the same for everyone, changed only by `npm ci`. */
                    "Cache-Control": "public, max-age=86400";
                    ETag: components["headers"]["FileETag"];
                    [name: string]: unknown;
                };
                content: {
                    "text/javascript": string;
                };
            };
            304: components["responses"]["DemoNotModified"];
            404: components["responses"]["DemoOff"];
            413: components["responses"]["PayloadTooLarge"];
            415: components["responses"]["UnsupportedMediaType"];
            500: components["responses"]["InternalError"];
        };
    };
    createDemoSession: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["DemoSessionRequest"];
            };
        };
        responses: {
            /** @description The token. */
            201: {
                headers: {
                    "Cache-Control": components["headers"]["NoStore"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["DemoSession"];
                };
            };
            400: components["responses"]["InvalidBody"];
            404: components["responses"]["DemoOff"];
            /** @description Tokens are verified with `JWT_JWKS_URL`, so this service cannot sign one (`VER_0008`). */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {unknown} */
                        code?: "VER_0008";
                    };
                };
            };
            413: components["responses"]["PayloadTooLarge"];
            415: components["responses"]["UnsupportedMediaType"];
            500: components["responses"]["InternalError"];
        };
    };
}

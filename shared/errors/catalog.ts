/**
 * Every failure a client can see, with its stable code and HTTP status. Codes never change
 * meaning once published; add new ones at the end of their group.
 */
export const errorCatalog = {
  INVALID_REQUEST: { code: 'VER_0001', status: 400, title: 'The request is invalid' },
  MALFORMED_JSON: { code: 'VER_0002', status: 400, title: 'The request body is not valid JSON' },
  PAYLOAD_TOO_LARGE: { code: 'VER_0003', status: 413, title: 'The request body is too large' },
  UNSUPPORTED_MEDIA_TYPE: { code: 'VER_0004', status: 415, title: 'The request body must be application/json' },
  ROUTE_NOT_FOUND: { code: 'VER_0005', status: 404, title: 'No such endpoint' },
  METHOD_NOT_ALLOWED: { code: 'VER_0006', status: 405, title: 'Method not allowed on this endpoint' },
  INVALID_ID: { code: 'VER_0007', status: 400, title: 'The id is not a valid UUID' },
  DEMO_SIGN_IN_UNAVAILABLE: { code: 'VER_0008', status: 409, title: 'Demo sign-in needs JWT_SECRET; paste a token from the identity provider instead' },
  BODY_NOT_DECODABLE: { code: 'VER_0009', status: 400, title: 'The request body does not decode with its Content-Encoding' },

  MISSING_TOKEN: { code: 'VER_0010', status: 401, title: 'A bearer token is required' },
  INVALID_TOKEN: { code: 'VER_0011', status: 401, title: 'The bearer token is invalid' },
  INSUFFICIENT_SCOPE: { code: 'VER_0012', status: 403, title: 'The token lacks a required scope' },
  FORBIDDEN: { code: 'VER_0013', status: 403, title: 'Not allowed for this caller' },
  STEP_UP_REQUIRED: { code: 'VER_0014', status: 401, title: 'A fresh second factor is required' },
  ENROLLMENT_NEEDS_STEP_UP: { code: 'VER_0015', status: 409, title: 'A factor was enrolled since this enrollment started; start again with a fresh second factor' },

  UNKNOWN_METHOD: { code: 'VER_0020', status: 404, title: 'Unknown verification method' },
  METHOD_INACTIVE: { code: 'VER_0021', status: 409, title: 'The verification method is not active for this tenant' },
  OPERATION_NOT_SUPPORTED: { code: 'VER_0022', status: 404, title: 'The verification method does not support this operation' },
  CHALLENGE_NOT_FOUND: { code: 'VER_0023', status: 404, title: 'No such sign-in challenge' },
  CHALLENGE_EXPIRED: { code: 'VER_0024', status: 409, title: 'The sign-in challenge has expired' },
  CHALLENGE_COMPLETED: { code: 'VER_0025', status: 409, title: 'The sign-in challenge was already answered' },
  CHALLENGE_CANCELLED: { code: 'VER_0026', status: 409, title: 'The sign-in challenge was cancelled' },
  CHALLENGE_FAILED: { code: 'VER_0027', status: 409, title: 'The sign-in challenge failed after too many wrong codes' },
  CHALLENGE_DENIED: { code: 'VER_0028', status: 409, title: 'The sign-in challenge was denied' },
  CHALLENGE_PENDING: { code: 'VER_0029', status: 409, title: 'The sign-in challenge has not been answered yet' },

  ENROLLMENT_NOT_FOUND: { code: 'VER_0030', status: 404, title: 'No such enrollment' },
  ENROLLMENT_EXPIRED: { code: 'VER_0031', status: 409, title: 'The enrollment has expired' },
  ALREADY_ENROLLED: { code: 'VER_0032', status: 409, title: 'The enrollment is already complete' },
  ENROLLMENT_CANCELLED: { code: 'VER_0033', status: 409, title: 'The enrollment was cancelled' },
  ENROLLMENT_FAILED: { code: 'VER_0034', status: 409, title: 'The enrollment failed after too many wrong codes' },
  ENROLLMENT_NOT_SCANNED: { code: 'VER_0035', status: 409, title: 'The enrollment must be scanned by the authenticator app first' },
  ENROLLMENT_ALREADY_SCANNED: { code: 'VER_0036', status: 409, title: 'The enrollment was already scanned by another device' },
  CLIENT_MISMATCH: { code: 'VER_0037', status: 403, title: 'The client is not the authenticator client of this enrollment' },
  DEVICE_MISMATCH: { code: 'VER_0038', status: 403, title: 'The device is not the one that scanned this enrollment' },
  MAX_DEVICES_REACHED: { code: 'VER_0039', status: 409, title: 'The maximum number of authenticators is reached' },
  EXCHANGE_REPLACED: { code: 'VER_0040', status: 409, title: 'The exchange was replaced by a rotation' },

  INVALID_CODE: { code: 'VER_0041', status: 400, title: 'The code is invalid' },
  TOO_MANY_ATTEMPTS: { code: 'VER_0042', status: 429, title: 'Too many wrong codes; try again later' },
  NO_AUTHENTICATOR: { code: 'VER_0043', status: 409, title: 'The user has no enrolled authenticator for this method' },
  DEVICE_NOT_FOUND: { code: 'VER_0044', status: 404, title: 'No such authenticator' },

  RATE_LIMITED: { code: 'VER_0050', status: 429, title: 'Too many requests; try again later' },
  INVALID_PHONE_NUMBER: { code: 'VER_0070', status: 400, title: 'The phone number is not valid' },
  PHONE_NUMBER_NOT_MOBILE: { code: 'VER_0071', status: 400, title: 'The phone number cannot receive SMS codes' },
  COUNTRY_NOT_ALLOWED: { code: 'VER_0072', status: 400, title: 'Phone numbers of this country are not accepted' },
  INVALID_EMAIL: { code: 'VER_0073', status: 400, title: 'The email address is not valid' },
  DELIVERY_UNAVAILABLE: { code: 'VER_0074', status: 503, title: 'No provider is configured to deliver codes on this channel' },
  WEBAUTHN_INVALID_RESPONSE: { code: 'VER_0080', status: 400, title: 'The WebAuthn response is invalid' },
  WEBAUTHN_ORIGIN_NOT_ALLOWED: { code: 'VER_0081', status: 403, title: 'The origin is not allowed for this relying party' },
  WEBAUTHN_RP_ID_MISMATCH: { code: 'VER_0082', status: 400, title: 'The WebAuthn response is for another relying party' },
  WEBAUTHN_CHALLENGE_MISMATCH: { code: 'VER_0083', status: 400, title: 'The WebAuthn response does not answer the current challenge' },
  WEBAUTHN_USER_VERIFICATION_REQUIRED: { code: 'VER_0084', status: 400, title: 'The authenticator did not verify the user' },
  WEBAUTHN_COUNTER_REGRESSION: { code: 'VER_0085', status: 403, title: 'The signature counter went backwards; the authenticator may be cloned' },
  WEBAUTHN_CREDENTIAL_ALREADY_REGISTERED: { code: 'VER_0086', status: 409, title: 'The credential is already registered' },
  WEBAUTHN_UNKNOWN_CREDENTIAL: { code: 'VER_0087', status: 400, title: 'The credential is not registered for this user' },
  WEBAUTHN_NOT_CONFIGURED: { code: 'VER_0088', status: 409, title: 'No WebAuthn relying party is configured for this tenant' },
  WEBAUTHN_PLATFORM_AUTHENTICATOR_REQUIRED: { code: 'VER_0089', status: 400, title: "The method needs the device's own (platform) authenticator" },
  WEBHOOK_NOT_FOUND: { code: 'VER_0090', status: 404, title: 'No such webhook endpoint' },
  WEBHOOK_LIMIT_REACHED: { code: 'VER_0091', status: 409, title: 'The tenant has the maximum number of webhook endpoints' },
  WEBHOOK_URL_NOT_ALLOWED: { code: 'VER_0092', status: 400, title: 'The webhook URL is not allowed' },
  DELIVERY_NOT_FOUND: { code: 'VER_0093', status: 404, title: 'No such webhook delivery' },
  DELIVERY_NOT_RETRYABLE: { code: 'VER_0094', status: 409, title: 'The webhook delivery cannot be retried now' },

  SERVICE_UNAVAILABLE: { code: 'VER_0503', status: 503, title: 'The service is temporarily unavailable' },
  INTERNAL: { code: 'VER_0500', status: 500, title: 'Internal server error' },
} as const satisfies Record<string, { code: string; status: number; title: string }>;

export type ErrorName = keyof typeof errorCatalog;
export type ErrorCode = (typeof errorCatalog)[ErrorName]['code'];

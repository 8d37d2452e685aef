-- Up Migration
-- FIDO2 and TOUCHID (issue 12) keep a credential's attributes in `authenticators.data`
-- (shared/methods/webauthn/stored-credential.ts). Sign-in and registration look credentials up
-- by their id, and one credential id names one authenticator of a tenant whichever method or
-- user registered it: a second registration of the same credential (a client that ignored
-- excludeCredentials, a racing copy, a crafted authenticator reusing a known id) cannot insert.
CREATE UNIQUE INDEX authenticators_webauthn_credential
  ON authenticators (tenant_id, (data ->> 'credential_id'))
  WHERE verification_type IN ('FIDO2', 'TOUCHID');

-- Down Migration
DROP INDEX authenticators_webauthn_credential;

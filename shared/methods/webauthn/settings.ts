import { checkRelyingPartySettings, relyingPartySettingsFields, type WebAuthnMethod } from '../../webauthn/index.ts';
import { defineSettings } from '../settings.ts';

/**
 * The tenant settings of a WebAuthn method: its relying party (`rp_id`, `rp_name`, `origins`,
 * each `null` for the default: `PUBLIC_BASE_URL`, or the requesting localhost page outside
 * production) besides the common ones. FIDO2 and TOUCHID have the same fields, documented once
 * as `WebAuthnSettings`, but each tenant sets them per method.
 */
export function webauthnSettings<T extends WebAuthnMethod>(type: T) {
  return defineSettings({
    type,
    documentedAs: 'WebAuthnSettings',
    fields: relyingPartySettingsFields,
    // The browser waits for the user as long as the exchange lives (the options' timeout), so
    // the default is shorter than a QR code's: a ceremony is a touch or a glance.
    defaults: { rp_id: null, rp_name: null, origins: null, exchange_lifetime: 300, max_devices: 5 },
    check: checkRelyingPartySettings,
  });
}

export type WebAuthnSettings = ReturnType<typeof webauthnSettings>['defaults'];

// @ts-check
// Reading what a QR code carries: an otpauth URI with the Key Uri Format parameters and cidaas'
// extras (DESIGN §5): `otpauth://totp/Acme:alice?secret=…&issuer=Acme&…&sub=…&cid=…&burl=…&eid=…`.

/**
 * @typedef {object} OtpauthUri
 * @property {string} type `totp`, `push`, …: which method module takes it
 * @property {string} issuer the label's prefix, else the `issuer` parameter
 * @property {string} account the label's account name
 * @property {Readonly<Record<string, string>>} params every query parameter, decoded: `secret`,
 *   `algorithm`, `digits`, `period`; cidaas' `t`, `d` (display name), `tk` (tenant key), `l`
 *   (logo), `sub`, `cid` (client id), `burl` (the service's base URL), `eid` (exchange id)
 */

/**
 * Parses an otpauth URI. The query is split by hand rather than with URLSearchParams, which
 * would read a literal `+` as a space.
 *
 * @param {string} text
 * @returns {OtpauthUri}
 * @throws {Error} with a message for the user when it is not one
 */
export function parseOtpauthUri(text) {
  const match = /^otpauth:\/\/([a-z]+)\/([^?#]*)(?:\?([^#]*))?$/i.exec(text.trim());
  if (!match) throw new Error('This is not an otpauth:// link.');
  const [, type = '', rawLabel = '', query = ''] = match;
  try {
    const label = decodeURIComponent(rawLabel);
    /** @type {Record<string, string>} */
    const params = {};
    for (const pair of query.split('&').filter(Boolean)) {
      const at = pair.indexOf('=');
      const key = decodeURIComponent(at < 0 ? pair : pair.slice(0, at));
      if (Object.hasOwn(params, key)) throw new Error(`The link repeats its ${key} parameter.`);
      params[key] = at < 0 ? '' : decodeURIComponent(pair.slice(at + 1));
    }
    const separator = label.indexOf(':');
    const issuer = separator < 0 ? (params.issuer ?? '') : label.slice(0, separator).trim();
    const account = (separator < 0 ? label : label.slice(separator + 1)).trim();
    return { type: type.toLowerCase(), issuer, account, params };
  } catch (err) {
    if (err instanceof URIError) throw new Error('The link is not correctly percent-encoded.', { cause: err });
    throw err;
  }
}

/**
 * Whether the URI asks this device to enroll with a service (cidaas' extras present) rather
 * than only to keep a secret, as a standard URI does.
 *
 * @param {OtpauthUri} uri
 */
export function isCompanionEnrollment(uri) {
  return Boolean(uri.params.eid && uri.params.cid && uri.params.burl);
}

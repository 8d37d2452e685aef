/** JSON an audit row is made of: what RFC 8785 canonicalises (no undefined, no non-finite numbers). */
export type CanonicalValue = null | boolean | number | string | CanonicalValue[] | { [key: string]: CanonicalValue };

/** A lone UTF-16 surrogate: not I-JSON (RFC 7493), so RFC 8785 has no canonical form for it. */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
const LONE_SURROGATES = new RegExp(LONE_SURROGATE.source, 'g');

/**
 * `text` with every lone surrogate replaced by U+FFFD: what PostgreSQL stores for it anyway
 * (the driver encodes strings as UTF-8), and what canonical JSON can represent.
 */
export function wellFormed(text: string): string {
  return text.replace(LONE_SURROGATES, '\uFFFD');
}

function serialise(value: CanonicalValue): string {
  if (value === undefined) throw new TypeError('canonical JSON has no form for undefined');
  if (value === null || typeof value === 'boolean') return String(value);
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new TypeError('canonical JSON has no form for NaN or Infinity');
    // ECMAScript's Number serialisation is exactly the one RFC 8785 §3.2.2.3 prescribes.
    return JSON.stringify(value);
  }
  if (typeof value === 'string') {
    if (LONE_SURROGATE.test(value)) throw new TypeError('canonical JSON has no form for a lone surrogate');
    // JSON.stringify escapes exactly what RFC 8785 §3.2.2.2 escapes, in the same way.
    return JSON.stringify(value);
  }
  if (Array.isArray(value)) return `[${value.map(serialise).join(',')}]`;
  // The default sort compares UTF-16 code units, the order RFC 8785 §3.2.3 asks for.
  const keys = Object.keys(value).sort();
  return `{${keys.map((key) => `${serialise(key)}:${serialise(value[key]!)}`).join(',')}}`;
}

/**
 * The JSON Canonicalization Scheme (RFC 8785) form of `value`: no whitespace, object members
 * sorted by the UTF-16 code units of their names, strings and numbers serialised as ECMAScript
 * does. Any RFC 8785 implementation (Java, Go, Python, …) produces the same bytes, which is
 * what lets an auditor recompute audit hashes offline.
 *
 * @throws TypeError for values RFC 8785 cannot represent (NaN, Infinity, lone surrogates, undefined).
 * @example
 * ```ts
 * canonicalJson({ b: 1, a: [true, null, 'é'] }); // '{"a":[true,null,"é"],"b":1}'
 * ```
 */
export function canonicalJson(value: CanonicalValue): string {
  return serialise(value);
}

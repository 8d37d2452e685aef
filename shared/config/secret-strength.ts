/**
 * What production refuses as a secret: values anyone can read in this repository, placeholders,
 * and secrets with less estimated entropy than 32 random bytes.
 */

/** 32 random bytes: what `openssl rand -base64 32` (or `-hex 32`) prints. */
export const MIN_SECRET_BITS = 256;

const GENERATE_HINT = 'generate one with `openssl rand -base64 32`';

// Committed to this repository (tests, benchmarks, an earlier docker-compose.yml), so public.
// The development defaults of env.ts are passed in by the caller.
const PUBLISHED_SECRETS: readonly string[] = [
  'compose-local-jwt-secret-change-me-0123456789',
  'test-secret-that-is-long-enough-for-hs256-0123456789',
  'bench-secret-that-is-long-enough-for-hs256-0123456789',
  'a-jwt-secret-that-is-at-least-32-characters-long',
];
const PUBLISHED_KEYS: readonly Buffer[] = [Buffer.from('00112233445566778899aabbccddeeff'.repeat(2), 'hex')];

// The database password docker-compose.yml once committed, and the classic defaults.
const PUBLISHED_DATABASE_PASSWORDS: readonly string[] = ['verification', 'postgres', 'password'];

const PLACEHOLDER = /change[-_. ]?me|replace[-_. ]?me|placeholder|insecure|dummy|example|development[-_. ]?only/i;

// A symbol is predictable when the run of symbols it ends (long enough to carry 32 bits) already
// occurred earlier in the secret: random secrets practically never repeat such a run (for 32
// random bytes the chance is about 1e-7), patterns do at once.
const CONTEXT_BITS = 32;

/** Symbols not predictable from the ones before them (see CONTEXT_BITS). */
function novelSymbols(symbols: readonly number[], runLength: number): number {
  const seen = new Set<string>();
  let novel = 0;
  for (let end = 0; end < symbols.length; end++) {
    if (end < runLength - 1) {
      novel++;
      continue;
    }
    const run = symbols.slice(end - runLength + 1, end + 1).join(',');
    if (!seen.has(run)) novel++;
    seen.add(run);
  }
  return novel;
}

/**
 * Entropy of `symbols` drawn from an alphabet of `bitsPerSymbol` bits: the novel symbols of the
 * sequence itself or of its differences (which turns counting runs such as `00 01 02 …` or
 * `abcdef…` into repetition), whichever is fewer, times the bits each can carry.
 */
function measure(symbols: readonly number[], bitsPerSymbol: number): number {
  if (symbols.length === 0) return 0;
  const runLength = Math.ceil(CONTEXT_BITS / bitsPerSymbol);
  const differences = symbols.slice(1).map((symbol, i) => symbol - symbols[i]!);
  return Math.min(novelSymbols(symbols, runLength), 1 + novelSymbols(differences, runLength)) * bitsPerSymbol;
}

/**
 * The alphabet a text secret was most likely drawn from, so that each encoding is credited with
 * what it really carries: digits only 10; hex (one case) 16; otherwise the sum of the classes it
 * uses: digits 10, lower 26, upper 26 (a secret with both cases is credited all 62, since a
 * generator of mixed-case secrets also draws digits, even when none came up), `+/` or `-_` 2
 * (base64, base64url: 64 in all), any other ASCII punctuation or space 33 (95 in all), anything
 * outside ASCII 128 more.
 */
function alphabetSize(text: string): number {
  if (/^[0-9]+$/.test(text)) return 10;
  if (/^[0-9a-f]+$/.test(text) || /^[0-9A-F]+$/.test(text)) return 16;
  let size = 0;
  if (/[a-z]/.test(text) && /[A-Z]/.test(text)) size += 62;
  else size += (/[0-9]/.test(text) ? 10 : 0) + (/[a-zA-Z]/.test(text) ? 26 : 0);
  const symbols = text.replace(/[0-9A-Za-z]/g, '');
  if (/^[+/]+$/.test(symbols) || /^[-_]+$/.test(symbols)) size += 2;
  else if (/[\x20-\x7e]/.test(symbols)) size += 33;
  if (/[^\x20-\x7e]/.test(text)) size += 128;
  return size;
}

/**
 * Estimated entropy of a secret, in bits. Deliberately simple, and generous only where a
 * generator would be: each character counts the bits of its alphabet (see alphabetSize; `=`
 * padding at the end counts nothing), and characters predictable from a repetition or a counting
 * run count nothing. So a random 32-byte secret in hex (256) or base64 (258) passes 256, while a
 * string of one character, a short repeated pattern, a shorter random secret or a long decimal
 * number does not. It cannot see that a passphrase is made of words: use a generator.
 * Crediting hex and base64 characters with their 4 and 6 bits comes to what their decoded bytes
 * carry, so the secret is not decoded (the signing key is its text, as it is given).
 */
export function estimateEntropyBits(secret: string): number {
  const text = secret.replace(/=+$/, '');
  const codePoints = Array.from(text, (char) => char.codePointAt(0)!);
  return measure(codePoints, Math.log2(alphabetSize(text)));
}

/** Estimated entropy of raw key bytes (8 bits each, repetition and counting runs discounted). */
export function estimateKeyEntropyBits(key: Uint8Array): number {
  return measure([...key], 8);
}

/**
 * Why `secret` must not sign production tokens, or undefined when it may. `published` adds
 * values the caller knows to be public (its development defaults). The secret never appears in
 * the answer.
 */
export function secretWeakness(secret: string, published: readonly string[] = []): string | undefined {
  if (published.includes(secret) || PUBLISHED_SECRETS.includes(secret)) {
    return `is a default or placeholder published in this repository; ${GENERATE_HINT}`;
  }
  if (PLACEHOLDER.test(secret)) return `looks like a placeholder; ${GENERATE_HINT}`;
  const bits = Math.floor(estimateEntropyBits(secret));
  if (bits < MIN_SECRET_BITS) {
    return `has an estimated ${bits} bits of entropy, production needs ${MIN_SECRET_BITS} (32 random bytes); ${GENERATE_HINT}`;
  }
  return undefined;
}

/** Why a 32-byte encryption key must not be used in production, or undefined when it may. */
export function keyWeakness(key: Buffer, published: readonly Buffer[] = []): string | undefined {
  const hint = 'generate one with `openssl rand -hex 32`';
  if ([...published, ...PUBLISHED_KEYS].some((known) => known.equals(key))) {
    return `is a default or placeholder published in this repository; ${hint}`;
  }
  if (key.every((byte) => byte === key[0])) return `is one byte repeated${key[0] === 0 ? ' (all zero)' : ''}; ${hint}`;
  const bits = Math.floor(estimateKeyEntropyBits(key));
  if (bits < MIN_SECRET_BITS) return `is not random (an estimated ${bits} of ${MIN_SECRET_BITS} bits); ${hint}`;
  return undefined;
}

/**
 * Why the password in a `DATABASE_URL` must not be used in production, or undefined when it may
 * (also when the URL has none: the server may authenticate otherwise). Only published and
 * placeholder passwords are refused; the database is not reachable from outside by default.
 */
export function databasePasswordWeakness(url: string): string | undefined {
  let password: string;
  try {
    password = decodeURIComponent(new URL(url).password);
  } catch {
    return undefined;
  }
  if (!password) return undefined;
  if (PUBLISHED_DATABASE_PASSWORDS.includes(password) || PLACEHOLDER.test(password)) {
    return 'has a published or placeholder password; generate one with `openssl rand -hex 24`';
  }
  return undefined;
}

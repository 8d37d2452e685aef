import { domainToASCII } from 'node:url';
import { VerificationError } from '../../errors/verification-error.ts';
import { maskEmail } from './mask.ts';

const MAX_ADDRESS = 254; // RFC 5321 path limit less the angle brackets
const MAX_LOCAL = 64;
const MAX_DOMAIN = 253;
// RFC 5322 dot-atom: atext runs separated by single dots. Quoted local parts are not accepted.
const LOCAL_PART = /^[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*$/;
const LABEL = /^(?!-)[a-z0-9-]{1,63}(?<!-)$/;

export interface NormalizedEmail {
  /** The local part as typed, the domain lower-cased (IDNs in their ASCII form). */
  address: string;
  /** `a•••@example.com` */
  masked: string;
}

function invalid(detail: string): VerificationError<'INVALID_EMAIL'> {
  return new VerificationError('INVALID_EMAIL', detail);
}

/**
 * Validates and normalises an email address for sending codes: trimmed, local part kept
 * exactly (some servers treat its case as significant), domain lower-cased and converted to
 * ASCII (IDNA), RFC length limits, no control characters or spaces, no quoted local parts or
 * address literals, and a domain of at least two labels with an alphabetic top-level label.
 *
 * @throws VerificationError `INVALID_EMAIL` saying what is wrong.
 * @example
 * ```ts
 * normalizeEmail(' Alice.Smith@Example.COM ').address; // 'Alice.Smith@example.com'
 * ```
 */
export function normalizeEmail(input: string): NormalizedEmail {
  const text = input.trim();
  if (text.length === 0) throw invalid('email is empty');
  if (text.length > MAX_ADDRESS) throw invalid(`email is longer than ${MAX_ADDRESS} characters`);
  // eslint-disable-next-line no-control-regex
  if (/[\s\u0000-\u001f\u007f]/.test(text)) throw invalid('email must not contain spaces or control characters');
  const at = text.lastIndexOf('@');
  if (at <= 0 || at === text.length - 1) throw invalid('email must be local-part@domain');
  const local = text.slice(0, at);
  const domainInput = text.slice(at + 1);
  if (local.length > MAX_LOCAL) throw invalid(`the part before @ is longer than ${MAX_LOCAL} characters`);
  if (!LOCAL_PART.test(local)) throw invalid('the part before @ has characters an address cannot have');
  if (domainInput.startsWith('[')) throw invalid('email must name a domain, not an address literal');

  const domain = domainToASCII(domainInput.toLowerCase());
  if (!domain || domain.length > MAX_DOMAIN) throw invalid('the domain of email is not valid');
  const labels = domain.split('.');
  if (labels.length < 2 || !labels.every((label) => LABEL.test(label))) throw invalid('the domain of email is not valid');
  const top = labels[labels.length - 1]!;
  if (!/^[a-z]{2,63}$/.test(top) && !/^xn--[a-z0-9-]+$/.test(top)) throw invalid('the domain of email has no valid top-level domain');

  const address = `${local}@${domain}`;
  if (address.length > MAX_ADDRESS) throw invalid(`email is longer than ${MAX_ADDRESS} characters`);
  return { address, masked: maskEmail(address) };
}

import { parsePhoneNumberFromString } from 'libphonenumber-js/max';
import type { Channel } from '../message.ts';

const HIDDEN = '•••••';

/**
 * `+4915123456789` → `+49•••••789`: the country calling code and the last three digits, with a
 * fixed run of dots so the mask does not tell the number's length.
 */
export function maskPhoneNumber(e164: string): string {
  const digits = e164.replace(/\D/g, '');
  const callingCode = parsePhoneNumberFromString(e164)?.countryCallingCode ?? digits.slice(0, 2);
  return `+${callingCode}${HIDDEN}${digits.slice(-3)}`;
}

/** `alice@example.com` → `a•••@example.com`: the first character of the local part and the domain. */
export function maskEmail(address: string): string {
  const at = address.lastIndexOf('@');
  return `${address.slice(0, 1)}•••${address.slice(at)}`;
}

/** The masked form of a normalised destination of `channel`. */
export function maskDestination(channel: Channel, destination: string): string {
  return channel === 'sms' ? maskPhoneNumber(destination) : maskEmail(destination);
}

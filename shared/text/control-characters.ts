// Matching control characters is the point of these patterns.
/* eslint-disable no-control-regex */
const CONTROL = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/;
const CONTROL_OR_NEWLINE = /[\u0000-\u001f\u007f]/g;
/* eslint-enable no-control-regex */

/**
 * Whether `text` holds control characters. PostgreSQL text cannot store NUL, and control
 * characters have no business in ids or names, so input holding them is refused early.
 */
export function hasControlCharacters(text: string, { allowNewlines = false } = {}): boolean {
  CONTROL_OR_NEWLINE.lastIndex = 0;
  return allowNewlines ? CONTROL.test(text) : CONTROL_OR_NEWLINE.test(text);
}

/** `text` without its control characters. */
export function withoutControlCharacters(text: string): string {
  return text.replace(CONTROL_OR_NEWLINE, '');
}

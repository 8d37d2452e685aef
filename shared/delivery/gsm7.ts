/**
 * The GSM 03.38 default alphabet (one septet each) and its extension table (two septets: the
 * escape and the character). A text made only of these is sent as GSM-7, 160 septets to a
 * segment; one other character turns the whole message into UCS-2, 70 characters to a segment.
 */
const BASIC =
  '@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !"#¤%&\'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà';
const EXTENSION = '^{}\\[~]|€\f';

const BASIC_SET = new Set(BASIC);
const EXTENSION_SET = new Set(EXTENSION);

/** Septets in one single-part GSM-7 SMS. */
export const GSM7_SEGMENT_SEPTETS = 160;

/**
 * The number of septets `text` takes in GSM-7, or undefined when it holds a character GSM-7
 * cannot carry (the message would be sent as UCS-2).
 *
 * @example
 * ```ts
 * gsm7Length('Code: 123456'); // 12
 * gsm7Length('€5');           // 3 (the euro sign is an extension character)
 * gsm7Length('Łódź');         // undefined
 * ```
 */
export function gsm7Length(text: string): number | undefined {
  let septets = 0;
  for (const char of text) {
    if (BASIC_SET.has(char)) septets += 1;
    else if (EXTENSION_SET.has(char)) septets += 2;
    else return undefined;
  }
  return septets;
}

/** Look-alikes GSM-7 lacks, replaced rather than dropped. */
const REPLACEMENTS: Record<string, string> = {
  '\u2018': "'",
  '\u2019': "'",
  '\u201a': "'",
  '\u201c': '"',
  '\u201d': '"',
  '\u201e': '"',
  '\u2013': '-',
  '\u2014': '-',
  '\u2026': '...',
  '\u00a0': ' ',
  '\u2009': ' ',
  '\u00ab': '"',
  '\u00bb': '"',
  ł: 'l',
  Ł: 'L',
  đ: 'd',
  Đ: 'D',
  œ: 'oe',
  Œ: 'OE',
  þ: 'th',
  Þ: 'Th',
  ı: 'i',
};

/**
 * `text` in characters GSM-7 carries: kept where it can be, accents stripped where the base
 * letter exists (`ő` → `o`), common punctuation replaced, anything else (other scripts, emoji)
 * dropped; whitespace runs become one space. For names shown inside an SMS, so a tenant called
 * "Łódź Café 🚲" costs no UCS-2 segment ("Lodz Café").
 */
export function toGsm7(text: string): string {
  let out = '';
  for (const char of text) {
    if (BASIC_SET.has(char) || EXTENSION_SET.has(char)) {
      out += char;
      continue;
    }
    const replacement = REPLACEMENTS[char];
    if (replacement !== undefined) {
      out += replacement;
      continue;
    }
    for (const part of char.normalize('NFKD')) if (BASIC_SET.has(part) || EXTENSION_SET.has(part)) out += part;
  }
  return out.replace(/[\s\f]+/g, ' ').trim();
}

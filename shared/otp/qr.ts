import { correction, generate } from 'lean-qr';
import type { QrMatrix } from './qr-matrix.ts';
import { qrPng } from './qr-png.ts';
import { qrSvg } from './qr-svg.ts';

/** How an offer carries its QR code (`?qr=`): a PNG or SVG data URL, or none (the UI renders the URI itself). */
export const QR_FORMATS = ['png', 'svg', 'none'] as const;
export type QrFormat = (typeof QR_FORMATS)[number];

/**
 * The symbol of `text` at error correction level M. lean-qr builds it: of the maintained
 * encoders installed (qrcode, lean-qr, uqr), the fastest whose images zbarimg reads, at about
 * 60 % of qrcode's CPU time and 40 % of uqr's (`npm run bench -- qr-encoders`).
 */
export function qrMatrix(text: string): QrMatrix {
  const code = generate(text, { minCorrectionLevel: correction.M, maxCorrectionLevel: correction.M });
  // lean-qr addresses modules as (x, y).
  return { size: code.size, dark: (row, col) => code.get(col, row) };
}

/**
 * Renders text (an otpauth URI) as a 256 px QR code data URL, with a two-module quiet zone and
 * error correction level M: a one-bit PNG (`data:image/png;base64,…`) or an SVG
 * (`data:image/svg+xml;base64,…`).
 *
 * @example
 * ```ts
 * const qrCode = renderQr(otpauthUri, 'svg'); // 'data:image/svg+xml;base64,PHN2Zy…'
 * ```
 */
export function renderQr(text: string, format: Exclude<QrFormat, 'none'>): string {
  const matrix = qrMatrix(text);
  if (format === 'svg') return `data:image/svg+xml;base64,${Buffer.from(qrSvg(matrix)).toString('base64')}`;
  return `data:image/png;base64,${qrPng(matrix).toString('base64')}`;
}

/** The PNG data URL of `text` (see renderQr). */
export async function renderQrDataUrl(text: string): Promise<string> {
  return renderQr(text, 'png');
}

import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Decodes (QR symbols only, so no spurious 1-D barcode is read in) a PNG data URL with the real zbarimg binary and returns the text it carries. */
export function decodeQrDataUrl(dataUrl: string): string {
  const prefix = 'data:image/png;base64,';
  if (!dataUrl.startsWith(prefix)) throw new Error('not a PNG data URL');
  const dir = mkdtempSync(join(tmpdir(), 'qr-'));
  try {
    const file = join(dir, 'code.png');
    writeFileSync(file, Buffer.from(dataUrl.slice(prefix.length), 'base64'));
    return execFileSync('zbarimg', ['--raw', '-q', '-Sdisable', '-Sqrcode.enable', '-Sbinary', file]).toString('utf8').replace(/\n$/, '');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * Decodes an SVG data URL the way a browser shows it: Chromium draws it as an image, the
 * screenshot of that image goes through zbarimg (which reads no SVG itself).
 */
export async function decodeSvgQrDataUrl(dataUrl: string, browser: import('playwright-core').Browser): Promise<string> {
  if (!dataUrl.startsWith('data:image/svg+xml;base64,')) throw new Error('not an SVG data URL');
  const page = await browser.newPage();
  try {
    await page.setContent(`<body style="margin:0;background:#fff"><img id="qr" src="${dataUrl}"></body>`);
    await page.locator('#qr').evaluate((img: HTMLImageElement) => img.decode());
    const png = await page.locator('#qr').screenshot({ type: 'png' });
    return decodeQrDataUrl(`data:image/png;base64,${png.toString('base64')}`);
  } finally {
    await page.close();
  }
}

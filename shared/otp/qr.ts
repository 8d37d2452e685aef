import QRCode from 'qrcode';

const WIDTH_PX = 256;
// qrcode sizes the image as floor(modules * (width / modules)); for 49 and 161 modules (versions 7
// and 35 with the quiet zone) that product rounds to 255.999…, giving a 255 px PNG. A nudge far
// below one pixel keeps every version at exactly 256 px without changing how modules are drawn.
const WIDTH_OPTION = WIDTH_PX + 1e-9;

/**
 * Renders text (an otpauth URI) as a 256 px PNG QR code data URL, with a two-module quiet zone
 * and error correction level M.
 *
 * @example
 * ```ts
 * const qrCode = await renderQrDataUrl(otpauthUri); // 'data:image/png;base64,iVBORw0KGgo…'
 * ```
 */
export function renderQrDataUrl(text: string): Promise<string> {
  return QRCode.toDataURL(text, { type: 'image/png', width: WIDTH_OPTION, margin: 2, errorCorrectionLevel: 'M' });
}

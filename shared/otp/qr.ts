import QRCode from 'qrcode';
import { PNG } from 'pngjs';

const SIZE_PX = 256;
/** Quiet zone, in modules, around the symbol. */
const MARGIN = 2;
const WHITE = 255;
const BLACK = 0;

/**
 * Draws the symbol as an 8-bit grayscale bitmap of SIZE_PX², each pixel taking the module it
 * falls in, so the image is exactly SIZE_PX wide whatever the symbol's version.
 */
function rasterize(modules: QRCode.BitMatrix): Buffer {
  const count = modules.size;
  const total = count + 2 * MARGIN;
  const moduleAt = new Int32Array(SIZE_PX);
  for (let px = 0; px < SIZE_PX; px++) moduleAt[px] = Math.floor((px * total) / SIZE_PX) - MARGIN;
  const pixels = Buffer.alloc(SIZE_PX * SIZE_PX, WHITE);
  for (let y = 0; y < SIZE_PX; y++) {
    const row = moduleAt[y]!;
    if (row < 0 || row >= count) continue;
    for (let x = 0; x < SIZE_PX; x++) {
      const col = moduleAt[x]!;
      if (col >= 0 && col < count && modules.get(row, col)) pixels[y * SIZE_PX + x] = BLACK;
    }
  }
  return pixels;
}

/**
 * Renders text (an otpauth URI) as a 256 px PNG QR code data URL, with a two-module quiet zone
 * and error correction level M.
 *
 * qrcode builds the symbol; the PNG is written here as 8-bit grayscale with the "up" filter
 * rather than by qrcode's RGBA renderer, which tries every filter on four times the bytes:
 * that renderer was 70 % of an enrollment's CPU time (see `npm run bench -- enrollments`).
 *
 * @example
 * ```ts
 * const qrCode = await renderQrDataUrl(otpauthUri); // 'data:image/png;base64,iVBORw0KGgo…'
 * ```
 */
export async function renderQrDataUrl(text: string): Promise<string> {
  const symbol = QRCode.create(text, { errorCorrectionLevel: 'M' });
  const png = new PNG({ width: SIZE_PX, height: SIZE_PX, colorType: 0, inputColorType: 0, inputHasAlpha: false });
  png.data = rasterize(symbol.modules);
  const encoded = PNG.sync.write(png, { colorType: 0, inputColorType: 0, inputHasAlpha: false, filterType: 2 });
  return `data:image/png;base64,${encoded.toString('base64')}`;
}

import { crc32, deflateSync } from 'node:zlib';
import { QR_MARGIN, QR_SIZE_PX, type QrMatrix } from './qr-matrix.ts';

const SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
const ROW_BYTES = QR_SIZE_PX / 8;

function chunk(type: string, data: Buffer): Buffer {
  const out = Buffer.alloc(12 + data.length);
  out.writeUInt32BE(data.length, 0);
  out.write(type, 4, 'latin1');
  data.copy(out, 8);
  out.writeUInt32BE(crc32(out.subarray(4, 8 + data.length)), 8 + data.length);
  return out;
}

const IHDR = (() => {
  const header = Buffer.alloc(13);
  header.writeUInt32BE(QR_SIZE_PX, 0);
  header.writeUInt32BE(QR_SIZE_PX, 4);
  header[8] = 1; // bit depth: one bit per pixel
  header[9] = 0; // grayscale (0 black, 1 white)
  return chunk('IHDR', header);
})();
const IEND = chunk('IEND', Buffer.alloc(0));

/**
 * The symbol as a QR_SIZE_PX² PNG of one bit per pixel, each pixel taking the module it falls
 * in, with a QR_MARGIN quiet zone: so the image is exactly QR_SIZE_PX wide whatever the
 * symbol's version. One bit per pixel is an eighth of the bytes an 8-bit image deflates.
 */
export function qrPng(matrix: QrMatrix): Buffer {
  const total = matrix.size + 2 * QR_MARGIN;
  const moduleAt = new Int32Array(QR_SIZE_PX);
  for (let px = 0; px < QR_SIZE_PX; px++) moduleAt[px] = Math.floor((px * total) / QR_SIZE_PX) - QR_MARGIN;
  // Each row: filter byte 0 (none), then the pixels, white (1) unless the module is dark.
  const raw = Buffer.alloc(QR_SIZE_PX * (ROW_BYTES + 1), 0xff);
  let previous: Buffer | undefined;
  for (let y = 0; y < QR_SIZE_PX; y++) {
    const start = y * (ROW_BYTES + 1);
    raw[start] = 0;
    const row = moduleAt[y]!;
    const line = raw.subarray(start + 1, start + 1 + ROW_BYTES);
    // Pixel rows of one module row are alike: copy the one above.
    if (previous && moduleAt[y - 1] === row) {
      previous.copy(line);
      continue;
    }
    if (row >= 0 && row < matrix.size) {
      for (let x = 0; x < QR_SIZE_PX; x++) {
        const col = moduleAt[x]!;
        if (col >= 0 && col < matrix.size && matrix.dark(row, col)) line[x >> 3]! &= ~(0x80 >> (x & 7));
      }
    }
    previous = line;
  }
  return Buffer.concat([SIGNATURE, IHDR, chunk('IDAT', deflateSync(raw)), IEND]);
}

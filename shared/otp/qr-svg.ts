import { QR_MARGIN, QR_SIZE_PX, type QrMatrix } from './qr-matrix.ts';

/**
 * The symbol as an SVG document: one path of the dark modules, a row's run of them as one
 * rectangle, on a white square with a QR_MARGIN quiet zone, QR_SIZE_PX wide, scaling without
 * blur (`crispEdges`). Only numbers go into it, so nothing in the encoded text can reach the markup.
 */
export function qrSvg(matrix: QrMatrix): string {
  const total = matrix.size + 2 * QR_MARGIN;
  let path = '';
  for (let row = 0; row < matrix.size; row++) {
    for (let col = 0; col < matrix.size; ) {
      if (!matrix.dark(row, col)) {
        col++;
        continue;
      }
      const start = col;
      while (col < matrix.size && matrix.dark(row, col)) col++;
      path += `M${start + QR_MARGIN} ${row + QR_MARGIN}h${col - start}v1h-${col - start}z`;
    }
  }
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${total} ${total}" width="${QR_SIZE_PX}" height="${QR_SIZE_PX}" shape-rendering="crispEdges">` +
    `<rect width="${total}" height="${total}" fill="#fff"/><path fill="#000" d="${path}"/></svg>`
  );
}

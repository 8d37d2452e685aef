/** A QR symbol's modules: `size` × `size`, dark where `dark(row, col)`. */
export interface QrMatrix {
  readonly size: number;
  dark(row: number, col: number): boolean;
}

/** Quiet zone, in modules, around the symbol in every rendering. */
export const QR_MARGIN = 2;
/** Width and height of every rendering, in px (CSS px for SVG). */
export const QR_SIZE_PX = 256;

// Globals the demo pages get from classic scripts of /demo/vendor/ (UMD builds).
import type jsQRFunction from 'jsqr';

declare global {
  /** jsQR's UMD build (`/demo/vendor/jsqr.js`): decodes a QR code from RGBA pixels. */
  var jsQR: typeof jsQRFunction;
}

export {};

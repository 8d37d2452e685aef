// Globals the demo pages get from classic scripts of /demo/vendor/ (UMD builds).
import type jsQRFunction from 'jsqr';
import type * as SimpleWebAuthnBrowserModule from '@simplewebauthn/browser';

declare global {
  /** jsQR's UMD build (`/demo/vendor/jsqr.js`): decodes a QR code from RGBA pixels. */
  var jsQR: typeof jsQRFunction;
  /** @simplewebauthn/browser's UMD build (`/demo/vendor/simplewebauthn-browser.js`): WebAuthn ceremonies from JSON options. */
  var SimpleWebAuthnBrowser: typeof SimpleWebAuthnBrowserModule;
}

export {};

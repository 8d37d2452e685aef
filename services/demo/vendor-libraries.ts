import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

const require = createRequire(import.meta.url);

/**
 * The browser builds of installed packages the demo pages load, by the name they are served
 * under at `/demo/vendor/{name}`: only these files, straight from node_modules, so the pages
 * need no CDN, no internet and no build step. Each maps to a function so a missing package
 * fails the request that needs it, not the start of the service.
 */
export const VENDOR_LIBRARIES: Readonly<Record<string, () => string>> = {
  // UMD build: a classic script defining the global `jsQR` (QR decoding from pixels).
  'jsqr.js': () => require.resolve('jsqr'),
  // The ESM browser build (noble-hashes bundled in), imported as a module.
  'otpauth.js': () => join(dirname(require.resolve('otpauth')), 'otpauth.esm.min.js'),
  // UMD build: a classic script defining the global `SimpleWebAuthnBrowser` (WebAuthn ceremonies).
  'simplewebauthn-browser.js': () =>
    join(dirname(dirname(require.resolve('@simplewebauthn/browser'))), 'dist', 'bundle', 'index.umd.min.js'),
};

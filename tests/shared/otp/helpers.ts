import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Secret } from 'otpauth';
import QRCode from 'qrcode';
import type { SecretKeyring } from '../../../shared/config/env.ts';

const run = promisify(execFile);

async function runTool(tool: string, args: string[]): Promise<Buffer> {
  try {
    const { stdout } = await run(tool, args, { encoding: 'buffer' });
    return stdout;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new Error(`${tool} is not installed: apt-get install -y oathtool zbar-tools`, { cause: err });
    }
    throw err;
  }
}

/** The secret as a standard authenticator app would get it: ASCII key bytes in base32. */
export function asciiToBase32(key: string): string {
  return Secret.fromLatin1(key).base32;
}

/** A time as oathtool's `--now` reads it, e.g. `2023-11-14 22:13:20 UTC`. */
export function oathtoolDate(timeMs: number): string {
  return `${new Date(timeMs).toISOString().slice(0, 19).replace('T', ' ')} UTC`;
}

/** Runs the real `oathtool` binary (OATH Toolkit) and returns the code it prints. */
export async function runOathtool(args: string[]): Promise<string> {
  return (await runTool('oathtool', args)).toString('ascii').trim();
}

/** The PNG bytes inside a `data:image/png;base64,…` URL. */
export function pngFromDataUrl(dataUrl: string): Buffer {
  const prefix = 'data:image/png;base64,';
  if (!dataUrl.startsWith(prefix)) throw new Error('not a PNG data URL');
  return Buffer.from(dataUrl.slice(prefix.length), 'base64');
}

/** Width and height from the PNG IHDR chunk, which always directly follows the 8-byte signature. */
export function pngSize(png: Buffer): { width: number; height: number } {
  if (png.subarray(12, 16).toString('ascii') !== 'IHDR') throw new Error('PNG does not start with IHDR');
  return { width: png.readUInt32BE(16), height: png.readUInt32BE(20) };
}

/** Decodes a QR code PNG with the real `zbarimg` and returns the exact bytes it holds. */
export async function decodeQr(png: Buffer): Promise<Buffer> {
  const dir = await mkdtemp(join(tmpdir(), 'otp-qr-'));
  try {
    const file = join(dir, 'qr.png');
    await writeFile(file, png);
    const out = await runTool('zbarimg', ['--raw', '-q', file]);
    // zbarimg ends each decoded symbol with a newline of its own.
    return out.at(-1) === 0x0a ? out.subarray(0, -1) : out;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** A keyring with fresh random keys, the first id being the active one. */
export function keyringWith(activeKeyId: string, ...otherKeyIds: string[]): SecretKeyring {
  const keys = new Map<string, Buffer>();
  for (const id of [activeKeyId, ...otherKeyIds]) keys.set(id, randomBytes(32));
  return { activeKeyId, keys };
}

/** The shortest run of 'x' that qrcode encodes (error correction M) as a symbol of this version. */
export function textForQrVersion(version: number): string {
  const versionOf = (length: number): number => QRCode.create('x'.repeat(length), { errorCorrectionLevel: 'M' }).version;
  let low = 1;
  let high = 2331; // byte-mode capacity of version 40 at level M
  while (low < high) {
    const mid = Math.floor((low + high) / 2);
    if (versionOf(mid) < version) low = mid + 1;
    else high = mid;
  }
  if (versionOf(low) !== version) throw new Error(`no text encodes as QR version ${version}`);
  return 'x'.repeat(low);
}

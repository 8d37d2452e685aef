import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generate as leanQr, correction } from 'lean-qr';
import QRCode from 'qrcode';
import { encode as uqr } from 'uqr';
import { buildOtpauthUri } from '../../shared/otp/index.ts';
import type { QrMatrix } from '../../shared/otp/qr-matrix.ts';
import { qrPng } from '../../shared/otp/qr-png.ts';
import { qrSvg } from '../../shared/otp/qr-svg.ts';
import type { BenchEnvironment } from '../harness/environment.ts';
import type { LoadOptions, Measurement } from '../harness/measure.ts';
import type { Comparison } from '../harness/scenario.ts';

/** A realistic extended enrollment URI (version 10-ish symbol at level M). */
const URI = buildOtpauthUri({
  secret: 'JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP', issuer: 'bench-enroll', accountName: 'bench-user-0000', algorithm: 'SHA1', digits: 6,
  period: 30, type: 'totp', displayName: 'bench-user-0000', tenantKey: 'bench-enroll', sub: 'bench-user-0000',
  clientId: '532542d2-c6b8-4921-86b6-bb1da13f941b', baseUrl: 'http://127.0.0.1:8080', exchangeId: 'd5edcec1-d306-4cb8-8650-a3eb0330084d',
});

/** The maintained encoders installed, each asked for level M and read through one interface. */
const ENCODERS: Record<string, (text: string) => QrMatrix> = {
  qrcode: (text) => {
    const { modules } = QRCode.create(text, { errorCorrectionLevel: 'M' });
    return { size: modules.size, dark: (row, col) => Boolean(modules.get(row, col)) };
  },
  'lean-qr': (text) => {
    const code = leanQr(text, { minCorrectionLevel: correction.M, maxCorrectionLevel: correction.M });
    return { size: code.size, dark: (row, col) => code.get(col, row) };
  },
  uqr: (text) => {
    const { data, size } = uqr(text, { ecc: 'M', border: 0 });
    return { size, dark: (row, col) => data[row]![col]! };
  },
};

/** zbarimg's reading of an image file (PNG or SVG), or undefined when it finds no QR code. */
function zbar(file: string): string | undefined {
  try {
    return execFileSync('zbarimg', ['--raw', '-q', '-Sdisable', '-Sqrcode.enable', '-Sbinary', file]).toString('utf8').replace(/\n$/, '');
  } catch {
    return undefined;
  }
}

function rate(label: string, work: () => unknown, seconds: number, valid: boolean): Measurement {
  for (let i = 0; i < 50; i++) work();
  const deadline = performance.now() + seconds * 1000;
  const before = process.cpuUsage();
  let count = 0;
  while (performance.now() < deadline) {
    work();
    count++;
  }
  const used = process.cpuUsage(before);
  const cpuSeconds = (used.user + used.system) / 1e6;
  return { label, requestsPerSecond: count / cpuSeconds, latencyP50Ms: (cpuSeconds * 1000) / count, latencyP99Ms: 0, requests: count, errors: valid ? 0 : 1, non2xx: 0 };
}

/**
 * QR renderings of an enrollment URI per CPU second, in this process: each installed encoder's
 * symbol alone, drawn as the service's 256 px one-bit PNG, and as its SVG, against qrcode's
 * symbol alone (the encoder the service used before issue 14). A PNG zbarimg cannot read
 * counts as an error. `p50 ms` is CPU ms each.
 */
export default async function qrEncoders(_bench: BenchEnvironment, load: LoadOptions): Promise<Comparison[]> {
  const dir = mkdtempSync(join(tmpdir(), 'bench-qr-'));
  const seconds = Math.max(1, load.durationSeconds / 3);
  try {
    const symbolOnly = Object.entries(ENCODERS).map(([name, encode]) => rate(`${name}: symbol only`, () => encode(URI), seconds, true));
    const comparisons: Comparison[] = [];
    const baseline = symbolOnly[0]!;
    for (const [name, encode] of Object.entries(ENCODERS)) {
      const png = join(dir, `${name}.png`);
      writeFileSync(png, qrPng(encode(URI)));
      const svg = join(dir, `${name}.svg`);
      writeFileSync(svg, qrSvg(encode(URI)));
      const pngReads = zbar(png) === URI;
      // zbarimg reads no SVG at all (its answer is printed, not held against the encoder);
      // tests/services/actions/qr-formats.test.ts decodes the service's SVG as Chromium draws it.
      const svgReads = zbar(svg) === URI;
      comparisons.push({
        figure: `${name}: PNG renderings/CPU s vs qrcode symbol alone`,
        subject: rate(`${name} + 1-bit PNG`, () => qrPng(encode(URI)).toString('base64'), seconds, pngReads),
        baseline,
        notes: [`${name}: zbarimg reads its PNG: ${pngReads}, its SVG: ${svgReads} (zbarimg reads no SVG)`],
      });
      comparisons.push({ figure: `${name}: SVG renderings/CPU s vs qrcode symbol alone`, subject: rate(`${name} + SVG`, () => qrSvg(encode(URI)), seconds, true), baseline });
      comparisons.push({ figure: `${name}: symbol alone vs qrcode's`, subject: symbolOnly[Object.keys(ENCODERS).indexOf(name)]!, baseline });
    }
    return comparisons;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

import { execFile, execFileSync } from 'node:child_process';
import { promisify } from 'node:util';

/**
 * Debian's interpreter, which has `python3-pyotp` (2.6.0 on bookworm). Not the `python3` on
 * PATH, which may be a pyenv build without it.
 */
export const SYSTEM_PYTHON = '/usr/bin/python3';

const run = promisify(execFile);

/** Parses argv[1] with pyotp.parse_uri and prints the code at argv[2] (unix seconds), or the error. */
const SCRIPT = `
import json, sys
import pyotp
try:
    otp = pyotp.parse_uri(sys.argv[1])
except Exception as err:
    print(json.dumps({"ok": False, "error": "%s: %s" % (type(err).__name__, err)}))
    sys.exit(0)
print(json.dumps({"ok": True, "code": otp.at(int(sys.argv[2])), "issuer": otp.issuer, "name": otp.name}))
`;

export type PyotpResult = { ok: true; code: string; issuer: string | null; name: string } | { ok: false; error: string };

/**
 * Why pyotp cannot be used here, or undefined when it can. In CI (`CI=true`) a missing pyotp
 * is an error, not a reason to skip: `.ci/run` installs it.
 */
export function pyotpUnavailable(): string | undefined {
  try {
    execFileSync(SYSTEM_PYTHON, ['-c', 'import pyotp'], { stdio: 'pipe' });
    return undefined;
  } catch (err) {
    const reason = `${SYSTEM_PYTHON} with pyotp is not available (apt-get install python3-pyotp): ${err instanceof Error ? err.message.split('\n')[0] : String(err)}`;
    if (process.env.CI === 'true') throw new Error(reason, { cause: err });
    console.warn(`\n!!! SKIPPING the pyotp tests: ${reason}\n`);
    return reason;
  }
}

/** The installed pyotp's version, from Debian's package database (2.6 has no `__version__`). */
export async function pyotpVersion(): Promise<string> {
  const { stdout } = await run(SYSTEM_PYTHON, ['-c', 'from importlib.metadata import version; print(version("pyotp"))']);
  return stdout.trim();
}

/** What Debian's pyotp makes of `uri`: the code it shows at `atMs`, or the error it raises. */
export async function parseWithPyotp(uri: string, atMs: number): Promise<PyotpResult> {
  const { stdout } = await run(SYSTEM_PYTHON, ['-c', SCRIPT, uri, String(Math.floor(atMs / 1000))]);
  return JSON.parse(stdout) as PyotpResult;
}

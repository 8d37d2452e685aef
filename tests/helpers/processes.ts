import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';

/** The repository root, where npm scripts and entry points are run from. */
export const PROJECT_ROOT = fileURLToPath(new URL('../..', import.meta.url));

/**
 * The tsx binary `npm start` runs. Entry points are spawned with it directly rather than
 * through npx, whose own warnings on stderr would blur what the service itself printed.
 */
export const TSX = fileURLToPath(new URL('../../node_modules/.bin/tsx', import.meta.url));

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface ChildOutput extends Exit {
  stdout: string;
  stderr: string;
}

/** A child process whose output is collected, and which can always be ended. */
export interface RunningProcess {
  readonly pid: number;
  stdout(): string;
  stderr(): string;
  /** Resolves when the process has exited, with its code or signal. */
  readonly exited: Promise<Exit>;
  /** Resolves with the output so far once `pattern` appears in stdout or stderr. */
  waitForOutput(pattern: RegExp, timeoutMs?: number): Promise<string>;
  /** Sends `signal` to the process itself (as a supervisor would). */
  signal(signal: NodeJS.Signals): void;
  /** Kills the process and everything it started; safe to call more than once. */
  kill(): Promise<void>;
}

/**
 * An environment that carries only what a process needs to run plus `vars`, so nothing from
 * the test runner's own environment (DATABASE_URL, JWT_SECRET…) leaks into the child.
 */
export function childEnv(vars: Record<string, string>): NodeJS.ProcessEnv {
  const keep = ['PATH', 'HOME', 'TMPDIR', 'LANG', 'npm_config_cache'];
  const env: NodeJS.ProcessEnv = {};
  for (const name of keep) if (process.env[name] !== undefined) env[name] = process.env[name];
  return { ...env, ...vars };
}

/** Starts `command` in a process group of its own, so kill() also ends its children (npm, tsx). */
export function startProcess(command: string, args: string[], env: NodeJS.ProcessEnv): RunningProcess {
  const child: ChildProcess = spawn(command, args, { cwd: PROJECT_ROOT, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  const watchers = new Set<() => void>();
  const notify = () => watchers.forEach((check) => check());
  child.stdout!.on('data', (chunk: Buffer) => {
    stdout += chunk.toString('utf8');
    notify();
  });
  child.stderr!.on('data', (chunk: Buffer) => {
    stderr += chunk.toString('utf8');
    notify();
  });
  const exited = new Promise<Exit>((resolve) => {
    child.once('close', (code, signal) => {
      resolve({ code, signal });
      notify();
    });
  });
  let done = false;
  void exited.then(() => (done = true));

  const killGroup = (signal: NodeJS.Signals) => {
    try {
      process.kill(-child.pid!, signal);
    } catch {
      // Already gone.
    }
  };

  return {
    pid: child.pid!,
    stdout: () => stdout,
    stderr: () => stderr,
    exited,
    waitForOutput(pattern, timeoutMs = 30_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const all = stdout + stderr;
          if (pattern.test(all)) finish(() => resolve(all));
          else if (done) finish(() => reject(new Error(`process exited before printing ${pattern}:\n${all}`)));
        };
        const timer = setTimeout(
          () => finish(() => reject(new Error(`no ${pattern} within ${timeoutMs} ms:\n${stdout}${stderr}`))),
          timeoutMs,
        );
        const finish = (settle: () => void) => {
          clearTimeout(timer);
          watchers.delete(check);
          settle();
        };
        watchers.add(check);
        check();
      });
    },
    signal(signal) {
      child.kill(signal);
    },
    async kill() {
      if (done) return;
      killGroup('SIGKILL');
      await exited;
    },
  };
}

/**
 * Runs `command` to completion and returns its exit and output; kills it (and fails) when it
 * takes longer than `timeoutMs`.
 */
export async function runToExit(command: string, args: string[], env: NodeJS.ProcessEnv, timeoutMs = 60_000): Promise<ChildOutput> {
  const proc = startProcess(command, args, env);
  const timer = setTimeout(() => void proc.kill(), timeoutMs);
  const exit = await proc.exited;
  clearTimeout(timer);
  if (exit.signal === 'SIGKILL') throw new Error(`${command} ${args.join(' ')} took longer than ${timeoutMs} ms:\n${proc.stdout()}${proc.stderr()}`);
  return { ...exit, stdout: proc.stdout(), stderr: proc.stderr() };
}

/** Runs `npm run <script> -- <args>` to completion (as an operator would type it). */
export function runNpmScript(script: string, args: string[], env: NodeJS.ProcessEnv, timeoutMs?: number): Promise<ChildOutput> {
  return runToExit('npm', ['run', script, ...(args.length > 0 ? ['--', ...args] : [])], env, timeoutMs);
}

/** A TCP port nobody listens on right now (for entry points that print the URL of their port). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      probe.close(() => resolve(port));
    });
  });
}

/** The non-empty lines of `text`. */
export function linesOf(text: string): string[] {
  return text.split('\n').map((line) => line.trim()).filter(Boolean);
}

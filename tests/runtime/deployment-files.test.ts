import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { ConfigError, loadConfig } from '../../shared/config/env.ts';
import { PROJECT_ROOT } from '../helpers/processes.ts';

// docker-compose.yml and the Dockerfile cannot be run here (no Docker daemon); these tests read
// them as compose and docker would.

interface ComposeService {
  environment?: Record<string, string>;
  command?: string[];
}

const compose = parse(readFileSync(join(PROJECT_ROOT, 'docker-compose.yml'), 'utf8'), { merge: true }) as {
  services: Record<string, ComposeService>;
};
const APP_SERVICES = ['migrate', 'config', 'actions', 'status'];
const SECRETS = ['JWT_SECRET', 'SECRET_KEY', 'POSTGRES_PASSWORD'];

/** Compose's variable substitution: `${X}`, `${X:-default}`, `${X:?error}` and `$$`. */
function interpolate(value: string, shell: Record<string, string>): string {
  return value.replace(/\$\$|\$\{(\w+)(?::([-?])([^}]*))?\}/g, (match, name: string | undefined, kind?: string, arg?: string) => {
    if (match === '$$') return '$';
    const set = shell[name!] !== undefined && shell[name!] !== '';
    if (kind === '?' && !set) throw new Error(`compose refuses to start: ${arg}`);
    return set ? shell[name!]! : kind === '-' ? arg! : '';
  });
}

function environmentOf(service: string, shell: Record<string, string>): Record<string, string> {
  const environment = compose.services[service]!.environment ?? {};
  return Object.fromEntries(Object.entries(environment).map(([name, value]) => [name, interpolate(String(value), shell)]));
}

const generated = () => ({
  JWT_SECRET: randomBytes(32).toString('base64'),
  SECRET_KEY: randomBytes(32).toString('hex'),
  POSTGRES_PASSWORD: randomBytes(24).toString('hex'),
});

describe('docker-compose.yml', () => {
  it('commits no secret: each is read from the environment, and compose stops without it', () => {
    for (const service of [...APP_SERVICES, 'postgres']) {
      for (const [name, value] of Object.entries(compose.services[service]!.environment ?? {})) {
        const secret = SECRETS.find((s) => String(value).includes(s) || name === s);
        if (secret) expect(String(value), `${service}.${name}`).toMatch(new RegExp(`\\$\\{${secret}:\\?[^}]+\\}`));
      }
    }
    for (const secret of SECRETS) {
      const shell = { ...generated(), [secret]: '' };
      expect(() => environmentOf('actions', shell) && environmentOf('postgres', shell)).toThrow(new RegExp(secret));
    }
  });

  it.each(APP_SERVICES)('gives %s an environment production accepts, once the secrets are exported', (service) => {
    const config = loadConfig(environmentOf(service, generated()));
    expect(config.production).toBe(true);
    expect(config.publicBaseUrl).toBeDefined();
    expect(config.database.url).toMatch(/^postgres:\/\/verification:[0-9a-f]{48}@postgres:5432\/verification$/);
    expect(config.metricsPort).toBeDefined();
  });

  it('is refused by production with the placeholders it used to commit', () => {
    const shell = {
      JWT_SECRET: 'compose-local-jwt-secret-change-me-0123456789',
      SECRET_KEY: '00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff',
      POSTGRES_PASSWORD: 'verification',
    };
    expect(() => loadConfig(environmentOf('actions', shell))).toThrow(ConfigError);
  });

  it('runs the database password given to PostgreSQL in the services’ DATABASE_URL', () => {
    const shell = generated();
    expect(environmentOf('postgres', shell).POSTGRES_PASSWORD).toBe(shell.POSTGRES_PASSWORD);
    expect(new URL(environmentOf('actions', shell).DATABASE_URL!).password).toBe(shell.POSTGRES_PASSWORD);
  });

  it('documents every variable it sets for the services in the README configuration table', () => {
    const readme = readFileSync(join(PROJECT_ROOT, 'README.md'), 'utf8');
    const tableRows = readme.split('\n').filter((line) => line.startsWith('| `'));
    const undocumented = Object.keys(compose.services.actions!.environment ?? {}).filter(
      (name) => !tableRows.some((row) => row.split('|')[1]!.includes(`\`${name}\``)),
    );
    expect(undocumented).toEqual([]);
  });
});

describe('Dockerfile', () => {
  it('builds on a Node LTS line still supported (22 or newer, even)', () => {
    const from = /^FROM node:(\d+)/m.exec(readFileSync(join(PROJECT_ROOT, 'Dockerfile'), 'utf8'));
    const major = Number(from?.[1]);
    expect(major).toBeGreaterThanOrEqual(22);
    expect(major % 2).toBe(0);
  });
});

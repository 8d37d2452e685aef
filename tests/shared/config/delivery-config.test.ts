import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../../shared/config/env.ts';
import { productionEnv } from '../../helpers/production.ts';

const BASE = { JWT_SECRET: 'a-jwt-secret-that-is-at-least-32-characters-long', SECRET_KEY: 'ab'.repeat(32) };
const PRODUCTION = productionEnv();
const SECRET = `whsec_${Buffer.alloc(32, 1).toString('base64')}`;
const TWILIO = { SMS_PROVIDER: 'twilio', TWILIO_ACCOUNT_SID: `AC${'0'.repeat(32)}`, TWILIO_AUTH_TOKEN: 'token', TWILIO_FROM: '+15005550006' };

function refused(env: NodeJS.ProcessEnv): string {
  try {
    loadConfig(env);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as ConfigError).variable;
  }
  throw new Error(`expected ${JSON.stringify(env)} to be refused`);
}

describe('delivery configuration', () => {
  it('defaults both channels to the log provider outside production', () => {
    const config = loadConfig(BASE);
    expect([config.delivery.smsProvider, config.delivery.emailProvider]).toEqual(['log', 'log']);
  });

  it('leaves channels without a provider in production unless one is configured', () => {
    const config = loadConfig(PRODUCTION);
    expect([config.delivery.smsProvider, config.delivery.emailProvider]).toEqual([undefined, undefined]);
  });

  it.each<[string, NodeJS.ProcessEnv]>([
    ['SMS_PROVIDER', { ...PRODUCTION, SMS_PROVIDER: 'log' }],
    ['EMAIL_PROVIDER', { ...PRODUCTION, EMAIL_PROVIDER: 'log' }],
    ['SMS_PROVIDER', { ...BASE, SMS_PROVIDER: 'carrier-pigeon' }],
    ['DELIVERY_WEBHOOK_URL', { ...BASE, SMS_PROVIDER: 'webhook', WEBHOOK_SECRET: SECRET }],
    ['WEBHOOK_SECRET', { ...BASE, SMS_PROVIDER: 'webhook', DELIVERY_WEBHOOK_URL: 'https://gw.example/send' }],
    ['WEBHOOK_SECRET', { ...BASE, WEBHOOK_SECRET: 'not-a-whsec' }],
    ['WEBHOOK_SECRET', { ...BASE, WEBHOOK_SECRET: `whsec_${Buffer.alloc(8).toString('base64')}` }],
    ['DELIVERY_WEBHOOK_URL', { ...PRODUCTION, SMS_PROVIDER: 'webhook', DELIVERY_WEBHOOK_URL: 'http://gw.example/send', WEBHOOK_SECRET: SECRET }],
    ['SMTP_URL', { ...BASE, EMAIL_PROVIDER: 'smtp', EMAIL_FROM: 'a@b.example' }],
    ['SMTP_URL', { ...BASE, SMTP_URL: 'http://mail.example' }],
    ['EMAIL_FROM', { ...BASE, EMAIL_PROVIDER: 'smtp', SMTP_URL: 'smtp://mail.example:587' }],
    ['TWILIO_ACCOUNT_SID', { ...BASE, ...TWILIO, TWILIO_ACCOUNT_SID: undefined }],
    ['TWILIO_ACCOUNT_SID', { ...BASE, ...TWILIO, TWILIO_ACCOUNT_SID: 'AC123' }],
    ['TWILIO_AUTH_TOKEN', { ...BASE, ...TWILIO, TWILIO_AUTH_TOKEN: undefined }],
    ['TWILIO_FROM', { ...BASE, ...TWILIO, TWILIO_FROM: undefined }],
    ['TWILIO_API_BASE', { ...PRODUCTION, ...TWILIO, TWILIO_API_BASE: 'http://twilio.internal' }],
    ['TELNYX_API_KEY', { ...BASE, SMS_PROVIDER: 'telnyx', TELNYX_FROM: '+15551234567' }],
    ['TELNYX_FROM', { ...BASE, SMS_PROVIDER: 'telnyx', TELNYX_API_KEY: 'KEY' }],
    ['DELIVERY_RETRY_SCALE', { ...BASE, DELIVERY_RETRY_SCALE: '0' }],
    ['OUTBOUND_ALLOW_PRIVATE', { ...BASE, OUTBOUND_ALLOW_PRIVATE: 'sure' }],
  ])('refuses %s in %j', (variable, env) => {
    expect(refused(env)).toBe(variable);
  });

  it('takes several WEBHOOK_SECRET values (a rotation signs with each)', () => {
    const other = `whsec_${Buffer.alloc(24, 2).toString('base64')}`;
    expect(loadConfig({ ...BASE, WEBHOOK_SECRET: `${SECRET} ${other}` }).outbound.webhookSecrets).toEqual([SECRET, other]);
  });

  it('accepts a complete production setup', () => {
    const config = loadConfig({
      ...PRODUCTION,
      ...TWILIO,
      EMAIL_PROVIDER: 'smtp',
      SMTP_URL: 'smtps://user:pass@mail.example:465',
      EMAIL_FROM: 'Acme <security@acme.example>',
    });
    expect(config.delivery.twilio).toMatchObject({ apiBase: 'https://api.twilio.com', username: `AC${'0'.repeat(32)}`, password: 'token' });
    expect(config.outbound.allowPrivate).toBe(false);
  });
});

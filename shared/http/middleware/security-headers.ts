import type { AppConfig } from '../../config/env.ts';

// One year (the least the HSTS preload list accepts), for this host and its subdomains.
const HSTS = 'max-age=31536000; includeSubDomains';

/**
 * Headers every response of this service carries, also the ones written without Koa (WebSocket
 * upgrade refusals): `nosniff`, so no browser ever runs a JSON or YAML body as script or
 * style; `Cache-Control: no-store` as the default, since nearly every answer is about one
 * user, one tenant or one moment (the routes that may be cached say so themselves: status
 * documents revalidate with their ETag, the Redoc script is public); and, when the service is
 * published over https, `Strict-Transport-Security`.
 */
export function securityHeaderValues(config: Pick<AppConfig, 'publicBaseUrl'>): Record<string, string> {
  return {
    'X-Content-Type-Options': 'nosniff',
    'Cache-Control': 'no-store',
    ...(config.publicBaseUrl?.startsWith('https:') ? { 'Strict-Transport-Security': HSTS } : {}),
  };
}

import { METHODS, VERIFICATION_TYPES, type ImplementedType } from '../../shared/methods/registry.ts';
import { request } from './http.ts';
import type { TestServer } from './test-server.ts';

/**
 * The config list a tenant sees: every implemented method, active as `active` says for it or
 * as its module's default. Derived from the registry, so adding a method changes no test.
 */
export function methodList(active: Partial<Record<ImplementedType, boolean>> = {}): { verificationType: ImplementedType; active: boolean }[] {
  return VERIFICATION_TYPES.map((type) => ({ verificationType: type, active: active[type] ?? METHODS[type].settings.activeByDefault }));
}

/** Switches every implemented method off for `tenant` (as its admin). */
export async function switchOffEveryMethod(server: TestServer, tenant: string): Promise<void> {
  const admin = await server.token({ sub: 'admin', tenant, scope: 'verification:admin' });
  for (const type of VERIFICATION_TYPES) {
    const res = await request(`${server.url}/verification-srv/config/${type.toLowerCase()}`, { method: 'PUT', token: admin, body: { active: false } });
    if (res.status !== 200) throw new Error(`could not switch ${type} off: ${res.status}`);
  }
}

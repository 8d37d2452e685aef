import { METHODS, VERIFICATION_TYPES, type ImplementedType } from '../../shared/methods/registry.ts';

/**
 * The config list a tenant sees: every implemented method, active as `active` says for it or
 * as its module's default. Derived from the registry, so adding a method changes no test.
 */
export function methodList(active: Partial<Record<ImplementedType, boolean>> = {}): { verificationType: ImplementedType; active: boolean }[] {
  return VERIFICATION_TYPES.map((type) => ({ verificationType: type, active: active[type] ?? METHODS[type].settings.activeByDefault }));
}

import { z } from 'zod';
import type { Database, Queryable } from '../db/database.ts';
import type { SecurityEventRecorder } from '../security-events/index.ts';
import type { JsonObject } from '../db/json.ts';
import { VerificationError } from '../errors/verification-error.ts';
import { ensureTenantMethod, findTenantMethod, saveTenantMethod } from '../tenants/method-config-repository.ts';
import { announceTenantConfigChange } from '../tenants/tenant-config-events.ts';
import { CachedMethodConfigs } from '../tenants/tenant-method-configs.ts';
import { COMMON_SETTINGS_FIELDS, type CommonSettings, type MethodConfig } from '../tenants/method-settings.ts';
import type { VerificationType } from '../tenants/verification-type.ts';

type Shape<F extends z.ZodRawShape> = typeof COMMON_SETTINGS_FIELDS & F;

/** The settings a module with its own fields `F` has: the common ones plus `F`, each present. */
type SettingsOf<F extends z.ZodRawShape> = z.output<z.ZodObject<Shape<F>>> & CommonSettings;

interface SettingsDefinition<F extends z.ZodRawShape> {
  type: VerificationType;
  /**
   * The name of the full settings schema in openapi.yaml (`#/components/schemas/<name>`, listed
   * in `MethodSettings`'s `anyOf`); the patch is documented as `<name>Patch` (in `MethodSettingsPatch`).
   */
  documentedAs: string;
  /** The method's own settings fields (zod), besides `exchange_lifetime` and `max_devices`. */
  fields: F;
  /** Every setting's value for a tenant that never changed it. */
  defaults: SettingsOf<F>;
  /** Checks across fields, run on the settings as they will be stored (stored ones merged with a change). */
  check?: (settings: SettingsOf<F>, ctx: z.RefinementCtx) => void;
  /** Whether a tenant that never configured the method has it active (default true). */
  activeByDefault?: boolean;
}

/** Where settings are read: SQL (a transaction, the pool), or the per-process cache. */
type ConfigSource = Queryable | CachedMethodConfigs;

/** Who changes a configuration: the admin's `sub`, and where the change is recorded. */
interface ConfigChanger {
  sub: string;
  events: SecurityEventRecorder;
}

/** A partial change an admin sends (`PUT /verification-srv/config/{type}`). */
interface MethodChange<S> {
  active?: boolean;
  settings?: Partial<S>;
}

/**
 * One method's tenant settings: its schema and defaults, and the shared ways to read and change
 * them. Stored in `tenant_methods.settings` (jsonb) as the members an admin set; defaults are
 * merged on read, so a tenant that never set a member follows the module's default.
 */
export interface MethodSettings<S extends CommonSettings> {
  readonly type: VerificationType;
  /** The settings schema's name in openapi.yaml (see SettingsDefinition). */
  readonly documentedAs: string;
  readonly defaults: S;
  /** Whether a tenant that never configured the method has it active. */
  readonly activeByDefault: boolean;
  /** What `PUT` accepts under `settings`: each member optional, unknown members refused. */
  readonly patch: z.ZodType<Partial<S>>;
  /**
   * The tenant's configuration, defaults included: from `from`'s transaction or pool, or from
   * the per-process cache (`deps.tenantMethods.via(tx)`), which hot paths pass.
   */
  read(from: ConfigSource, tenantId: string): Promise<MethodConfig<S>>;
  /**
   * The settings an operation runs with.
   *
   * @throws VerificationError METHOD_INACTIVE when the tenant switched the method off.
   */
  requireActive(from: ConfigSource, tenantId: string): Promise<S>;
  /**
   * Applies a partial change (already parsed with `patch`), checking the merged result. The
   * row is locked while merging, so two admins changing different settings at once both keep
   * their change. A change that alters anything is recorded as `settings.changed` (the names of
   * what changed, never values) in the same transaction.
   *
   * @throws VerificationError INVALID_REQUEST when the merged settings fail a check across fields.
   */
  update(db: Database, tenantId: string, change: MethodChange<S>, by: ConfigChanger): Promise<MethodConfig<S>>;
}

/** Names of what differs between two configurations (`active`, then settings keys), never values. */
function changedKeys<S extends object>(before: { active: boolean; settings: S }, after: { active: boolean; settings: S }): string[] {
  const keys = Object.keys(after.settings) as (keyof S & string)[];
  const differs = (key: keyof S) => JSON.stringify(before.settings[key]) !== JSON.stringify(after.settings[key]);
  return [...(before.active !== after.active ? ['active'] : []), ...keys.filter(differs)];
}

/**
 * Declares a method's tenant settings: its own fields plus the common ones, their defaults and
 * any check across fields.
 *
 * @example
 * ```ts
 * export const totpSettings = defineSettings({
 *   type: 'TOTP',
 *   documentedAs: 'TotpSettings',
 *   fields: { digits: z.number().int().min(6).max(8) },
 *   defaults: { digits: 6, exchange_lifetime: 600, max_devices: 5 },
 * });
 * ```
 */
export function defineSettings<F extends z.ZodRawShape>(definition: SettingsDefinition<F>): MethodSettings<SettingsOf<F>> {
  type S = SettingsOf<F>;
  const { type, defaults } = definition;
  const shape = { ...COMMON_SETTINGS_FIELDS, ...definition.fields } as Shape<F>;
  const check = definition.check ?? (() => undefined);
  // Stored members the module no longer knows are dropped, not refused: reading must not fail.
  const full = z.object(shape).superRefine((value, ctx) => check(value as S, ctx));
  const patch = z.object(shape).strict().partial() as unknown as z.ZodType<Partial<S>>;
  const activeByDefault = definition.activeByDefault ?? true;

  const merge = (stored: JsonObject | undefined): S => {
    const parsed = full.safeParse({ ...defaults, ...stored });
    // Every stored value passed this schema when it was written; a module that tightens its
    // schema migrates stored settings in its own migration.
    if (!parsed.success) throw new Error(`stored ${type} settings no longer pass the ${type} schema`);
    return parsed.data as S;
  };

  const read = async (from: ConfigSource, tenantId: string): Promise<MethodConfig<S>> => {
    const stored = from instanceof CachedMethodConfigs ? await from.find(tenantId, type) : await findTenantMethod(from, tenantId, type);
    return { verificationType: type, active: stored?.active ?? activeByDefault, settings: merge(stored?.settings) };
  };

  return {
    type,
    documentedAs: definition.documentedAs,
    defaults,
    activeByDefault,
    patch,
    read,
    async requireActive(from, tenantId) {
      const config = await read(from, tenantId);
      if (!config.active) throw new VerificationError('METHOD_INACTIVE', `${type} is not active for this tenant`);
      return config.settings;
    },
    update(db, tenantId, change, by) {
      return db.transaction(async (tx) => {
        await ensureTenantMethod(tx, tenantId, { verificationType: type, active: activeByDefault, settings: {} });
        const current = (await findTenantMethod(tx, tenantId, type, true))!;
        const settings = { ...current.settings, ...change.settings } as JsonObject;
        const merged = full.safeParse({ ...defaults, ...settings });
        if (!merged.success) {
          const issue = merged.error.issues[0]!;
          const field = ['settings', ...issue.path].join('.');
          throw new VerificationError('INVALID_REQUEST', `${field}: ${issue.message}`, {
            extensions: { errors: merged.error.issues.map((i) => ({ field: ['settings', ...i.path].join('.'), message: i.message })) },
          });
        }
        const active = change.active ?? current.active;
        await saveTenantMethod(tx, tenantId, { verificationType: type, active, settings });
        const changed = changedKeys({ active: current.active, settings: merge(current.settings) }, { active, settings: merged.data as S });
        if (changed.length > 0) {
          await by.events.record(tx, { event: 'settings.changed', tenantId, sub: by.sub, type, changed });
          await announceTenantConfigChange(tx, tenantId);
        }
        return { verificationType: type, active, settings: merged.data as S };
      });
    },
  };
}

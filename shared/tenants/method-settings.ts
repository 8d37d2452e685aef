import { z } from 'zod';
import type { VerificationType } from './verification-type.ts';

export type { VerificationType } from './verification-type.ts';

/**
 * Settings every method has, whatever else it adds: how long its exchanges stay usable and how
 * many authenticators of it one user may have. Each method module spreads these fields into its
 * own settings schema (shared/methods/settings.ts does it for them).
 */
export const COMMON_SETTINGS_FIELDS = {
  /** Seconds an exchange (an enrollment, or a sign-in challenge of a method without its own expiry) stays usable. */
  exchange_lifetime: z.number().int().min(60).max(3600),
  /** Authenticators of this method one user may have. */
  max_devices: z.number().int().min(1).max(20),
};

export interface CommonSettings {
  exchange_lifetime: number;
  max_devices: number;
}

/** A tenant's configuration of one method, defaults included (`GET /verification-srv/config/{type}`). */
export interface MethodConfig<S extends CommonSettings = CommonSettings> {
  verificationType: VerificationType;
  active: boolean;
  settings: S;
}

import { z } from 'zod';
import type { JsonObject } from '../../db/json.ts';
import { defineSettings } from '../settings.ts';

/** How many codes a set has (DESIGN §15). */
export const CODES_PER_SET = 10;

/**
 * BACKUPCODE's tenant settings: when a use leaves `low_remaining` codes or fewer, the
 * `backupcodes.low` event tells integrators to ask the user for a new set. (`exchange_lifetime`
 * and `max_devices` are common to every method and unused here: a user has one set at most.)
 */
export const backupcodeSettings = defineSettings({
  type: 'BACKUPCODE',
  documentedAs: 'BackupcodeSettings',
  fields: {
    low_remaining: z.number().int().min(0).max(CODES_PER_SET - 1),
  },
  defaults: { low_remaining: 3, exchange_lifetime: 600, max_devices: 1 },
});

export type BackupcodeSettings = typeof backupcodeSettings.defaults;

/**
 * What a set's authenticator keeps in `data`: the key its codes' HMACs were made with, how
 * many are unused (the devices list shows it) and when the set was made.
 */
const setSummarySchema = z.object({ key_id: z.string(), remaining: z.number().int(), generated_at: z.string() });
export type SetSummary = z.infer<typeof setSummarySchema>;

/** Reads the summary written by this module. */
export function readSetSummary(data: JsonObject): SetSummary {
  return setSummarySchema.parse(data);
}

import { CODE_SETTINGS_DEFAULTS, CODE_SETTINGS_FIELDS } from '../code/code-settings.ts';
import { defineSettings } from '../settings.ts';

/** EMAIL's tenant settings: the code settings. */
export const emailSettings = defineSettings({
  type: 'EMAIL',
  documentedAs: 'EmailSettings',
  fields: { ...CODE_SETTINGS_FIELDS },
  defaults: { ...CODE_SETTINGS_DEFAULTS },
});

// @ts-check
// SMS codes for the demo pages (the code-method module with a phone number).

import { codeMethod } from './code-method.js';

export const sms = codeMethod({
  type: 'SMS',
  label: 'Text message',
  summary: 'A code sent by SMS to your mobile phone each time you sign in.',
  field: 'phone_number',
  fieldLabel: 'Mobile number (with +country code)',
  inputType: 'tel',
  where: 'your phone',
});

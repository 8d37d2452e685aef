// @ts-check
// Email codes for the demo pages (the code-method module with an email address).

import { codeMethod } from './code-method.js';

export const email = codeMethod({
  type: 'EMAIL',
  label: 'Email',
  summary: 'A code sent to your email address each time you sign in.',
  field: 'email',
  fieldLabel: 'Email address',
  inputType: 'email',
  where: 'your mailbox',
});

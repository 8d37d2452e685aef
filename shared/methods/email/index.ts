import { z } from 'zod';
import { normalizeEmail } from '../../delivery/destination/email-address.ts';
import { defineCodeMethod } from '../code/define-code-method.ts';
import { emailSettings } from './settings.ts';

/**
 * EMAIL (DESIGN §11): an address, validated and normalised (domain lower-cased), proved by a
 * code sent to it; sign-in by a code sent to the enrolled address.
 */
export const email = defineCodeMethod({
  type: 'EMAIL',
  channel: 'email',
  settings: emailSettings,
  destinationField: 'email',
  destinationSchema: z.string().min(1).max(320),
  normalize: (input) => {
    const address = normalizeEmail(input);
    return { address: address.address, masked: address.masked };
  },
  initiationDocumentedAs: 'EmailInitiation',
});

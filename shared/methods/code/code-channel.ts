import type { z } from 'zod';
import type { Channel } from '../../delivery/message.ts';
import type { VerificationType } from '../../tenants/verification-type.ts';
import type { MethodSettings } from '../settings.ts';
import type { CodeSettings } from './code-settings.ts';

/** A destination as a code method keeps it: normalised for sending and comparing, masked for showing. */
export interface Destination {
  address: string;
  masked: string;
}

/**
 * What makes a code method SMS or EMAIL: its channel, the initiation member naming the
 * destination, how a destination is read under the tenant's settings, and the names its bodies
 * are documented under. Everything else is the shared code-method core
 * (shared/methods/code/define-code-method.ts).
 */
export interface CodeChannel<S extends CodeSettings, T extends VerificationType, F extends string> {
  type: T;
  channel: Channel;
  settings: MethodSettings<S>;
  /** The initiation body member holding the destination (`phone_number`, `email`). */
  destinationField: F;
  /** The zod schema of that member before normalisation (a string of bounded length). */
  destinationSchema: z.ZodType<string>;
  /**
   * Normalises a destination typed by the user.
   *
   * @throws VerificationError with the channel's 400 (invalid number, not mobile, country not allowed, invalid email)
   */
  normalize(input: string, settings: S): Destination;
  /** openapi.yaml name of the initiation body (`SmsInitiation`). */
  initiationDocumentedAs: string;
}

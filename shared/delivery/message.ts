/** How a code reaches its user. */
export type Channel = 'sms' | 'email';

/** Why a code is sent, which words the message uses. */
export type MessagePurpose = 'enrollment' | 'sign-in';

/** A code to send, as a method module hands it over (the destination already normalised). */
export interface MessageRequest {
  channel: Channel;
  /** E.164 phone number or normalised email address (shared/delivery/destination). */
  to: string;
  tenant: { id: string; name: string };
  code: string;
  /** How long the code is valid; the message says so and is not retried past it. */
  lifetimeSeconds: number;
  purpose: MessagePurpose;
}

/** The facts a message is composed from, sealed in the outbox until it is sent. */
export interface MessageFacts {
  channel: Channel;
  to: string;
  tenantName: string;
  code: string;
  lifetimeSeconds: number;
  purpose: MessagePurpose;
}

export interface SmsMessage {
  channel: 'sms';
  to: string;
  text: string;
  /** The code the text carries (providers keep it out of what they record). */
  code: string;
}

export interface EmailMessage {
  channel: 'email';
  to: string;
  subject: string;
  text: string;
  html: string;
  code: string;
}

/** A message ready for a provider. */
export type ComposedMessage = SmsMessage | EmailMessage;

/** "10 minutes", "1 minute", "90 seconds". */
export function describeLifetime(seconds: number): string {
  if (seconds >= 60 && seconds % 60 === 0) {
    const minutes = seconds / 60;
    return minutes === 1 ? '1 minute' : `${minutes} minutes`;
  }
  return seconds === 1 ? '1 second' : `${seconds} seconds`;
}

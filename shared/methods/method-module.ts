import type { TenantMethodConfigs } from '../tenants/tenant-method-configs.ts';
import type { z } from 'zod';
import type { AppConfig } from '../config/env.ts';
import type { Authenticator } from '../authenticators/authenticator.ts';
import type { Database, Queryable } from '../db/database.ts';
import type { MessageDelivery } from '../delivery/message-delivery.ts';
import type { Logger } from '../log/logger.ts';
import type { QrFormat } from '../otp/qr.ts';
import type { Outbox } from '../outbox/outbox.ts';
import type { SecurityEventRecorder, StepUpOperation } from '../security-events/index.ts';
import type { StepUp } from '../step-up/require-step-up.ts';
import type { CommonSettings } from '../tenants/method-settings.ts';
import type { VerificationType } from '../tenants/verification-type.ts';
import type { MethodSettings } from './settings.ts';

// The seam (DESIGN §9, STYLE "Seams"): one module per verification method implements the
// operations it supports; the routes, the exchange state machines, the status service, step-up,
// throttling and the rate limit are shared and never switch on the method. How to add a method:
// docs/adding-a-method.md.

/** The service's dependencies an operation may use (built once at start). */
interface MethodDeps {
  db: Database;
  /** Configuration: `secretKeyring`, `publicBaseUrl`, `initiationRateLimit`, … */
  config: AppConfig;
  /** SMS and email codes, through the outbox. */
  delivery: MessageDelivery;
  outbox: Outbox;
  /** The tenants' method settings, cached per process (read them through a module's MethodSettings). */
  tenantMethods: TenantMethodConfigs;
}

/** What every operation gets: the dependencies and the facts of the request it serves. */
export interface OperationContext {
  readonly deps: MethodDeps;
  /** The method the request's path named. */
  readonly type: VerificationType;
  /** The service clock's time of the request (tests move it). */
  readonly now: Date;
  /** Records security events in the transaction of the change, stamped with this request. */
  readonly events: SecurityEventRecorder;
  /** The request's logger (never log codes, secrets, tokens or exchange ids). */
  readonly log: Logger;
  /** Where authenticator apps reach this service (`burl`) and the logo they show (`l`). */
  readonly origin: { baseUrl: string; logoUrl: string | undefined };
  /**
   * The `Origin` header of the request, when a browser sent one: WebAuthn checks it against the
   * tenant's allowed origins before any ceremony. Absent for apps and backends.
   */
  readonly requestOrigin?: string;
}

/** An operation of a signed-in user on their own enrollments (bearer token; its `sub` and tenant). */
export interface UserContext extends OperationContext {
  readonly user: { tenantId: string; sub: string; displayName: string };
  /** How an offer with a QR code carries it (`?qr=png|svg|none` on initiation and rotation; PNG by default). */
  readonly qr: QrFormat;
}

/** Enrollment initiation: the user plus their proof of a fresh second factor (DESIGN §8). */
export interface InitiationContext extends UserContext {
  readonly stepUp: StepUp;
}

/**
 * A call of an authenticator app holding no user token (scan, enroll): the exchange id it read
 * from the QR code is its capability.
 */
export type AppContext = OperationContext;

/**
 * A sign-in operation: `subject` is whom it is for, the caller itself, or the user a
 * `verification:service` token named in the body (shared/auth/acting-for.ts decided).
 */
export interface SignInContext extends OperationContext {
  readonly subject: { tenantId: string; sub: string };
}

/**
 * One operation: the request body it accepts and what it does with it. The route parses the
 * body with `body` (a 400 naming the bad fields otherwise) and hands the result to `handle`.
 * Build one with {@link defineOperation}.
 */
export interface BodyOperation<Context, Result, Body = unknown> {
  /**
   * The name of the body's schema in openapi.yaml (`#/components/schemas/<name>`, e.g.
   * `TotpSignInVerification`), listed in its route's request body `anyOf`. A contract test
   * holds the spec's schema and `body` to accepting the same inputs.
   */
  readonly documentedAs: string;
  readonly body: z.ZodType<Body>;
  handle(context: Context, body: Body): Promise<Result>;
}

/** An operation on the exchange a path names, with no body (rotation, resend). */
export interface ExchangeOperation<Context, Result> {
  handle(context: Context, exchangeId: string): Promise<Result>;
}

/** An exchange id and when it stops working. */
interface ExchangeRefView {
  exchange_id: string;
  expires_at: string;
}

/** What starting an exchange answers: how to act on it, how to watch it, and the method's own fields. */
export interface ExchangeOffer {
  exchange_id: ExchangeRefView;
  status_id: string;
  [methodField: string]: unknown;
}

/** What a method that enrolls at once, without an exchange (BACKUPCODE), answers its initiation with. */
export interface DirectEnrollment {
  ph_id: string;
  [methodField: string]: unknown;
}

/** An enrollment completed (profile or app path); built by completeEnrollment. */
export interface EnrollmentResult {
  status: 'ENROLLED';
  status_id: string;
  sub: string;
  verification_type: VerificationType;
  ph_id: string;
  device_id: string | null;
}

/** An authenticator app bound to an enrollment by scanning it; built by recordScan. */
export interface ScanResult {
  status: 'SCANNED';
  exchange_id: string;
  expires_at: string;
}

/** A sign-in challenge started; build it with challengeOffer(exchange) plus the method's fields. */
export interface ChallengeOffer extends ExchangeOffer {
  type: VerificationType;
}

/**
 * A sign-in verified: which authenticator proved it, and through which challenge. The shared
 * layer turns it into the answer and mints the step-up assertion (shared/methods/sign-in-answer.ts),
 * so no method can forget either.
 */
export interface SignInSuccess {
  phId: string;
  /** The challenge answered, when the sign-in went through one. */
  statusId?: string;
  /** Method fields added to the answer (e.g. BACKUPCODE's `remaining`). */
  fields?: Record<string, unknown>;
}

/** The enrollment operations of a method. Each is optional but initiation: a route for one the method lacks answers 404 VER_0022. */
export interface EnrollmentOperations {
  /** `POST /verification-actions-srv/setup/{method}/initiation` (and the v2 alias): step-up already demanded by startEnrollment. */
  initiate: BodyOperation<InitiationContext, ExchangeOffer | DirectEnrollment>;
  /** What a refused step-up of the initiation is recorded as (`stepup.refused`); `initiate_enrollment` when absent. */
  initiateStepUp?: StepUpOperation;
  /** `POST /verification-actions-srv/setup/{method}/verification`: the profile UI completes it. */
  verify?: BodyOperation<UserContext, EnrollmentResult>;
  /** `POST /verification-actions-srv/setup/{method}/scan`: an app binds itself (usually `scanOperation`). */
  scan?: BodyOperation<AppContext, ScanResult>;
  /** `POST /verification-srv/v2/setup/enroll/{method}`: the app completes it. */
  enroll?: BodyOperation<AppContext, EnrollmentResult>;
  /** `POST /verification-actions-srv/setup/{method}/rotation/{exchange_id}`: new secret, same status id. */
  rotate?: ExchangeOperation<UserContext, ExchangeOffer>;
  /** `POST /verification-actions-srv/setup/{method}/resend/{exchange_id}`: send the code again. */
  resend?: ExchangeOperation<UserContext, ExchangeOffer>;
}

/** The sign-in operations of a method: verification always, a challenge when the method starts one. */
export interface SignInOperations {
  /** `POST /verification-srv/authentication/{method}/initiation`: start a challenge (startChallenge). */
  initiate?: BodyOperation<SignInContext, ChallengeOffer, SignInBody>;
  /** `POST /verification-srv/authentication/{method}/verification`. */
  verify: BodyOperation<SignInContext, SignInSuccess, SignInBody>;
}

/** A verification method: its wire name, its tenant settings and the operations it supports. */
export interface MethodModule<S extends CommonSettings = CommonSettings, T extends VerificationType = VerificationType> {
  readonly type: T;
  readonly settings: MethodSettings<S>;
  readonly enrollment: EnrollmentOperations;
  readonly signIn: SignInOperations;
  /**
   * Runs in the transaction that removes one of the user's authenticators of this method,
   * before its row is deleted, for what only that authenticator could finish (PUSH cancels the
   * challenges no remaining device can answer). `events` records what it changes, in the same
   * transaction. Optional: most methods keep nothing of the kind.
   */
  readonly removing?: (tx: Queryable, authenticator: Authenticator, at: { now: Date; events: SecurityEventRecorder }) => Promise<void>;
  /** Fields the devices list adds to an authenticator of this method (BACKUPCODE: `remaining`); never a secret. */
  readonly describeDevice?: (authenticator: Authenticator) => Record<string, string | number | boolean | null>;
}

/** Every sign-in body may name the user a `verification:service` token acts for. */
export interface SignInBody {
  sub?: string;
}

/**
 * Builds an operation from its body schema and handler, checking at compile time that the
 * handler takes exactly what the schema parses to. (The registry sees operations with their
 * body type erased; that stays safe because routes only ever pass a body parsed with the
 * operation's own schema.)
 *
 * @example
 * ```ts
 * const verify = defineOperation('TotpProfileVerification', z.object({ exchange_id: uuidSchema, pass_code: passCode }).strict(),
 *   (ctx: UserContext, body) => completeEnrollment(ctx, { … }));
 * ```
 */
export function defineOperation<Context, Schema extends z.ZodType, Result>(
  documentedAs: string,
  body: Schema,
  handle: (context: Context, body: z.output<Schema>) => Promise<Result>,
): BodyOperation<Context, Result, z.output<Schema>> {
  return { documentedAs, body: body as z.ZodType<z.output<Schema>>, handle };
}

/** A schema whose output has a `sub` member; anything else is a compile error naming the rule. */
type AcceptsSub<Schema extends z.ZodType> = 'sub' extends keyof z.output<Schema> ? Schema : { 'a sign-in body must accept `sub`': never };

/**
 * Like defineOperation for sign-in, whose body must accept `sub` (the user a service token acts
 * for; the route applies the acting-for policy to it before the handler runs).
 */
export function defineSignInOperation<Schema extends z.ZodType<SignInBody>, Result>(
  documentedAs: string,
  body: AcceptsSub<Schema>,
  handle: (context: SignInContext, body: z.output<Schema>) => Promise<Result>,
): BodyOperation<SignInContext, Result, z.output<Schema>> {
  return defineOperation(documentedAs, body as Schema, handle);
}

/**
 * Declares a method module; the type checks that it names its settings' method and supplies
 * what every method must (enrollment initiation, sign-in verification).
 */
export function defineMethod<S extends CommonSettings, T extends VerificationType>(module: MethodModule<S, T>): MethodModule<S, T> {
  if (module.settings.type !== module.type) throw new Error(`${module.type}: its settings are declared for ${module.settings.type}`);
  return module;
}

import type { Queryable } from '../db/database.ts';

/** JSON a payload or metadata may hold. */
export type Json = string | number | boolean | null | Json[] | { [key: string]: Json };

/** Where a row is in its life: waiting, being delivered, done, or given up. */
export type OutboxStatus = 'pending' | 'in_flight' | 'delivered' | 'failed';

/** A row to write in the caller's transaction. */
export interface NewOutboxEntry {
  queue: string;
  payload: Json;
  /** Seal the payload (it holds a code): encrypted at rest, erased once delivered or given up. */
  secret?: boolean;
  /** Rows with the same queue and key are delivered one at a time, in the order they were written. */
  orderingKey?: string;
  tenantId?: string;
  /** Non-secret facts kept after delivery (e.g. channel, masked destination). */
  metadata?: { [key: string]: Json };
  /** Not tried again after this instant (e.g. when the code it carries expires). */
  deadline?: Date;
  /** Defaults to a fresh UUID; it is also the webhook id receivers deduplicate by. */
  id?: string;
}

/** One delivery attempt of a row, as its queue's handler receives it. */
export interface OutboxDelivery {
  id: string;
  queue: string;
  tenantId: string | null;
  orderingKey: string | null;
  /** 1 for the first attempt. */
  attempt: number;
  payload: Json;
  metadata: { [key: string]: Json };
  createdAt: Date;
  /** Aborted when the worker stops or the attempt overruns its share of the lease. */
  signal: AbortSignal;
}

/** What a handler reports; it should never throw (a throw counts as a retryable failure). */
export type AttemptResult =
  | { outcome: 'delivered'; httpStatus?: number; providerMessageId?: string }
  | { outcome: 'retry'; error: string; httpStatus?: number; retryAfterMs?: number }
  | { outcome: 'failed'; error: string; httpStatus?: number };

/** How one queue is delivered. */
export interface QueueOptions {
  handle(delivery: OutboxDelivery): Promise<AttemptResult>;
  /** Delays (ms) before the 2nd, 3rd, … attempt; after the last one the row is given up. */
  retrySchedule: readonly number[];
  /** Multiplies every delay (tests shrink the schedule). Default 1. */
  retryScale?: number;
  /** Runs in the transaction that finishes a row (delivered or given up), e.g. to disable an endpoint on 410. */
  onFinished?(tx: Queryable, row: FinishedRow): Promise<void>;
}

export interface FinishedRow {
  id: string;
  queue: string;
  tenantId: string | null;
  orderingKey: string | null;
  status: 'delivered' | 'failed';
  result: AttemptResult;
}

/** A row as readers see it (never the sealed payload). */
export interface OutboxEntryView {
  id: string;
  queue: string;
  tenantId: string | null;
  orderingKey: string | null;
  status: OutboxStatus;
  attempts: number;
  /** The plain payload, or null when it was sealed. */
  payload: Json | null;
  metadata: { [key: string]: Json };
  nextAttemptAt: Date;
  lastError: string | null;
  lastHttpStatus: number | null;
  providerMessageId: string | null;
  createdAt: Date;
  updatedAt: Date;
  finishedAt: Date | null;
}

/** One recorded attempt. */
export interface OutboxAttemptView {
  attempt: number;
  worker: string;
  startedAt: Date;
  finishedAt: Date;
  outcome: 'delivered' | 'retry' | 'failed';
  httpStatus: number | null;
  error: string | null;
  providerMessageId: string | null;
  /** False when the worker had lost its claim (lease expired and taken over) before recording. */
  recorded: boolean;
}

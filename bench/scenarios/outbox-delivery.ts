import type { Database } from '../../shared/db/database.ts';
import { MessageDelivery } from '../../shared/delivery/message-delivery.ts';
import type { Channel } from '../../shared/delivery/message.ts';
import { logProvider } from '../../shared/delivery/providers/log-provider.ts';
import type { MessageProvider } from '../../shared/delivery/providers/message-provider.ts';
import { smtpProvider } from '../../shared/delivery/providers/smtp-provider.ts';
import { Outbox } from '../../shared/outbox/outbox.ts';
import { startSmtpSink } from '../../tests/helpers/smtp-sink.ts';
import type { BenchEnvironment } from '../harness/environment.ts';
import type { LoadOptions, Measurement } from '../harness/measure.ts';
import { quantile } from '../harness/quantile.ts';
import type { Comparison } from '../harness/scenario.ts';

/** Transactions in flight at once, writing messages (or baseline rows). */
const WRITERS = 10;
const LOG_MESSAGES = 3_000;
const SMTP_MESSAGES = 1_500;


/** Runs `write(i)` for i < count from WRITERS concurrent loops; returns per-call latencies in ms. */
async function writeAll(count: number, write: (i: number) => Promise<void>): Promise<number[]> {
  const latencies: number[] = [];
  let next = 0;
  await Promise.all(
    Array.from({ length: WRITERS }, async () => {
      while (next < count) {
        const i = next++;
        const started = performance.now();
        await write(i);
        latencies.push(performance.now() - started);
      }
    }),
  );
  return latencies;
}

function measurement(label: string, count: number, seconds: number, latencies: number[], errors = 0): Measurement {
  const sorted = [...latencies].sort((a, b) => a - b);
  return { label, requestsPerSecond: count / seconds, latencyP50Ms: quantile(sorted, 0.5, 0), latencyP99Ms: quantile(sorted, 0.99, 0), requests: count, errors, non2xx: 0 };
}

/** The baseline: the bare cost of what an enqueue must at least do, one INSERT and one NOTIFY per transaction. */
async function insertNotifyRate(db: Database, count: number): Promise<Measurement> {
  await db.query('CREATE TABLE IF NOT EXISTS bench_insert_notify (id bigint PRIMARY KEY, payload jsonb NOT NULL)');
  await db.query('TRUNCATE bench_insert_notify');
  const started = performance.now();
  const latencies = await writeAll(count, (i) =>
    db.transaction(async (tx) => {
      await tx.query('INSERT INTO bench_insert_notify (id, payload) VALUES ($1, $2)', [i, JSON.stringify({ n: i })]);
      await tx.query("SELECT pg_notify('bench_insert_notify', '')");
    }),
  );
  return measurement('bare INSERT + NOTIFY transactions', count, (performance.now() - started) / 1000, latencies);
}

/**
 * Messages queued in their own transactions and delivered by this process's outbox worker
 * through `provider`: from the first enqueue until every row is recorded as delivered. The
 * latency is enqueue commit → provider handed the message.
 */
async function outboxRate(bench: BenchEnvironment, channel: Channel, provider: MessageProvider, count: number, label: string): Promise<Measurement> {
  const { db, config, log } = bench.deps;
  const committed = new Map<string, number>();
  const latencies: number[] = [];
  let sent = 0;
  let allSent: () => void = () => undefined;
  const done = new Promise<void>((resolve) => (allSent = resolve));
  const timed: MessageProvider = {
    name: provider.name,
    async send(message, context) {
      const result = await provider.send(message, context);
      const at = committed.get(context.messageId);
      if (at !== undefined) latencies.push(performance.now() - at);
      if (result.outcome === 'delivered' && ++sent === count) allSent();
      return result;
    },
  };
  const outbox = new Outbox({ db, keyring: config.secretKeyring, clock: () => new Date(), log, ...config.outbox, workerId: `bench-${channel}` });
  const delivery = new MessageDelivery(outbox, { [channel]: timed }, { publicBaseUrl: 'https://login.bench.example', retryScale: 1, clock: () => new Date() });
  await outbox.start();
  try {
    const started = performance.now();
    await writeAll(count, async (i) => {
      const { messageId } = await db.transaction((tx) =>
        delivery.queueMessage(tx, {
          channel,
          to: channel === 'sms' ? `+49151${String(10_000_000 + i)}` : `user${i}@bench.example`,
          tenant: { id: 'bench', name: 'Bench Tenant' },
          code: String(100_000 + (i % 900_000)),
          lifetimeSeconds: 600,
          purpose: 'sign-in',
        }),
      );
      committed.set(messageId, performance.now());
    });
    await done;
    // Sent is not finished: wait until every attempt is recorded too.
    for (;;) {
      const { rows } = await db.query<{ open: string }>("SELECT count(*) AS open FROM outbox WHERE queue = 'message' AND status IN ('pending', 'in_flight')");
      if (Number(rows[0]!.open) === 0) break;
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    const seconds = (performance.now() - started) / 1000;
    const { rows } = await db.query<{ failed: string }>("SELECT count(*) AS failed FROM outbox WHERE queue = 'message' AND status = 'failed'");
    return measurement(label, count, seconds, latencies, Number(rows[0]!.failed));
  } finally {
    await outbox.stop();
    await delivery.close();
  }
}

/**
 * Messages per second through the outbox (enqueue in the caller's transaction, NOTIFY, claim
 * under a lease, compose, send, record the attempt) to the `log` provider and to a local SMTP
 * server, each against bare INSERT + NOTIFY transactions at the same concurrency in the same run.
 */
export default async function outboxDelivery(bench: BenchEnvironment, _load: LoadOptions): Promise<Comparison[]> {
  const { db, config, log, clock } = bench.deps;
  // The environment's own worker would compete for the rows; this scenario runs its own.
  await bench.deps.outbox.stop();
  const sink = await startSmtpSink();
  try {
    const logBaseline = await insertNotifyRate(db, LOG_MESSAGES);
    const viaLog = await outboxRate(bench, 'sms', logProvider({ db, log, keyring: config.secretKeyring, clock }), LOG_MESSAGES, 'outbox → log provider (SMS)');
    const smtpBaseline = await insertNotifyRate(db, SMTP_MESSAGES);
    const viaSmtp = await outboxRate(bench, 'email', smtpProvider(sink.url, 'Bench <bench@bench.example>'), SMTP_MESSAGES, 'outbox → local SMTP server');
    if (sink.mails.length !== SMTP_MESSAGES) throw new Error(`the SMTP server received ${sink.mails.length} of ${SMTP_MESSAGES} mails`);
    const note = (m: Measurement) => `${m.label}: latency p50/p99 is enqueue commit → provider done`;
    return [
      { figure: 'messages/s via outbox to log provider vs INSERT+NOTIFY', subject: viaLog, baseline: logBaseline, notes: [note(viaLog)] },
      { figure: 'messages/s via outbox to local SMTP vs INSERT+NOTIFY', subject: viaSmtp, baseline: smtpBaseline, notes: [`${sink.mails.length} mails received and parsed by the SMTP server`] },
    ];
  } finally {
    await sink.close();
    await bench.deps.outbox.start();
  }
}

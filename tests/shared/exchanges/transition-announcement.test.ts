import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database, Queryable } from '../../../shared/db/database.ts';
import { createPostgresDatabase } from '../../../shared/db/postgres.ts';
import { migrate } from '../../../shared/db/migrations.ts';
import { STATUS_CHANNEL, parseStatusEvent } from '../../../shared/events/status-events.ts';
import { transition } from '../../../shared/exchanges/exchange-access.ts';
import { findByStatusId } from '../../../shared/exchanges/exchange-repository.ts';
import type { Enrollment } from '../../../shared/exchanges/exchange.ts';
import { toVersionedStatus } from '../../../shared/exchanges/status-document.ts';
import { createLogger } from '../../../shared/log/logger.ts';
import { SecurityEventRecorder } from '../../../shared/security-events/index.ts';
import type { VersionedStatus } from '../../../shared/status/status-document.ts';
import { createAnnouncedEnrollment } from '../../helpers/announced-enrollment.ts';
import { createScratchDatabase, type ScratchDatabase } from '../../helpers/scratch-database.ts';

// A transition of a locked exchange sends its status NOTIFY from the UPDATE itself, computed
// from the caller's copy of the row; these hold it to announcing exactly what was written.

let scratch: ScratchDatabase;
let db: Database;
const heard: VersionedStatus[] = [];
beforeAll(async () => {
  scratch = await createScratchDatabase();
  db = createPostgresDatabase({ connectionString: scratch.url, log: createLogger('silent') });
  await migrate(db, 'up');
  await db.listen(STATUS_CHANNEL, (payload) => {
    const status = parseStatusEvent(payload);
    if (status) heard.push(status);
  });
});
afterAll(async () => {
  await db?.close();
  await scratch?.drop();
});

const now = new Date();
const at = { now, events: new SecurityEventRecorder([], () => now) };

/** Runs `work` on a locked copy of a new enrollment; returns what listeners heard of it and the statements sent. */
async function transitionOf(work: (tx: Queryable, locked: Enrollment) => Promise<Enrollment>) {
  const statusId = randomUUID();
  await createAnnouncedEnrollment(db, statusId, now);
  const statements: string[] = [];
  const written = await db.transaction(async (tx) => {
    const locked = (await findByStatusId(tx, statusId)) as Enrollment;
    const counting: Queryable = {
      query: (text: string, params?: unknown[]) => {
        statements.push(text);
        return tx.query(text, params);
      },
    } as Queryable;
    return work(counting, locked);
  });
  await expect.poll(() => heard.filter((s) => s.document.id === statusId && s.version === written.version).length).toBe(1);
  const announced = heard.find((s) => s.document.id === statusId && s.version === written.version)!;
  return { written, announced, statements };
}

describe('a transition of a locked exchange', () => {
  it('announces the row it wrote, in the UPDATE itself', async () => {
    const phId = randomUUID();
    const { written, announced, statements } = await transitionOf((tx, locked) => transition(tx, locked, 'verify', at, { phId, deviceId: 'dev-1' }));
    expect(written).toMatchObject({ status: 'ENROLLED', phId, deviceId: 'dev-1', version: 2 });
    expect(announced).toEqual(toVersionedStatus(written));
    expect(announced.document).toMatchObject({ status: 'ENROLLED', ph_id: phId, device_id: 'dev-1' });
    expect(statements.filter((s) => s.includes('pg_notify'))).toHaveLength(1);
    expect(statements).toHaveLength(1);
  });

  it('announces the row as written, not the caller’s stale copy, when the row changed under the copy', async () => {
    const { written, announced, statements } = await transitionOf(async (tx, locked) => {
      // The same transaction moved the expiry and the delivery after the copy was read.
      await tx.query(
        `UPDATE exchanges SET expires_at = expires_at + interval '1 minute', method_state = method_state || '{"delivery":{"state":"sent","to":"+49 *** 12"}}' WHERE status_id = $1`,
        [locked.statusId],
      );
      return transition(tx, locked, 'scan', at, { deviceId: 'dev-2' });
    });
    expect(written.expiresAt.getTime()).toBe(now.getTime() + 660_000);
    expect(announced).toEqual(toVersionedStatus(written));
    expect(announced.document).toMatchObject({ status: 'SCANNED', delivery: { state: 'sent', to: '+49 *** 12' } });
    expect(statements).toHaveLength(3);
  });
});

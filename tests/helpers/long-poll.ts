import { eventually } from './listener-outage.ts';
import type { TestServer } from './test-server.ts';

/** How many `?wait` polls the server holds right now (its `verification_status_long_polls` gauge). */
export async function heldLongPolls(server: TestServer): Promise<number> {
  const { values } = await server.deps.statusMetrics.longPolls.get();
  return values[0]?.value ?? 0;
}

/**
 * Starts a long poll with `poll` and resolves once `server` holds it, i.e. the poll is watching
 * its status and any transition from now on wakes it. Use it instead of sleeping before the
 * transition a test wants the poll to see. The response is wrapped, so awaiting this call
 * does not also wait for the poll to answer.
 */
export async function startLongPoll<T>(server: TestServer, poll: () => Promise<T>): Promise<{ response: Promise<T> }> {
  const before = await heldLongPolls(server);
  const pending = poll();
  // A poll that already answered (e.g. an error) must fail the test, not leave it waiting.
  let settled = false;
  void pending.then(
    () => (settled = true),
    () => (settled = true),
  );
  await eventually(async () => settled || (await heldLongPolls(server)) > before, 10_000, 'the long poll to be held');
  return { response: pending };
}

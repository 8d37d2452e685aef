/** A task started by startPeriodicTask. */
export interface PeriodicTask {
  /** Stops the timer and waits for a run under way, so nothing touches a closed pool. */
  close(): Promise<void>;
}

/**
 * Runs `task` every `intervalMs` until closed, never keeping the process alive. A run that
 * fails is the task's own business (it logs); it never stops the next one.
 */
export function startPeriodicTask(intervalMs: number, task: () => Promise<void>): PeriodicTask {
  let running: Promise<void> = Promise.resolve();
  const timer = setInterval(() => {
    running = task().catch(() => undefined);
  }, intervalMs);
  timer.unref();
  return {
    async close() {
      clearInterval(timer);
      await running;
    },
  };
}

/**
 * @internal Process managers that tell a Node (or Bun) process they run it: PM2 through its environment
 * (`pm_id`, and its app settings such as `kill_timeout`), node:cluster by `cluster.isWorker` (PM2's cluster
 * mode runs its instances as cluster workers too).
 */

/** What the module adapts to under a process manager. */
export interface ProcessManager {
  /** "PM2" or "node:cluster". */
  readonly name: string;
  /** Milliseconds from its stop signal to its SIGKILL, where it has one (PM2: `kill_timeout`, 1600 by default). */
  readonly killTimeout?: number;
  /** A node:cluster worker: the primary owns the connection queue, so closing the listener loses nothing. */
  readonly clusterWorker: boolean;
}

/** PM2's `kill_timeout` when the app's settings leave it out. */
const PM2_KILL_TIMEOUT = 1_600;

/**
 * @internal The process manager running this process, from its environment and whether it is a node:cluster
 * worker; undefined when none says so.
 *
 * @example Under PM2 in cluster mode
 * ```ts
 * import assert from "node:assert/strict";
 * import { processManager } from "./_managers.ts";
 *
 * const manager = processManager({ pm_id: "0", kill_timeout: "3000" }, true);
 * assert.deepEqual(manager, { name: "PM2", killTimeout: 3000, clusterWorker: true });
 * ```
 */
export function processManager(
  env: Record<string, string | undefined>,
  clusterWorker: boolean,
): ProcessManager | undefined {
  if (env.pm_id !== undefined) {
    const killTimeout = Number(env.kill_timeout ?? PM2_KILL_TIMEOUT);
    return {
      name: "PM2",
      killTimeout: Number.isFinite(killTimeout) ? killTimeout : PM2_KILL_TIMEOUT,
      clusterWorker,
    };
  }
  return clusterWorker ? { name: "node:cluster", clusterWorker } : undefined;
}

/**
 * @internal Process managers that tell a process they run it: PM2 through its environment (`pm_id`, and its
 * app settings such as `kill_timeout`), node:cluster by `cluster.isWorker` (PM2's cluster mode runs its
 * instances as cluster workers too), systemd by `NOTIFY_SOCKET` (a `Type=notify` service) and by
 * `LISTEN_FDS`/`LISTEN_PID` (socket activation: the listening sockets it passes from fd 3 on).
 */

/** What the module adapts to under a process manager. */
export interface ProcessManager {
  /** "PM2", "node:cluster" or "systemd". */
  readonly name: string;
  /** Milliseconds from its stop signal to its SIGKILL, where it has one (PM2: `kill_timeout`, 1600 by default). */
  readonly killTimeout?: number;
  /** A node:cluster worker: the primary owns the connection queue, so closing the listener loses nothing. */
  readonly clusterWorker: boolean;
  /**
   * systemd: how many listening sockets it passed to this process (fds 3, 4, …). It holds them too, so a
   * listener closed here keeps queueing new connections in the kernel for the next process.
   */
  readonly listenFds?: number;
  /** systemd: its notification socket (`NOTIFY_SOCKET`), where READY=1, STOPPING=1 and STATUS= go. */
  readonly notifySocket?: string;
}

/** PM2's `kill_timeout` when the app's settings leave it out. */
const PM2_KILL_TIMEOUT = 1_600;

/**
 * @internal The process manager running this process, from its environment, whether it is a node:cluster
 * worker and its pid (systemd's sockets are this process's only when `LISTEN_PID` is its pid: a child that
 * inherited the environment must not take them); undefined when none says so.
 *
 * @example Under PM2 in cluster mode, and under systemd with socket activation
 * ```ts
 * import assert from "node:assert/strict";
 * import { processManager } from "./_managers.ts";
 *
 * const manager = processManager({ pm_id: "0", kill_timeout: "3000" }, true);
 * assert.deepEqual(manager, { name: "PM2", killTimeout: 3000, clusterWorker: true });
 * const systemd = processManager({ LISTEN_FDS: "1", LISTEN_PID: "42" }, false, 42);
 * assert.deepEqual(systemd, { name: "systemd", clusterWorker: false, listenFds: 1 });
 * ```
 */
export function processManager(
  env: Record<string, string | undefined>,
  clusterWorker: boolean,
  pid?: number,
): ProcessManager | undefined {
  if (env.pm_id !== undefined) {
    const killTimeout = Number(env.kill_timeout ?? PM2_KILL_TIMEOUT);
    return {
      name: "PM2",
      killTimeout: Number.isFinite(killTimeout) ? killTimeout : PM2_KILL_TIMEOUT,
      clusterWorker,
    };
  }
  // A worker inherits the primary's NOTIFY_SOCKET: readiness and stopping are the primary's to tell.
  if (clusterWorker) return { name: "node:cluster", clusterWorker };
  return systemd(env, pid);
}

function systemd(
  env: Record<string, string | undefined>,
  pid: number | undefined,
): ProcessManager | undefined {
  const fds = Number(env.LISTEN_FDS);
  const listenFds = env.LISTEN_PID !== undefined && Number(env.LISTEN_PID) === pid && Number.isInteger(fds) &&
      fds > 0
    ? fds
    : undefined;
  const notifySocket = env.NOTIFY_SOCKET || undefined;
  if (listenFds === undefined && notifySocket === undefined) return undefined;
  return {
    name: "systemd",
    clusterWorker: false,
    ...(listenFds === undefined ? {} : { listenFds }),
    ...(notifySocket === undefined ? {} : { notifySocket }),
  };
}

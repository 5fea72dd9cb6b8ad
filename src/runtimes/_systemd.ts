/**
 * @internal systemd's two protocols, without a runtime global: sd_notify through its `systemd-notify` command
 * (Node has no unix datagram socket, Deno only behind `--unstable-net`, Bun none), and the listening sockets it
 * passes from fd 3 on. Each adapter gives the way to run the command.
 */
import type { ProcessManager } from "./node/_managers.ts";

/** Runs `systemd-notify` with `args`; rejects with what went wrong (not found, its exit code and stderr). */
export type RunNotify = (args: string[]) => Promise<void>;

/**
 * @internal A sender of sd_notify messages that keeps their order: each `systemd-notify` waits for the one
 * before (a READY=1 must not arrive after the STOPPING=1 of a fast stop). No `--no-block`: the command then
 * waits until systemd has read the message, so that systemd can still tell which service sent it (with
 * `NotifyAccess=all` it looks the sender up by pid, which must still exist). Run as root, the command sends
 * with its caller's pid, so `NotifyAccess=main` suffices there.
 *
 * @example Messages leave one at a time, in order
 * ```ts
 * import assert from "node:assert/strict";
 * import { systemdNotifier } from "./_systemd.ts";
 *
 * const sent: string[] = [];
 * const notify = systemdNotifier(async (args) => void sent.push(args.join(" ")));
 * notify(["READY=1"]);
 * await notify(["STOPPING=1", "STATUS=draining"]);
 * assert.deepEqual(sent, ["READY=1", "STOPPING=1 STATUS=draining"]);
 * ```
 */
export function systemdNotifier(run: RunNotify): (fields: string[]) => Promise<void> {
  let last: Promise<unknown> = Promise.resolve();
  return (fields) => {
    const sent = last.then(() => run(fields));
    last = sent.catch(() => {});
    return sent;
  };
}

/** The inherited sockets already taken by a server of this process. */
let taken = 0;

/**
 * @internal The next listening socket systemd passed to this process (fd 3, then 4, …), once each; undefined
 * when there is none (left).
 *
 * @example Under socket activation with one socket
 * ```ts
 * import assert from "node:assert/strict";
 * import { takeListenFd } from "./_systemd.ts";
 *
 * assert.equal(takeListenFd(undefined), undefined);
 * const systemd = { name: "systemd", clusterWorker: false, listenFds: 1 };
 * assert.equal(takeListenFd(systemd), 3);
 * assert.equal(takeListenFd(systemd), undefined); // the health server, say, binds its own port
 * ```
 */
export function takeListenFd(manager: ProcessManager | undefined): number | undefined {
  if (!manager?.listenFds || taken >= manager.listenFds) return undefined;
  return 3 + taken++;
}

// Where the benchmark's processes run: every server on one core and wrk on the other, when the machine has
// two or more and `taskset` (util-linux) is there. Unpinned, the scheduler sometimes keeps a server on
// wrk's core for a whole run: of five identical Node servers loaded in turn, one used 53 µs of CPU per
// request and the others 32 to 34 (1.55× between two of them); pinned, 30.7 to 33.3.
import { spawnSync } from "node:child_process";
import { availableParallelism } from "node:os";

/** The core the servers under test run on. */
export const SERVER_CORE = 1;
/** The core of the load generator (wrk). */
export const CLIENT_CORE = 0;

const canPin = availableParallelism() >= 2 && spawnSync("taskset", ["--version"]).error === undefined;

/** `command args` to run on `core` only, or unchanged where pinning is not possible. */
export function pinned(core: number, command: string, args: string[]): [string, string[]] {
  return canPin ? ["taskset", ["--cpu-list", String(core), command, ...args]] : [command, args];
}

/** What the table's header says of the placement. */
export const placement: string = canPin
  ? `servers pinned to CPU ${SERVER_CORE}, wrk to CPU ${CLIENT_CORE}`
  : "unpinned (no taskset or one CPU)";

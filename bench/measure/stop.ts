// 2. Idle stop and 3. drain tail: how long the process takes to exit once it may. Idle stop stands beside the
// same runtime killed by SIGTERM with no handler at all (the kernel ends it: no teardown). The tail stands
// beside a handler that exits at once (process.exit / Deno.exit from the signal handler): the runtime's own
// teardown, which any exit from JavaScript pays.
import { Load } from "../lib/load.ts";
import type { Proc } from "../../tests/support/process.ts";
import { type Runtime, startServer } from "../lib/proc.ts";
import { median } from "../lib/stats.ts";
import { ms, type Row } from "../lib/table.ts";

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function signalToExit(child: Proc): Promise<number> {
  const sent = performance.now();
  child.kill("SIGTERM");
  return (await child.exit(30_000)).at - sent;
}

/** One request on a keep-alive connection that the client then closes: the server saw traffic. */
async function visit(port: number): Promise<void> {
  const load = new Load(port, 1, "/", false);
  await load.finished();
}

export async function stops(runtime: Runtime, runs: number): Promise<Row[]> {
  const base: number[] = [];
  const handled: number[] = [];
  const fresh: number[] = [];
  const visited: number[] = [];
  const tails: number[] = [];
  for (let i = 0; i < runs; i++) {
    base.push(await signalToExit((await startServer(runtime, "nohandler")).child));
    handled.push(await signalToExit((await startServer(runtime, "bare")).child));
    fresh.push(await signalToExit((await startServer(runtime, "wrap")).child));
    const served = await startServer(runtime, "wrap");
    await visit(served.port);
    visited.push(await signalToExit(served.child));
    // Drain tail: one request in flight at SIGTERM; from its last byte to the exit.
    const busy = await startServer(runtime, "wrap");
    const load = new Load(busy.port, 1, "/?ms=300", false);
    await sleep(100);
    busy.child.kill("SIGTERM");
    await load.finished();
    const last = load.outcomes[0]?.done ?? NaN;
    tails.push((await busy.child.exit(30_000)).at - last);
  }
  const row = (measurement: string, values: number[], floor: number, what: string, target: number): Row => {
    const extra = median(values) - floor;
    return {
      measurement,
      runtime: runtime.name,
      figure: ms(median(values)),
      baseline: `${ms(floor)} ${what}`,
      ratio: `${extra < 0 ? "" : "+"}${ms(extra)}`,
      target: `≤ +${target} ms`,
      pass: extra <= target,
    };
  };
  const noHandler = median(base);
  const exitAtOnce = median(handled);
  return [
    row("2 idle stop (no request served)", fresh, noHandler, "no handler", 50),
    row("2 idle stop (after a keep-alive client left)", visited, noHandler, "no handler", 50),
    row("3 drain tail: last byte → exit", tails, exitAtOnce, "handler exits at once", 10),
  ];
}

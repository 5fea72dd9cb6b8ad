// 6. The bookkeeping's cost as the number in flight grows: N requests held open at once through wrap() (each
// handler waits until all N are in), then released together; CPU per request over the same bare handler.
// Linear bookkeeping keeps the extra per request, as a share of the bare cost, flat from 1k to 10k.
// Args: N...
import process from "node:process";
import { createShutdown } from "../../mod.ts";
import { closeContexts, makeContext } from "./context.ts";

const counts = process.argv.slice(2).map(Number);
const shutdown = createShutdown({ signals: false, logger: false, exit: false });

/** CPU ns per request of `reps` waves of `n` requests held in flight together. */
async function run(wrapped: boolean, n: number, reps: number): Promise<number> {
  const start = process.cpuUsage();
  for (let i = 0; i < reps; i++) await wave(wrapped, n);
  const used = process.cpuUsage(start);
  return ((used.user + used.system) * 1000) / (n * reps);
}

async function wave(wrapped: boolean, n: number): Promise<void> {
  let release!: () => void;
  const gate = new Promise<void>((resolve) => (release = resolve));
  const handler = async (_request: Request, _context?: unknown) => {
    await gate;
    return new Response("ok");
  };
  const app = wrapped ? shutdown.wrap(handler) : handler;
  const pending: Promise<unknown>[] = [];
  const contexts = [];
  for (let i = 0; i < n; i++) {
    const context = makeContext();
    contexts.push(context);
    pending.push(app(new Request("http://127.0.0.1/"), context.env));
  }
  release();
  await Promise.all(pending);
  for (const context of contexts) context.sent();
  await new Promise((resolve) => setTimeout(resolve, 0));
}

// Per count: our extra CPU per request, and the bare handler's own. Both grow with the count (the garbage
// collector's work grows with what is alive: 43% of the CPU at 10k on Node 24, against 9% at 1k, and none of
// it in the bookkeeping's functions), so the figure that shows whether the bookkeeping is linear is the extra
// as a share of the bare cost.
const result: Record<string, { extra: number; bare: number }> = {};
for (const n of counts) {
  const extras: number[] = [];
  const bares: number[] = [];
  const reps = Math.ceil(20_000 / n); // enough work per sample for the CPU clock's resolution
  await run(true, n, reps), await run(false, n, reps); // warm-up
  for (let round = 0; round < 9; round++) {
    const bare = await run(false, n, reps);
    extras.push((await run(true, n, reps)) - bare);
    bares.push(bare);
  }
  const median = (values: number[]) => values.sort((a, b) => a - b)[4];
  result[n] = { extra: median(extras), bare: median(bares) };
}
console.log(JSON.stringify({ result }));
closeContexts();

// What 32 keep-alive clients lose when the listener closes at the end of the drain. Each client sends
// `GET /slow?ms=20` (the end-to-end fixture, started with serve()) in a loop on its connection, and opens a
// new one 10 ms after a 503 or a `Connection: close` response (and after a reset); SIGTERM comes 1 s in. A
// request counts as lost only when it was written and got no whole response; a connection refused
// (ECONNREFUSED) sent nothing and lost nothing. Runs alternate between runtimes (and variants), each bounded
// by the fixture's 5 s timeout. Traffic goes only to 127.0.0.1.
//   node bench/listener_close.ts [--runs 20] [--only deno,bun,node24,node26,node22] [--against DIR] [--trace]
// --against DIR: a second variant, the module in DIR (DIR/mod.ts, or DIR/dist/mod.js for Node 22), run in
// alternation with this checkout's; --trace prints each loss's time relative to the process's exit; --queue
// (Linux) samples the listener's accept queue (`ss -ltn`'s Recv-Q) in a worker thread and prints, per run,
// its length at the last sample before the listener closed, and its largest.
import process from "node:process";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { parseArgs } from "node:util";
import { Worker } from "node:worker_threads";
import { median } from "./lib/stats.ts";
import { Fixture } from "../tests/support/fixture.ts";
import { NoAnswer, RawClient } from "../tests/support/raw_client.ts";
import { ALL_RUNTIMES, type Runtime } from "../tests/support/runtimes.ts";

const { values } = parseArgs({
  options: {
    runs: { type: "string", default: "20" },
    only: { type: "string" },
    against: { type: "string" },
    trace: { type: "boolean", default: false },
    queue: { type: "boolean", default: false },
  },
});
const runs = Number(values.runs);
if (!Number.isInteger(runs) || runs < 1) {
  throw new RangeError(`--runs must be a positive integer: ${values.runs}`);
}
const names = values.only?.split(",") ?? ALL_RUNTIMES.map((r) => r.name);
const runtimes = names.map((name) => {
  const found = ALL_RUNTIMES.find((r) => r.name === name);
  if (!found) throw new RangeError(`--only: no runtime "${name}" (${ALL_RUNTIMES.map((r) => r.name)})`);
  return found;
});

const CLIENTS = 32;
const SIGNAL_AFTER = 1_000;
const RECONNECT_AFTER = 10;

interface Tally {
  /** Requests answered in full with a 2xx. */
  completed: number;
  /** Requests refused with a 503 (before any handler ran). */
  refused: number;
  /** Written on a connection's first request, no whole response. */
  lostFresh: number;
  /** Written on a connection that had served a request, no whole response. */
  lostReused: number;
  /** Reset in the handshake or before the client could write: nothing sent, nothing lost. */
  resetUnsent: number;
  /** ECONNREFUSED: nothing sent, nothing lost. */
  connRefused: number;
  /** When each loss was seen (`performance.now()`), for --trace. */
  lossTimes: number[];
  firstRefusedAt: number;
  last503At: number;
}

interface Variant {
  label: string;
  runtime: Runtime;
}

async function once({ runtime }: Variant, root: string | undefined): Promise<Tally> {
  const module: Record<string, string> = root === undefined
    ? {}
    : { GD_MODULE: pathToFileURL(join(root, runtime.built ? "dist/mod.js" : "mod.ts")).href };
  const { fixture, port } = await Fixture.start(runtime, { shutdown: { timeout: 5_000 }, env: module });
  const tally: Tally = {
    completed: 0,
    refused: 0,
    lostFresh: 0,
    lostReused: 0,
    resetUnsent: 0,
    connRefused: 0,
    lossTimes: [],
    firstRefusedAt: NaN,
    last503At: NaN,
  };
  let exited = false;
  const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
  const client = async () => {
    while (!exited) {
      let connection: RawClient;
      try {
        connection = await RawClient.connect(port);
      } catch (error) {
        const { code } = error as NodeJS.ErrnoException;
        // Reset in its handshake (the listener closed meanwhile): nothing sent; the next attempt is refused.
        if (code === "ECONNRESET") {
          tally.resetUnsent++;
          await sleep(RECONNECT_AFTER);
          continue;
        }
        if (code !== "ECONNREFUSED") throw error;
        tally.connRefused++;
        if (Number.isNaN(tally.firstRefusedAt)) tally.firstRefusedAt = performance.now(); // nothing listens any more: a real client goes elsewhere
        return;
      }
      for (let fresh = true;; fresh = false) {
        try {
          const response = await connection.get("/slow?ms=20");
          if (response.status === 503) {
            tally.refused++;
            tally.last503At = performance.now();
          } else if (response.status === 200) tally.completed++;
          else throw new Error(`status ${response.status}`);
          if (response.status === 503 || response.headers.connection === "close") break;
        } catch (error) {
          if (!(error instanceof NoAnswer)) throw error;
          if (!error.written) tally.resetUnsent++;
          else {
            tally[fresh ? "lostFresh" : "lostReused"]++;
            tally.lossTimes.push(performance.now());
          }
          break;
        }
      }
      connection.close();
      await sleep(RECONNECT_AFTER);
    }
  };
  try {
    const queue = values.queue ? await sampleQueue(port) : undefined;
    const clients = Array.from({ length: CLIENTS }, client);
    await sleep(SIGNAL_AFTER);
    const signalled = fixture.kill("SIGTERM");
    let cleanupAt = NaN;
    fixture.child.stdout!.on("data", (text: string) => {
      if (Number.isNaN(cleanupAt) && text.includes('"cleanup')) cleanupAt = performance.now();
    });
    const exit = await fixture.exit(10_000);
    exited = true;
    await Promise.all(clients);
    if (exit.code !== 0) throw new Error(`${runtime.name}: exit code ${exit.code}\n${fixture.output}`);
    if (queue) {
      const { last, max, samples } = await queue.result;
      console.log(
        `${runtime.name}: accept queue ${last} at the listener's last sample, max ${max} ` +
          `(${samples} samples); lost ${tally.lostFresh} fresh`,
      );
    }
    if (values.trace) {
      const from = (t: number) => (t - signalled).toFixed(1);
      console.log(
        `${runtime.name}: cleanup logged at ${from(cleanupAt)}, exit ${from(exit.at)}, first refused ` +
          `${from(tally.firstRefusedAt)}, last 503 ${from(tally.last503At)}; losses at ` +
          `${tally.lossTimes.map(from).join(", ")} (ms from SIGTERM)`,
      );
    }
    return tally;
  } finally {
    await fixture.dispose();
  }
}

const variants: { label: string; root: string | undefined }[] = [{ label: "this", root: undefined }];
if (values.against) variants.push({ label: "against", root: resolve(values.against) });
const results = new Map<string, Tally[]>();
for (let i = 0; i < runs; i++) {
  for (const runtime of runtimes) {
    // Alternate which variant goes first, so that neither always runs on a warmer machine.
    const order = i % 2 === 0 ? variants : variants.slice().reverse();
    for (const variant of order) {
      const key = `${runtime.name} ${variant.label}`;
      const tally = await once({ label: variant.label, runtime }, variant.root);
      results.set(key, [...(results.get(key) ?? []), tally]);
    }
  }
  process.stderr.write(`run ${i + 1}/${runs}\r`);
}

const columns: [string, (t: Tally) => number][] = [
  ["completed", (t) => t.completed],
  ["refused 503", (t) => t.refused],
  ["lost fresh", (t) => t.lostFresh],
  ["lost reused", (t) => t.lostReused],
  ["reset unsent", (t) => t.resetUnsent],
  ["ECONNREFUSED", (t) => t.connRefused],
];
console.log(
  `${CLIENTS} keep-alive clients, GET /slow?ms=20, reconnect ${RECONNECT_AFTER} ms after a 503 or ` +
    `Connection: close; SIGTERM at ${SIGNAL_AFTER} ms. Per runtime: total, and median / max per run.`,
);
const label = (key: string) => variants.length > 1 ? key : key.split(" ")[0];
console.log(
  ["runtime".padEnd(16), "runs".padStart(5), ...columns.map(([name]) => name.padStart(22))].join(""),
);
for (const [key, tallies] of results) {
  const cells = columns.map(([, read]) => {
    const counts = tallies.map(read);
    const total = counts.reduce((a, b) => a + b, 0);
    return `${total} (${median(counts)} / ${Math.max(...counts)})`.padStart(22);
  });
  console.log([label(key).padEnd(16), String(tallies.length).padStart(5), ...cells].join(""));
}

/**
 * Samples the accept queue of the listener on `port` (Recv-Q of its LISTEN line in `ss -ltn`) until the
 * listener is gone: its length at the last sample, the largest seen, and how many samples were taken.
 */
async function sampleQueue(
  port: number,
): Promise<{ result: Promise<{ last: number; max: number; samples: number }> }> {
  // ss asks the kernel for listening sockets only: /proc/net/tcp also lists the thousands of TIME_WAIT
  // sockets the clients leave behind, and reading it took long enough to miss the close.
  const code = `
    const { execFileSync } = require("node:child_process");
    const { parentPort, workerData } = require("node:worker_threads");
    let last = 0, max = 0, samples = 0;
    const started = Date.now();
    parentPort.postMessage("sampling");
    while (Date.now() - started < 10000) {
      const line = execFileSync("ss", ["-ltnH", "sport = :" + workerData], { encoding: "utf8" }).trim();
      if (!line) break;
      last = Number(line.split(/\\s+/)[1]);
      max = Math.max(max, last);
      samples++;
    }
    parentPort.postMessage({ last, max, samples });
  `;
  const worker = new Worker(code, { eval: true, workerData: port });
  const messages = new Promise<unknown>((resolve, reject) => {
    worker.once("message", resolve);
    worker.once("error", reject);
  });
  await messages;
  return {
    result: new Promise((resolve, reject) => {
      worker.once("message", resolve);
      worker.once("error", reject);
    }),
  };
}

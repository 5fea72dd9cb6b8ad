// Signal-to-exit time with an open WebSocket and with an open SSE stream, per runtime, against the same
// fixture's signal-to-exit time when idle (the baseline, same run). Real processes, real SIGTERM, clients on
// this process's sockets (Node 24's WebSocket, a raw HTTP/1.1 socket for SSE).
// Usage: node bench/long_lived.ts [runs=10]   (GD_RUNTIMES=deno,bun,node24 narrows; node22 needs dist/)
import process from "node:process";
import { Fixture } from "../tests/support/fixture.ts";
import { RawClient } from "../tests/support/raw_client.ts";
import { RUNTIMES } from "../tests/support/runtimes.ts";

const runs = Number(process.argv[2] ?? 10);
const median = (values: number[]) => values.slice().sort((a, b) => a - b)[Math.floor(values.length / 2)];

type Scenario = "idle" | "WebSocket" | "SSE";

/** One run: start, open the long-lived connection, SIGTERM, and the milliseconds until the process exited. */
async function once(runtime: (typeof RUNTIMES)[number], scenario: Scenario): Promise<number> {
  const { fixture, port } = await Fixture.start(runtime, {
    fixture: "long_lived.js",
    shutdown: { timeout: 5_000 },
  });
  try {
    let closed: Promise<unknown> = Promise.resolve();
    if (scenario === "WebSocket") {
      const ws = new WebSocket(`ws://127.0.0.1:${port}/ws`);
      await new Promise((resolve) => ws.addEventListener("open", resolve, { once: true }));
      closed = new Promise((resolve) => ws.addEventListener("close", resolve, { once: true }));
    } else if (scenario === "SSE") {
      const client = await RawClient.connect(port);
      closed = client.get("/sse?interval=50");
      await fixture.waitFor((e) => e.event === "sse-tick", 5_000, "a tick");
    }
    const sent = fixture.kill("SIGTERM");
    const exit = await fixture.exit(10_000);
    await closed;
    if (exit.code !== 0) throw new Error(`${runtime.name} ${scenario}: exit code ${exit.code}`);
    return exit.at - sent;
  } finally {
    fixture.dispose();
  }
}

console.log(`SIGTERM → exit, median of ${runs} runs (ms); timeout 5000 ms`);
console.log(
  `${"runtime".padEnd(8)}${"idle (baseline)".padStart(17)}${"WebSocket".padStart(12)}${"SSE".padStart(8)}`,
);
for (const runtime of RUNTIMES) {
  const results: Record<Scenario, number[]> = { idle: [], WebSocket: [], SSE: [] };
  for (let i = 0; i < runs; i++) {
    for (const scenario of ["idle", "WebSocket", "SSE"] as const) {
      results[scenario].push(await once(runtime, scenario));
    }
  }
  const cell = (s: Scenario, width: number) => median(results[s]).toFixed(0).padStart(width);
  console.log(`${runtime.name.padEnd(8)}${cell("idle", 17)}${cell("WebSocket", 12)}${cell("SSE", 8)}`);
}

// One run of port handovers, in whatever network namespace this process is in (handover.test.ts runs it
// as is and inside `unshare --net` with net.ipv4.tcp_migrate_req=1): an instance of examples/app.ts with
// REUSE_PORT=1 under keep-alive load; each handover starts the next process on the same port, waits until
// it listens, then sends SIGTERM to the old one and waits for its exit. Prints one JSON line with what the
// clients saw. Usage: node _handover_driver.ts <handovers> <command…>
import { startApp } from "./_app.ts";
import { startLoad } from "./_load.ts";
import type { Proc } from "../support/process.ts";
import { freePort } from "./_system.ts";

const [count, ...command] = process.argv.slice(2);
const HANDOVERS = Number(count);
// Long enough for every busy keep-alive client to get one response with Connection: close and reconnect
// (to whichever listener the kernel picks) before the old listener closes.
const DELAY = 1_000;
const TIMEOUT = 8_000;

const port = await freePort();
const instances: Proc[] = [];
const start = async () => {
  const instance = await startApp(command, {
    PORT: port,
    REUSE_PORT: 1,
    DRAIN_DELAY: DELAY,
    DRAIN_TIMEOUT: TIMEOUT,
  });
  instances.push(instance);
  return instance;
};
const exits: (number | null)[] = [];
let error: string | undefined;
let current = await start();
// Four keep-alive clients (one on a slow route, so that requests are in flight at each SIGTERM) and two that
// open a new connection per request, so that connections keep arriving in the listeners' accept queues.
const load = startLoad(port, {
  clients: 6,
  paths: ["/", "/", "/", "/slow?ms=200", "/", "/"],
  oneShot: 2,
  maxMs: HANDOVERS * 30_000,
});
try {
  for (let i = 0; i < HANDOVERS; i++) {
    const next = await start(); // listening: the kernel now spreads new connections over both
    current.kill("SIGTERM");
    const exit = await current.exit(TIMEOUT + 2_000);
    exits.push(exit.code);
    current = next;
  }
} catch (e) {
  error = String(e);
} finally {
  await load.stop();
  for (const instance of instances) instance.dispose();
}
const migrate = await import("node:fs").then((fs) =>
  fs.readFileSync("/proc/sys/net/ipv4/tcp_migrate_req", "utf8").trim()
);
console.log(JSON.stringify({ migrate, handovers: exits.length, exits, error, ...load.result }));

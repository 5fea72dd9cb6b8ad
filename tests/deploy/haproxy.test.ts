// Rolling restart behind a real HAProxy with its retries and redispatch off: the module alone (readiness 503
// during `delay`, `Connection: close`, no request dropped in the drain) must keep every client request whole.
// GD_DEPLOY=full (npm run test:deploy) runs ten rounds; npm test runs two.
import { after, describe, test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { RUNTIMES } from "../support/runtimes.ts";
import { appCommand, root, startApp } from "./_app.ts";
import { HAProxy } from "./_haproxy.ts";
import { startLoad } from "./_load.ts";
import type { Proc } from "../support/process.ts";
import { freePort, tempDir } from "./_system.ts";

const ROUNDS = process.env.GD_DEPLOY === "full" ? 10 : 2;

// Health checks every 200 ms, out after 2 failures, back after 2 successes: HAProxy takes an instance out at
// most fall × inter + the check's own time (≤ timeout check) after readiness turns 503, so ≈ 0.4–0.9 s here.
// DELAY keeps the instance serving well past that on a loaded machine; only then does the drain refuse.
const INTER = 200;
const FALL = 2;
const RISE = 2;
const CHECK_TIMEOUT = 500;
const DELAY = 2_000;
const TIMEOUT = 8_000;

/** Test mode: no retries, no redispatch; whatever the module gets wrong reaches the client. */
const config = (frontend: number, servers: number[]) => `
global
  stats socket {socket} mode 600 level admin
  log stderr format raw local0 notice
defaults
  mode http
  log global
  timeout connect 1s
  timeout client 30s
  timeout server 30s
  timeout check ${CHECK_TIMEOUT}ms
  retries 0
frontend web
  bind 127.0.0.1:${frontend}
  default_backend app
backend app
  balance roundrobin
  option httpchk GET /ready
  http-check expect status 200
  default-server check inter ${INTER}ms fall ${FALL} rise ${RISE}
${servers.map((port, i) => `  server s${i + 1} 127.0.0.1:${port}`).join("\n")}
`;

const cleanups: (() => unknown)[] = [];
after(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
});

for (const runtime of RUNTIMES) {
  describe(`rolling restart behind HAProxy on ${runtime.name}`, { timeout: 60_000 + ROUNDS * 40_000 }, () => {
    test(`${ROUNDS} rounds of restarting both instances in turn under load: no request fails`, async () => {
      const dir = tempDir("gd-haproxy-");
      cleanups.push(() => dir.dispose());
      const command = await appCommand(runtime, dir.path);
      const ports = [await freePort(), await freePort()];
      const instances: Proc[] = [];
      cleanups.push(() => instances.forEach((instance) => instance.dispose()));
      const start = async (i: number) => {
        instances[i] = await startApp(command, {
          PORT: ports[i],
          DRAIN_DELAY: DELAY,
          DRAIN_TIMEOUT: TIMEOUT,
        });
      };
      await Promise.all([start(0), start(1)]);
      const frontend = await freePort();
      const haproxy = await HAProxy.start(dir.path, config(frontend, ports));
      cleanups.push(() => haproxy.process.dispose());
      await haproxy.waitAllUp("app", 10_000);

      // Three clients on / and one on a slow route, so that requests are in flight when each instance stops.
      const load = startLoad(frontend, {
        clients: 4,
        paths: ["/", "/", "/", "/slow?ms=200"],
        maxMs: ROUNDS * 60_000,
      });
      cleanups.push(() => load.stop());
      let offset = 0;
      const downs: boolean[] = [];
      try {
        for (let round = 0; round < ROUNDS; round++) {
          for (const i of [0, 1]) {
            const old = instances[i];
            const server = `s${i + 1}`;
            old.kill("SIGTERM");
            offset = await haproxy.waitForState("app", server, "DOWN", DELAY + 5_000, offset);
            downs.push(old.running); // taken out while still serving: the delay was long enough
            const exit = await old.exit(TIMEOUT + 2_000);
            assert.equal(exit.code, 0, old.output);
            assert.match(old.output, /stopped: exit code 0/);
            await start(i);
            offset = await haproxy.waitForState("app", server, "UP", 10_000, offset);
          }
        }
      } finally {
        await load.stop();
      }
      const { ok, failed, failures } = load.result;
      console.log(
        `# haproxy ${runtime.name}: ${ROUNDS} rounds (${
          ROUNDS * 2
        } restarts), ${ok} requests ok, ${failed} failed ${JSON.stringify(failures)}`,
      );
      assert.ok(downs.every(Boolean), `HAProxy took an instance out only after it exited: ${downs}`);
      assert.equal(failed, 0, `failed requests: ${JSON.stringify(failures)}`);
      assert.ok(ok > ROUNDS * 20, `only ${ok} requests went through`);
      await haproxy.stop();
    });
  });
}

// The configuration the README recommends, as written except for addresses: its timings fit the app's delay,
// and a rolling restart through it (retries on) loses nothing either.
describe("examples/haproxy/haproxy.cfg", { timeout: 120_000 }, () => {
  test("is valid, its checks fit DRAIN_DELAY, and one round of restarts under load loses nothing", async () => {
    const source = readFileSync(join(root, "examples/haproxy/haproxy.cfg"), "utf8");
    const number = (pattern: RegExp) => Number(pattern.exec(source)?.[1]);
    const delay = number(/DRAIN_DELAY=(\d+)/);
    const timeout = number(/DRAIN_TIMEOUT=(\d+)/);
    const inter = number(/inter (\d+)s/) * 1000;
    const fall = number(/fall (\d+)/);
    const checkTimeout = number(/timeout check (\d+)s/) * 1000;
    assert.ok(
      delay >= fall * inter + checkTimeout,
      `DRAIN_DELAY ${delay} < ${fall} × ${inter} + ${checkTimeout}`,
    );
    assert.match(source, /retry-on [^\n]*\b503\b/);
    assert.match(source, /option redispatch/);

    const runtime = RUNTIMES.find((r) => r.name === "node24") ?? RUNTIMES[0];
    const dir = tempDir("gd-haproxy-example-");
    cleanups.push(() => dir.dispose());
    const command = await appCommand(runtime, dir.path);
    const ports = [await freePort(), await freePort()];
    const frontend = await freePort();
    const instances: Proc[] = [];
    cleanups.push(() => instances.forEach((instance) => instance.dispose()));
    const start = async (i: number) => {
      instances[i] = await startApp(command, { PORT: ports[i], DRAIN_DELAY: delay, DRAIN_TIMEOUT: timeout });
    };
    await Promise.all([start(0), start(1)]);
    const config = source
      .replace(/stats socket \S+/, "stats socket {socket}")
      .replace("bind :8080", `bind 127.0.0.1:${frontend}`)
      .replace("127.0.0.1:8001", `127.0.0.1:${ports[0]}`)
      .replace("127.0.0.1:8002", `127.0.0.1:${ports[1]}`);
    const haproxy = await HAProxy.start(dir.path, config);
    cleanups.push(() => haproxy.process.dispose());
    await haproxy.waitAllUp("app", 10_000);
    const load = startLoad(frontend, { clients: 4, paths: ["/", "/", "/", "/slow?ms=200"], maxMs: 90_000 });
    cleanups.push(() => load.stop());
    let offset = 0;
    try {
      for (const i of [0, 1]) {
        instances[i].kill("SIGTERM");
        offset = await haproxy.waitForState("app", `s${i + 1}`, "DOWN", delay + 5_000, offset);
        assert.equal((await instances[i].exit(timeout + 2_000)).code, 0, instances[i].output);
        await start(i);
        offset = await haproxy.waitForState("app", `s${i + 1}`, "UP", 15_000, offset);
      }
    } finally {
      await load.stop();
    }
    const { ok, failed, failures } = load.result;
    console.log(`# haproxy example config ${runtime.name}: 2 restarts, ${ok} ok, ${failed} failed`);
    assert.equal(failed, 0, `failed requests: ${JSON.stringify(failures)}`);
    await haproxy.stop();
  });
});

// systemd's two protocols with its own tools (Debian's `systemd` package, installed when missing; systemd
// need not run as PID 1): sd_notify heard on a unix datagram socket of the test's own, the way systemd's
// NOTIFY_SOCKET is, and socket activation through `systemd-socket-activate`, under a supervisor that holds the
// socket across restarts as systemd does (tests/deploy/_socket_holder.ts), restarted under load.
import { after, describe, test } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { type Runtime, runtime as runtimeNamed, RUNTIMES } from "../support/runtimes.ts";
import { appCommand, root, startApp } from "./_app.ts";
import { startLoad } from "./_load.ts";
import { type Line, Proc } from "../support/process.ts";
import { RawClient } from "../support/raw_client.ts";
import { ensureCommand, freePort, tempDir } from "./_system.ts";
import { readFileSync } from "node:fs";
import { moduleDefaults } from "./_defaults.ts";

const RESTARTS = process.env.GD_DEPLOY === "full" ? 20 : 3;
const here = fileURLToPath(new URL(".", import.meta.url));
/** Where serve() can listen on systemd's socket (Deno.serve() and Bun.serve() cannot: a TypeError says so). */
const canListenOnFd = (runtime: Runtime) => runtime.name.startsWith("node");

const cleanups: (() => unknown)[] = [];
after(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
});

/** systemd-socket-activate passes no environment but what -E names: the app's settings, and what runtimes need. */
function envFlags(env: Record<string, string | number>): string[] {
  const inherited = ["PATH", "HOME", "DENO_DIR", "XDG_CACHE_HOME"].filter((name) =>
    process.env[name] !== undefined
  );
  return [
    ...inherited.map((name) => `-E${name}=${process.env[name]}`),
    ...Object.entries({ HOST: "127.0.0.1", KUBERNETES_SERVICE_HOST: "", ...env }).map(([k, v]) =>
      `-E${k}=${v}`
    ),
  ];
}

/** The `Key=value` settings of a unit file (the last one of each key, as systemd reads them). */
function unit(name: string): Record<string, string> {
  const text = readFileSync(join(root, "examples/systemd", name), "utf8");
  return Object.fromEntries(
    [...text.matchAll(/^(\w+)=(.*)$/gm)].map(([, key, value]) => [key, value.trim()]),
  );
}

describe("examples/systemd: app.socket and app.service", () => {
  test("one socket for the service, a Type=notify service stopped by SIGTERM after the module's timeout", () => {
    const socket = unit("app.socket");
    const service = unit("app.service");
    const defaults = moduleDefaults(false);
    assert.match(socket.ListenStream, /^127\.0\.0\.1:\d+$/);
    assert.equal(socket.Accept ?? "no", "no");
    assert.equal(service.Type, "notify");
    assert.equal(service.NotifyAccess, "all"); // systemd-notify runs as a child of the app
    assert.equal(service.KillMode, "mixed");
    assert.ok(defaults.signals.includes(service.KillSignal), service.KillSignal);
    // TimeoutStopSec in seconds, above the timeout plus the exit's margin.
    assert.ok(Number(service.TimeoutStopSec) * 1000 >= defaults.timeout + 300, service.TimeoutStopSec);
    assert.match(service.ExecStart, /^\/usr\/bin\/node examples\/app\.ts$/);
  });
});

for (const runtime of RUNTIMES) {
  describe(`systemd on ${runtime.name}`, { timeout: 60_000 + RESTARTS * 15_000 }, () => {
    test("sd_notify: READY=1 once listening, STOPPING=1 with EXTEND_TIMEOUT_USEC at SIGTERM, the drain as STATUS=", async () => {
      ensureCommand("systemd-notify", "systemd");
      const dir = tempDir("gd-notify-");
      cleanups.push(() => dir.dispose());
      const socket = join(dir.path, "notify.sock");
      const deno = runtimeNamed("deno").command;
      const listener = new Proc(deno, [
        "run",
        "--quiet",
        "--unstable-net",
        "-A",
        join(here, "_notify_listener.ts"),
        socket,
      ]);
      cleanups.push(() => listener.dispose());
      await listener.waitFor((line) => line.event === "bound", 20_000, "the notify socket bound");
      const messages = () =>
        listener.events.filter((line) => typeof line.message === "string" && line.message !== "BARRIER=1");

      const port = await freePort();
      const timeout = 6_000;
      const app = await startApp(await appCommand(runtime, dir.path), {
        PORT: port,
        DRAIN_TIMEOUT: timeout,
        NOTIFY_SOCKET: socket,
      });
      cleanups.push(() => app.dispose());
      const ready = await listener.waitFor(
        (line) => String(line.message).includes("READY=1"),
        10_000,
        "READY=1",
      );
      assert.equal(messages()[0], ready, "READY=1 comes first");
      const client = await RawClient.connect(port);
      assert.equal((await client.get("/")).status, 200, "listening by the time READY=1 arrives");
      client.close();

      const slowClient = await RawClient.connect(port);
      const slow = slowClient.get("/slow?ms=2200").finally(() => slowClient.close());
      // A request on a connection accepted after the slow one's, answered: the server has read the slow one.
      const probe = await RawClient.connect(port);
      assert.equal((await probe.get("/")).status, 200);
      probe.close();
      app.kill("SIGTERM");
      const stopping = await listener.waitFor(
        (line) => String(line.message).includes("STOPPING=1"),
        5_000,
        "STOPPING=1",
      );
      assert.match(String(stopping.message), new RegExp(`EXTEND_TIMEOUT_USEC=${(timeout + 300) * 1000}\\b`));
      assert.match(String(stopping.message), /STATUS=shutdown started \(SIGTERM\)/);
      assert.equal((await slow).status, 200);
      const exit = await app.exit(timeout + 2_000);
      assert.equal(exit.code, 0, app.output);
      const status = messages().slice(messages().indexOf(stopping) + 1).map((line) => String(line.message));
      assert.ok(
        status.some((text) => /^STATUS=draining: 1 request, [\d.]+ s left$/.test(text)),
        JSON.stringify(status),
      );
      // systemctl status must not go on showing the drain: the hooks, then the end, are said too.
      assert.equal(status.at(-1), "STATUS=stopped: exit code 0", JSON.stringify(status));
      assert.ok(status.includes("STATUS=cleanup: running the hooks"), JSON.stringify(status));
      assert.deepEqual(messages().filter((line) => String(line.message).includes("READY=1")).length, 1);
      console.log(
        `# systemd notify ${runtime.name}: ${JSON.stringify(messages().map((line) => line.message))}`,
      );
    });

    if (!canListenOnFd(runtime)) {
      test("socket activation: serve() says it cannot listen on systemd's socket (TypeError), exit 1", async () => {
        const activate = ensureCommand("systemd-socket-activate", "systemd");
        const dir = tempDir("gd-activate-");
        cleanups.push(() => dir.dispose());
        const port = await freePort();
        const proc = new Proc(activate, [
          "-l",
          `127.0.0.1:${port}`,
          ...envFlags({}),
          ...await appCommand(runtime, dir.path),
        ], { cwd: root });
        cleanups.push(() => proc.dispose());
        await proc.waitForOutput(/Listening on/, 10_000);
        // systemd-socket-activate starts the app at the first connection, as systemd does.
        void RawClient.connect(port).then(
          (c) => c.get("/").catch(() => {}).finally(() => c.close()),
          () => {},
        );
        const exit = await proc.exit(20_000);
        assert.equal(exit.code, 1);
        assert.match(
          proc.output,
          /TypeError: Cannot serve: systemd passed a listening socket \(LISTEN_FDS, socket activation\)/,
        );
      });
      return;
    }

    test(`socket activation: ${RESTARTS} restarts under load, systemd holding the socket: nothing failed`, async () => {
      const activate = ensureCommand("systemd-socket-activate", "systemd");
      const dir = tempDir("gd-activate-");
      cleanups.push(() => dir.dispose());
      const port = await freePort();
      const holder = new Proc(activate, [
        "-l",
        `127.0.0.1:${port}`,
        ...envFlags({ PORT: 1 }), // ignored: the socket takes the place of the port
        process.execPath,
        join(here, "_socket_holder.ts"),
        ...await appCommand(runtime, dir.path),
      ], { cwd: root });
      cleanups.push(async () => {
        holder.kill("SIGTERM");
        await holder.exit(15_000).catch(() => holder.dispose());
      });
      await holder.waitForOutput(/Listening on/, 10_000);
      // Two keep-alive clients (one on a slow route, in flight at each stop) and two that open a new connection
      // per request, as scripts and health checkers do. The first connection starts the holder.
      const load = startLoad(port, {
        clients: 4,
        paths: ["/", "/slow?ms=200", "/", "/"],
        oneShot: 2,
        maxMs: RESTARTS * 30_000,
      });
      cleanups.push(() => load.stop());
      const events = (name: string) => holder.events.filter((line: Line) => line.event === name);
      await holder.waitFor((line) => line.event === "listening", 20_000, "the first instance listening");
      const pids = [events("listening")[0].pid];
      try {
        for (let i = 1; i <= RESTARTS; i++) {
          const okBefore = load.result.ok;
          const deadline = performance.now() + 10_000;
          while (load.result.ok < okBefore + 20) {
            assert.ok(performance.now() < deadline, "no traffic got through");
            await new Promise((resolve) => setTimeout(resolve, 20));
          }
          holder.kill("SIGHUP");
          await holder.waitFor(() => events("listening").length > i, 20_000, `instance ${i + 1} listening`);
          pids.push(events("listening")[i].pid);
        }
      } finally {
        await load.stop();
      }
      const exits = events("exit").map((line) => line.code);
      const stopMs = events("stopped").map((line) => line.stopMs as number);
      const startMs = events("listening").slice(1).map((line) => line.startMs as number);
      const { ok, failed, failures } = load.result;
      const median = (list: number[]) => [...list].sort((a, b) => a - b)[Math.floor(list.length / 2)];
      console.log(
        `# systemd socket activation ${runtime.name}: ${RESTARTS} restarts, ${ok} ok, ${failed} failed ${
          JSON.stringify(failures)
        }, exit codes ${JSON.stringify(exits)}, stop ms median ${median(stopMs)} max ${
          Math.max(...stopMs)
        }, ` +
          `start ms median ${median(startMs)} max ${Math.max(...startMs)}`,
      );
      assert.equal(new Set(pids).size, RESTARTS + 1, `a new process each time: ${pids}`);
      assert.deepEqual(exits, Array(RESTARTS).fill(0), holder.output.slice(-3000));
      assert.equal(failed, 0, `failed: ${JSON.stringify(failures)}`);
    });
  });
}

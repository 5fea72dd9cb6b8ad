import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { createShutdown, serve } from "../mod.ts";
import { processManager } from "../src/runtimes/node/_managers.ts";
import { systemdNotifier } from "../src/runtimes/_systemd.ts";
import { resolveOptions } from "../src/_lifecycle/options.ts";
import { runtimeAdapter } from "../src/runtimes/_select.ts";
import { recordingLogger, within } from "./_helpers.ts";

/** Runs `body` with these environment variables set (undefined: unset), then puts them back. */
async function withEnv(env: Record<string, string | undefined>, body: () => unknown): Promise<void> {
  const saved = Object.fromEntries(Object.keys(env).map((name) => [name, process.env[name]]));
  const set = (values: Record<string, string | undefined>) => {
    for (const [name, value] of Object.entries(values)) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  };
  set(env);
  try {
    await body();
  } finally {
    set(saved);
  }
}

describe("systemd recognised from its environment", () => {
  test("socket activation only for the process LISTEN_PID names, with a positive LISTEN_FDS", () => {
    assert.deepEqual(processManager({ LISTEN_FDS: "2", LISTEN_PID: "7" }, false, 7), {
      name: "systemd",
      clusterWorker: false,
      listenFds: 2,
    });
    // A child that inherited the environment is not the one systemd passed the sockets to.
    assert.equal(processManager({ LISTEN_FDS: "1", LISTEN_PID: "7" }, false, 8), undefined);
    assert.equal(processManager({ LISTEN_FDS: "0", LISTEN_PID: "7" }, false, 7), undefined);
    assert.equal(processManager({ LISTEN_FDS: "x", LISTEN_PID: "7" }, false, 7), undefined);
    assert.equal(processManager({ LISTEN_FDS: "1" }, false, 7), undefined);
  });

  test("a Type=notify service by NOTIFY_SOCKET; PM2 and a cluster worker (which inherits it) come first", () => {
    assert.deepEqual(processManager({ NOTIFY_SOCKET: "/run/systemd/notify" }, false, 7), {
      name: "systemd",
      clusterWorker: false,
      notifySocket: "/run/systemd/notify",
    });
    assert.equal(processManager({ NOTIFY_SOCKET: "" }, false, 7), undefined);
    assert.equal(processManager({ NOTIFY_SOCKET: "/run/n" }, true, 7)?.name, "node:cluster");
    assert.equal(processManager({ NOTIFY_SOCKET: "/run/n", pm_id: "0" }, false, 7)?.name, "PM2");
  });

  test("under socket activation the default delay is 250 ms (keep-alive clients shed into the kernel's queue)", async () => {
    await withEnv({ LISTEN_FDS: "1", LISTEN_PID: String(process.pid), KUBERNETES_SERVICE_HOST: "" }, () => {
      assert.equal(resolveOptions({ signals: false, logger: false }).delay, 250);
    });
    await withEnv(
      { LISTEN_FDS: "1", LISTEN_PID: String(process.pid + 1), KUBERNETES_SERVICE_HOST: "" },
      () => {
        assert.equal(resolveOptions({ signals: false, logger: false }).delay, 0);
      },
    );
  });

  test("serve() refuses reusePort with systemd's socket: a TypeError naming both", async () => {
    await withEnv({ LISTEN_FDS: "1", LISTEN_PID: String(process.pid) }, async () => {
      const shutdown = createShutdown({ signals: false, logger: false });
      await assert.rejects(serve(() => new Response("ok"), { shutdown, reusePort: true, onListen() {} }), {
        name: "TypeError",
        message: /"reusePort" and a socket passed by systemd \(LISTEN_FDS, fd 3\) do not combine/,
      });
    });
  });
});

describe("sd_notify", () => {
  test("messages leave in order, one at a time, and a failed one does not stop the next", async () => {
    const sent: string[] = [];
    let running = 0;
    const notify = systemdNotifier(async (args) => {
      running++;
      assert.equal(running, 1, "one systemd-notify at a time");
      // The first takes longest: sent in parallel, it would arrive last.
      await new Promise((resolve) => setTimeout(resolve, args[0] === "READY=1" ? 30 : 1));
      running--;
      if (args[0] === "STATUS=bad") throw new Error("refused");
      sent.push(args[0]);
    });
    const ready = notify(["READY=1"]);
    const bad = notify(["STATUS=bad"]);
    const stopping = notify(["STOPPING=1"]);
    await ready;
    await assert.rejects(bad, /refused/);
    await stopping;
    assert.deepEqual(sent, ["READY=1", "STOPPING=1"]);
  });

  test("when systemd cannot be notified, one warning says why and what to do, and the shutdown goes on", async () => {
    await withEnv({ NOTIFY_SOCKET: "/nonexistent/graceful-drain-notify.sock" }, async () => {
      const logger = recordingLogger();
      const shutdown = createShutdown({ signals: false, exit: false, logger, timeout: 3_000 });
      const report = await shutdown.trigger("test");
      assert.equal(report.exitCode, 0);
      const warned = () => logger.lines.filter((line) => line.message.startsWith("NOTIFY_SOCKET is set"));
      const deadline = Date.now() + 10_000;
      while (warned().length === 0) {
        assert.ok(Date.now() < deadline, "no warning within 10 s");
        await within(new Promise((resolve) => setTimeout(resolve, 20)), 1_000);
      }
      assert.equal(warned().length, 1);
      assert.match(warned()[0].message, /systemd-notify/);
      // Messages leave one at a time: once this one is done, every systemd-notify before it has ended.
      await assert.rejects(runtimeAdapter().notifySystemd!(["STATUS=last"]));
    });
  });
});

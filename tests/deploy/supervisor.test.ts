// examples/supervisor/app.conf under a real supervisord (installed with apt-get when missing) on a private
// socket and config: `supervisorctl restart` under load. A single instance has downtime (connections are
// refused while no process listens, the drain refuses new requests with 503, and a connection still in the
// listener's accept queue when it closes is reset before the server read its request), but nothing in flight
// may be lost: every request on a connection the old process had accepted gets its whole answer.
import { after, describe, test } from "node:test";
import assert from "node:assert/strict";
import { execFile as execFileCallback } from "node:child_process";
import { promisify } from "node:util";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { RUNTIMES } from "../support/runtimes.ts";
import { appCommand, root } from "./_app.ts";
import { moduleDefaults } from "./_defaults.ts";
import { startLoad } from "./_load.ts";
import { Proc } from "../support/process.ts";
import { ensureCommand, freePort, tempDir } from "./_system.ts";

const execFile = promisify(execFileCallback);
const RESTARTS = process.env.GD_DEPLOY === "full" ? 10 : 2;
const example = readFileSync(join(root, "examples/supervisor/app.conf"), "utf8");
const setting = (name: string) => new RegExp(`^${name}=(.*)$`, "m").exec(example)?.[1];

const cleanups: (() => unknown)[] = [];
after(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
});

describe("examples/supervisor/app.conf", () => {
  test("stops with SIGTERM and waits longer than the module's timeout before SIGKILL", () => {
    const defaults = moduleDefaults(false);
    assert.equal(setting("stopsignal"), "TERM");
    assert.ok(defaults.signals.includes("SIGTERM"));
    const timeout = Number(
      /DRAIN_TIMEOUT="(\d+)"/.exec(setting("environment") ?? "")?.[1] ?? defaults.timeout,
    );
    assert.ok(Number(setting("stopwaitsecs")) * 1000 > timeout, `stopwaitsecs ${setting("stopwaitsecs")} s`);
  });
});

for (const runtime of RUNTIMES) {
  describe(
    `supervisorctl restart under load on ${runtime.name}`,
    { timeout: 60_000 + RESTARTS * 20_000 },
    () => {
      test(`${RESTARTS} restarts: every request on an accepted connection is answered whole, none lost`, async () => {
        const supervisord = ensureCommand("supervisord", "supervisor");
        const supervisorctl = ensureCommand("supervisorctl", "supervisor");
        const dir = tempDir("gd-supervisor-");
        cleanups.push(() => dir.dispose());
        const port = await freePort();
        const command = (await appCommand(runtime, dir.path)).map((arg) =>
          arg.includes(" ") ? `"${arg}"` : arg
        );
        // The example as written, pointed at this checkout, this runtime and a free port.
        writeFileSync(
          join(dir.path, "app.conf"),
          example
            .replace(/^command=.*$/m, `command=${command.join(" ")}`)
            .replace(/^directory=.*$/m, `directory=${root}`)
            .replace(
              /^environment=(.*)$/m,
              (_, env) =>
                `environment=${env.replace(/PORT="\d+"/, `PORT="${port}"`)},KUBERNETES_SERVICE_HOST=""`,
            ),
        );
        const config = join(dir.path, "supervisord.conf");
        writeFileSync(
          config,
          `[unix_http_server]
file=%(here)s/supervisor.sock
[supervisord]
nodaemon=true
logfile=%(here)s/supervisord.log
pidfile=%(here)s/supervisord.pid
childlogdir=%(here)s
[rpcinterface:supervisor]
supervisor.rpcinterface_factory = supervisor.rpcinterface:make_main_rpcinterface
[supervisorctl]
serverurl=unix://%(here)s/supervisor.sock
[include]
files = app.conf
`,
        );
        const daemon = new Proc(supervisord, ["-c", config]);
        cleanups.push(async () => {
          daemon.kill("SIGTERM"); // supervisord stops its programs, then exits
          await daemon.exit(15_000).catch(() => daemon.dispose());
        });
        let offset = (await daemon.waitForOutput(/success: app entered RUNNING state/, 20_000)).end;
        // Not spawnSync: the load runs in this process and must go on while supervisorctl waits.
        const ctl = (...args: string[]) =>
          execFile(supervisorctl, ["-c", config, ...args], { encoding: "utf8", timeout: 30_000 });
        const pidOf = async () => Number((await ctl("pid", "app")).stdout.trim());

        // Two clients on a slow route keep requests in flight at every stop, two on / keep connections busy.
        const load = startLoad(port, {
          clients: 4,
          paths: ["/slow?ms=300", "/", "/slow?ms=300", "/"],
          maxMs: RESTARTS * 30_000,
        });
        cleanups.push(() => load.stop());
        const pids = [await pidOf()];
        try {
          for (let i = 0; i < RESTARTS; i++) {
            const okBefore = load.result.ok;
            await new Promise<void>((resolve, reject) => {
              // Some traffic on the process before it is stopped, so that there is something in flight.
              const started = performance.now();
              const check = setInterval(() => {
                if (load.result.ok >= okBefore + 10) resolve();
                else if (performance.now() - started > 10_000) reject(new Error("no traffic got through"));
                else return;
                clearInterval(check);
              }, 20);
            });
            const restart = await ctl("restart", "app");
            assert.match(restart.stdout, /app: stopped[\s\S]*app: started/);
            const stopped = await daemon.waitForOutput(/stopped: app \(exit status (\d+)\)/, 5_000, offset);
            assert.equal(stopped.match[1], "0", daemon.output);
            offset = stopped.end;
            pids.push(await pidOf());
          }
        } finally {
          await load.stop();
        }
        const log = readFileSync(join(dir.path, "supervisord.log"), "utf8");
        const { ok, failed, failures } = load.result;
        const lost = failures["no answer (reused connection)"] ?? 0;
        console.log(
          `# supervisor ${runtime.name}: ${RESTARTS} restarts, ${ok} ok, ${failed} not served ${
            JSON.stringify(failures)
          }, ${lost} lost`,
        );
        assert.equal(new Set(pids).size, RESTARTS + 1, `a new process each time: ${pids}`);
        assert.doesNotMatch(log, /exit status [1-9]|SIGKILL/, log);
        assert.equal(lost, 0, `requests written but never answered: ${JSON.stringify(failures)}`);
        const unexpected = Object.keys(failures).filter((kind) =>
          kind !== "503" && !kind.startsWith("connect:") && kind !== "no answer (new connection)"
        );
        assert.deepEqual(unexpected, [], `only refusals before any work: ${JSON.stringify(failures)}`);
      });
    },
  );
}

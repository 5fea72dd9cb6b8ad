// examples/docker/ on a real Docker engine (tests/deploy/_docker.ts: Debian's docker.io, a private dockerd):
// each Dockerfile is built as written on an offline stand-in for its base image, then run with
// `docker run -d` and stopped with `docker stop` under load, the way a deploy stops it. The engine reads the
// Dockerfile (StopSignal, Env, Cmd come from `docker image inspect`), and the ways to start the app are
// compared: the exec-form CMD (the runtime is PID 1), the same with `--init` (docker-init, i.e. tini, is
// PID 1 and forwards the signal), the shell-form mistake (`CMD node examples/app.ts` makes /bin/sh PID 1,
// which does not forward SIGTERM: docker stop waits its timeout out, then kills, exit 137), that mistake
// under `--init`, and a server without the module as PID 1.
//
// When the engine cannot start here (dockerd exits or does not answer within 30 s: no cgroups, no overlay and
// no vfs, no permission), every test is skipped with dockerd's own last log lines as the reason.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { root } from "./_app.ts";
import { moduleDefaults } from "./_defaults.ts";
import { type Engine, startEngine } from "./_docker.ts";
import { buildExample, IMAGE_RUNTIMES, type ImageRuntime, importBaseImage } from "./_docker_images.ts";
import { stopIdle, type Stopped, stopUnderLoad } from "./_docker_stop.ts";
import { RUNTIMES } from "../support/runtimes.ts";
import { tempDir } from "./_system.ts";

/** What `docker stop` waits before SIGKILL unless told otherwise (`-t`, `--stop-timeout`). */
const DOCKER_STOP_TIMEOUT = 10_000;
/** Time kept between the module's deadline and docker's kill: the process still has to exit. */
const EXIT_MARGIN = 1_000;
/** `docker stop -t` for the shell form, which always waits it out: 1 s (docker's shortest), to be fast. */
const SHELL_FORM_STOP = 1_000;

const engine = await startEngine();
const noEngine = typeof engine === "string" ? `no Docker engine can run here: ${engine}` : undefined;
const work = tempDir("gd-docker-images-");
after(async () => {
  if (typeof engine !== "string") await engine.dispose();
  work.dispose();
});

/**
 * A server without graceful-drain, as PID 1, and what SIGTERM does to it: why the module's handlers matter
 * there. Node and Bun ignore it (no default action for PID 1) and are killed at the timeout, 137. Deno
 * 2.9.6's server either crashes at once with SIGSEGV, 139, or ignores it as Node does, 137: 5 times each
 * in 10 runs (a Deno script that never touches signals always ignores it). None drains.
 */
const WITHOUT_MODULE: Record<ImageRuntime, { command: string[]; exitCodes: number[] }> = {
  node: {
    command: [
      "node",
      "-e",
      "require('node:http').createServer((_, res) => res.end()).listen(0, () => " +
      "console.log('listening on'))",
    ],
    exitCodes: [137],
  },
  bun: {
    command: [
      "bun",
      "-e",
      "Bun.serve({ port: 0, fetch: () => new Response() }); console.log('listening on')",
    ],
    exitCodes: [137],
  },
  deno: {
    command: [
      "deno",
      "eval",
      "Deno.serve({ port: 0, onListen: () => console.log('listening on') }, () => new Response())",
    ],
    exitCodes: [137, 139],
  },
};
/** `docker stop -t` without the module: the shortest docker takes (whole seconds). */
const NO_HANDLER_STOP = 1_000;

const report = (name: string, variant: string, run: Stopped) =>
  console.log(
    `# docker ${name} ${variant}: docker stop took ${run.ms} ms, exit ${run.exitCode}; ` +
      `clients: ${run.load.ok} ok (${run.okAfterStop} after the stop), ${run.load.failed} not served ` +
      JSON.stringify(run.load.failures),
  );

/** A clean drain as the clients see it: refusals before any work (503, refused or reset connections only). */
function assertDrained(run: Stopped) {
  const lost = run.load.failures["no answer (reused connection)"] ?? 0;
  assert.equal(
    lost,
    0,
    `requests written but never answered: ${JSON.stringify(run.load.failures)}\n${run.logs}`,
  );
  const unexpected = Object.keys(run.load.failures).filter((kind) =>
    kind !== "503" && !kind.startsWith("connect:") && kind !== "no answer (new connection)"
  );
  assert.deepEqual(
    unexpected,
    [],
    `only refusals before any work: ${JSON.stringify(run.load.failures)}\n${run.logs}`,
  );
  assert.equal(run.exitCode, 0, run.logs);
  assert.match(run.logs, /shutdown started \(SIGTERM\)/);
  assert.match(run.logs, /stopped: exit code 0/);
  assert.ok(run.ms < DOCKER_STOP_TIMEOUT - EXIT_MARGIN, `docker stop took ${run.ms} ms`);
}

const defaults = moduleDefaults(false);
// Dockerfile.node is Node 24's (node:24-slim): GD_RUNTIMES narrows the files as it narrows the other suites.
const column = (file: string) => file === "Dockerfile.node" ? "node24" : file.slice("Dockerfile.".length);
const files = readdirSync(join(root, "examples/docker")).filter((f) => f.startsWith("Dockerfile")).sort()
  .filter((file) => RUNTIMES.some((runtime) => runtime.name === column(file)));

for (const file of files) {
  describe(`examples/docker/${file} on a Docker engine`, { skip: noEngine, timeout: 120_000 }, () => {
    const ready = engine as Engine;
    const runtime = file.slice("Dockerfile.".length) as ImageRuntime;
    let base = "";
    let image = "";
    let config: { StopSignal?: string; Env: string[]; Cmd: string[] };
    before(async () => {
      assert.ok(runtime in IMAGE_RUNTIMES, `${file}: no base image for ${runtime}`);
      base = importBaseImage(ready, runtime, work.path);
      image = buildExample(ready, file, base, work.path);
      config = JSON.parse(await ready.docker(["image", "inspect", "--format", "{{json .Config}}", image]));
    });

    test("the built image stops with SIGTERM, a signal the module handles by default", () => {
      assert.equal(config.StopSignal, "SIGTERM");
      assert.ok(defaults.signals.includes("SIGTERM"), `module signals: ${defaults.signals}`);
    });

    test("its drain timeout ends the process inside docker stop's 10 s", () => {
      const env = Object.fromEntries(config.Env.map((entry) => entry.split(/=(.*)/s, 2)));
      const timeout = Number(env.DRAIN_TIMEOUT || defaults.timeout);
      assert.ok(
        timeout + EXIT_MARGIN <= DOCKER_STOP_TIMEOUT,
        `timeout ${timeout} ms + ${EXIT_MARGIN} ms to exit > docker stop's ${DOCKER_STOP_TIMEOUT} ms`,
      );
    });

    test("its CMD is exec form and starts the runtime itself", () => {
      // Docker stores a shell-form CMD as ["/bin/sh", "-c", "<the line>"].
      assert.notEqual(config.Cmd[0], "/bin/sh", `CMD is shell form: ${JSON.stringify(config.Cmd)}`);
      assert.ok(config.Cmd[0] in IMAGE_RUNTIMES, `CMD starts ${config.Cmd[0]}, not deno, bun or node`);
    });

    test("exec form, the runtime as PID 1: docker stop under load drains, nothing lost, exit 0", async () => {
      const run = await stopUnderLoad(ready, image, { stopMs: DOCKER_STOP_TIMEOUT });
      report(file, "exec form", run);
      assertDrained(run);
    });

    test("with --init (docker-init as PID 1 forwards SIGTERM): the same clean drain, exit 0", async () => {
      const run = await stopUnderLoad(ready, image, { runArgs: ["--init"], stopMs: DOCKER_STOP_TIMEOUT });
      report(file, "--init", run);
      assertDrained(run);
    });

    test("the shell-form mistake: /bin/sh as PID 1 keeps SIGTERM from the app, killed, 137", async () => {
      // What Docker makes of `CMD node examples/app.ts`.
      const command = ["/bin/sh", "-c", config.Cmd.join(" ")];
      const run = await stopUnderLoad(ready, image, { command, stopMs: SHELL_FORM_STOP });
      report(file, "shell form", run);
      assert.equal(run.exitCode, 137, run.logs); // 128 + SIGKILL
      assert.ok(run.ms >= SHELL_FORM_STOP, `docker stop took ${run.ms} ms, less than its -t`);
      assert.doesNotMatch(run.logs, /shutdown started/, "the app never heard of the stop");
      assert.equal(run.load.failures["503"], undefined, "nothing was refused: no drain ever started");
      assert.ok(run.okAfterStop > 0, "the app served on, unaware, until the kill");
    });

    test("--init does not rescue a shell form: sh dies of SIGTERM, the app is killed too, 143", async () => {
      // docker-init forwards the signal to its child only, the shell, which is not PID 1 and so dies of it;
      // when the container's init exits, the kernel kills the rest of its PID namespace, the app included.
      const command = ["/bin/sh", "-c", config.Cmd.join(" ")];
      const run = await stopUnderLoad(ready, image, {
        runArgs: ["--init"],
        command,
        stopMs: DOCKER_STOP_TIMEOUT,
      });
      report(file, "shell form with --init", run);
      assert.equal(run.exitCode, 143, run.logs); // 128 + SIGTERM, the shell's
      assert.doesNotMatch(run.logs, /shutdown started/, "the app never heard of the stop");
      assert.equal(run.load.failures["503"], undefined, "nothing was refused: no drain ever started");
    });

    test(`without the module, ${runtime} as PID 1 does not drain on SIGTERM`, async () => {
      const { command, exitCodes } = WITHOUT_MODULE[runtime];
      const run = await stopIdle(ready, base, command, NO_HANDLER_STOP);
      console.log(
        `# docker ${runtime} without graceful-drain as PID 1: exit ${run.exitCode} after ${run.ms} ms`,
      );
      assert.ok(exitCodes.includes(run.exitCode), `exit ${run.exitCode}, expected one of ${exitCodes}`);
      // Killed at the timeout, or (Deno's crash) before it.
      if (run.exitCode === 137) assert.ok(run.ms >= NO_HANDLER_STOP, `docker stop took ${run.ms} ms`);
    });
  });
}

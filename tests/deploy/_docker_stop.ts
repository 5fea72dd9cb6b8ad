// Containers started and stopped for the Docker tests: `docker run -d` on the host's network (the engine has
// no bridge: tests/deploy/_docker.ts), then `docker stop`, timed, with or without load, and what the clients,
// the exit code and the container's output showed.
import { CLIENT, type Engine } from "./_docker.ts";
import { type LoadResult, startLoad } from "./_load.ts";
import { Proc } from "../support/process.ts";
import { freePort } from "./_system.ts";

/** What one `docker run` … `docker stop` under load showed. */
export interface Stopped {
  /** What the clients saw over the container's whole life. */
  load: LoadResult;
  /** Answered 2xx after `docker stop` was sent. */
  okAfterStop: number;
  /** `State.ExitCode` from `docker inspect`. */
  exitCode: number;
  /** How long `docker stop` took, in ms. */
  ms: number;
  /** The container's stdout and stderr. */
  logs: string;
}

/**
 * Runs `image` (with `runArgs` before it and `command` after it, as `docker run` takes them) on the host's
 * network on a free port, puts load on it, and times `docker stop -t <stopMs / 1000>` once traffic flows.
 */
export async function stopUnderLoad(
  engine: Engine,
  image: string,
  options: { runArgs?: string[]; command?: string[]; stopMs: number },
): Promise<Stopped> {
  const port = await freePort();
  // HOST=0.0.0.0 from the Dockerfile would listen on every interface of the host's network: loopback only.
  const id = (await engine.docker([
    "run",
    "-d",
    "--network=host",
    ...["-e", "HOST=127.0.0.1", "-e", `PORT=${port}`, "-e", "KUBERNETES_SERVICE_HOST="],
    ...(options.runArgs ?? []),
    image,
    ...(options.command ?? []),
  ])).trim();
  const logs = new Proc(CLIENT, ["logs", "-f", id], { env: engine.env });
  try {
    await logs.waitForOutput(/listening on/, 20_000);
    // Keep-alive clients on / and on a slow route (a request in flight at the signal), and two that open a
    // new connection for every request.
    const load = startLoad(port, {
      clients: 5,
      paths: ["/", "/slow?ms=300", "/"],
      oneShot: 2,
      maxMs: 60_000,
    });
    try {
      await until(() => load.result.ok >= 30, 10_000, "30 answers before the stop");
      const okAtStop = load.result.ok;
      const sent = performance.now();
      await engine.docker(["stop", "-t", String(options.stopMs / 1000), id], {
        timeout: options.stopMs + 20_000,
      });
      const ms = Math.round(performance.now() - sent);
      const result = await load.stop();
      const state = JSON.parse(await engine.docker(["inspect", "--format", "{{json .State}}", id]));
      await logs.exit(5_000); // `logs -f` ends with the container
      return {
        load: result,
        okAfterStop: result.ok - okAtStop,
        exitCode: state.ExitCode,
        ms,
        logs: logs.output,
      };
    } finally {
      await load.stop();
    }
  } finally {
    logs.dispose();
    await engine.docker(["rm", "-f", id]).catch(() => {});
  }
}

/** Runs `command` in `image`, waits for its "listening on", and times `docker stop -t <stopMs / 1000>`. */
export async function stopIdle(
  engine: Engine,
  image: string,
  command: string[],
  stopMs: number,
): Promise<{ exitCode: number; ms: number }> {
  const id = (await engine.docker(["run", "-d", "--network=host", image, ...command])).trim();
  const logs = new Proc(CLIENT, ["logs", "-f", id], { env: engine.env });
  try {
    await logs.waitForOutput(/listening on/, 20_000);
    const sent = performance.now();
    await engine.docker(["stop", "-t", String(stopMs / 1000), id], { timeout: stopMs + 20_000 });
    const ms = Math.round(performance.now() - sent);
    const state = JSON.parse(await engine.docker(["inspect", "--format", "{{json .State}}", id]));
    return { exitCode: state.ExitCode as number, ms };
  } finally {
    logs.dispose();
    await engine.docker(["rm", "-f", id]).catch(() => {});
  }
}

/** Polls `done` until the deadline: nothing signals "the load has had N answers". */
async function until(done: () => boolean, ms: number, what: string): Promise<void> {
  const deadline = performance.now() + ms;
  while (!done()) {
    if (performance.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

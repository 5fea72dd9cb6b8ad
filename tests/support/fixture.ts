// The end-to-end fixture (tests/fixtures/server.js, or another file there) started on one runtime of the
// matrix, configured by environment variables, reporting what it does as JSON lines.
import { join } from "node:path";
import { type Line, Proc } from "./process.ts";
import { root, type Runtime } from "./runtimes.ts";

/** One JSON line the fixture printed. */
export type FixtureEvent = Line;

/** A fixture server running as a child process. */
export class Fixture extends Proc {
  /** Starts the fixture on `runtime` and resolves with it and its port once it listens. */
  static async start(
    runtime: Runtime,
    options: {
      mode?: "fetch" | "hono";
      shutdown?: Record<string, unknown>;
      /** A directory with cert.pem and key.pem: serve HTTPS. */
      tls?: string;
      /** serve()'s `http2` option. */
      http2?: boolean;
      /** Another fixture under tests/fixtures/ than server.js. */
      fixture?: string;
      /** More environment variables for the fixture. */
      env?: Record<string, string>;
    } = {},
  ): Promise<{ fixture: Fixture; port: number }> {
    const file = join(root, "tests/fixtures", options.fixture ?? "server.js");
    const fixture = new Fixture(runtime.command, [...runtime.args, file], {
      cwd: root,
      env: {
        GD_MODULE: runtime.module,
        GD_HONO_MODULE: runtime.honoModule,
        GD_MODE: options.mode ?? "fetch",
        GD_OPTIONS: JSON.stringify({ timeout: 5_000, delay: 0, ...options.shutdown }),
        KUBERNETES_SERVICE_HOST: "",
        GD_TLS: options.tls ?? "",
        GD_HTTP2: options.http2 ? "1" : "",
        ...options.env,
      },
    });
    try {
      const listening = await fixture.waitFor(
        (e) => e.event === "listening",
        20_000,
        "the fixture to listen",
      );
      return { fixture, port: listening.port as number };
    } catch (error) {
      fixture.dispose();
      throw error;
    }
  }

  /** Waits for a log line of the fixture's shutdown that starts with `prefix` (e.g. "draining:"). */
  waitForLog(prefix: string, ms = 10_000): Promise<FixtureEvent> {
    return this.waitFor(
      (e) => e.event === "log" && String(e.message).startsWith(prefix),
      ms,
      `log "${prefix}"`,
    );
  }

  /** The report the fixture printed when stopped. */
  get report(): Record<string, unknown> | undefined {
    return this.events.find((e) => e.event === "report")?.report as Record<string, unknown> | undefined;
  }
}

import type { Lifecycle } from "./_lifecycle/lifecycle.ts";
import { messageOf, runBounded } from "./_lifecycle/bounded.ts";
import { checkDuration, describe } from "./_lifecycle/validate.ts";

/**
 * Options of `shutdown.addReadinessCheck()`.
 *
 * @example A bounded readiness check
 * ```ts
 * import assert from "node:assert/strict";
 * import { createShutdown } from "@graceful/drain";
 *
 * const shutdown = createShutdown({ signals: false, logger: false });
 * shutdown.addReadinessCheck(() => true, { name: "db", timeout: 500 });
 * assert.equal((await shutdown.readiness()).status, 200);
 * ```
 */
export interface ReadinessCheckOptions {
  /** Shown in logs when the check fails. @default {the function's name} */
  name?: string;
  /**
   * How long the check may take before it counts as failed.
   * @default {1000}
   */
  timeout?: number;
}

interface Check {
  name: string;
  timeout: number;
  run: (signal: AbortSignal) => unknown;
}

const JSON_HEADERS = { "content-type": "application/json", "cache-control": "no-store" };

/**
 * @internal The readiness and liveness probes. Bodies are small JSON with the status and the phase; nothing
 * else about the process is exposed.
 */
export class Readiness {
  readonly #lifecycle: Lifecycle;
  readonly #checks = new Set<Check>();

  constructor(lifecycle: Lifecycle) {
    this.#lifecycle = lifecycle;
  }

  add(run: (signal: AbortSignal) => unknown, options: ReadinessCheckOptions = {}): () => void {
    const context = "Cannot add readiness check";
    if (typeof run !== "function") {
      throw new TypeError(`${context}: expected a function, received ${describe(run)}`);
    }
    const timeout = checkDuration(context, "timeout", options.timeout ?? 1_000);
    const check = { name: options.name ?? (run.name || "check"), timeout, run };
    this.#checks.add(check);
    return () => this.#checks.delete(check);
  }

  async respond(request?: Request): Promise<Response> {
    this.#lifecycle.gate.markProbe(request?.url);
    const phase = this.#lifecycle.phase;
    let ready = phase === "running";
    if (ready && this.#checks.size > 0) {
      const results = await Promise.all([...this.#checks].map((check) => this.#run(check)));
      ready = results.every(Boolean) && this.#lifecycle.phase === "running";
    }
    return new Response(
      JSON.stringify({ status: ready ? "ready" : "unready", phase: this.#lifecycle.phase }),
      {
        status: ready ? 200 : 503,
        headers: JSON_HEADERS,
      },
    );
  }

  liveness(request?: Request): Response {
    this.#lifecycle.gate.markProbe(request?.url);
    const phase = this.#lifecycle.phase;
    const alive = phase !== "stopped";
    return new Response(JSON.stringify({ status: alive ? "alive" : "stopped", phase }), {
      status: alive ? 200 : 503,
      headers: JSON_HEADERS,
    });
  }

  /** Runs one check bounded by its timeout; a throw, a rejection, `false` or the timeout count as failing. */
  async #run(check: Check): Promise<boolean> {
    const { clock, logger } = this.#lifecycle.options;
    const ended = await runBounded(check.run, check.timeout, clock, `readiness check "${check.name}"`);
    if (ended.outcome === "ok" && ended.value !== false) return true;
    const why = ended.outcome === "failed"
      ? `: ${messageOf(ended.error)}`
      : ended.outcome === "timeout"
      ? ": timed out"
      : "";
    logger.warn(`readiness check "${check.name}" failed${why}`, { check: check.name });
    return false;
  }
}

import type { ServerDrainer } from "../runtimes/_adapter.ts";
import type { Phase } from "../types.ts";
import type { CutItem } from "../report.ts";

/** @internal Runs `fn`, reporting a throw or a rejection to `onError` instead of letting it escape. */
export function safely(fn: () => unknown, onError: (error: unknown) => void): void {
  try {
    const result = fn();
    if (result instanceof Promise) result.catch(onError);
  } catch (error) {
    onError(error);
  }
}

/**
 * @internal The servers the lifecycle drains, each through its drainer: drained, closed or forced together,
 * a drainer's failure reported and never in the way of the others.
 */
export class Servers {
  readonly #drainers: ServerDrainer[] = [];
  readonly #onError: (what: string, error: unknown) => void;

  constructor(onError: (what: string, error: unknown) => void) {
    this.#onError = onError;
  }

  get size(): number {
    return this.#drainers.length;
  }

  /** Adds a drainer, and brings it to where the others are in `phase`. */
  add(drainer: ServerDrainer, phase: Phase): void {
    this.#drainers.push(drainer);
    if (phase === "draining") this.drain([drainer]);
    else if (phase === "cleanup" || phase === "stopped") void this.close([drainer]);
  }

  drain(drainers: ServerDrainer[] = this.#drainers): void {
    for (const drainer of drainers) safely(() => drainer.drain(), (error) => this.#onError("drain", error));
  }

  /** Resolves once every server has closed (or failed to). */
  async close(drainers: ServerDrainer[] = this.#drainers): Promise<void> {
    await Promise.all(
      drainers.map((drainer) =>
        Promise.resolve().then(() => drainer.close()).catch((error) => this.#onError("close", error))
      ),
    );
  }

  /** Forces every server closed; returns what they cut that was not counted in flight. */
  force(): CutItem[] {
    const cut: CutItem[] = [];
    for (const drainer of this.#drainers) {
      safely(() => void cut.push(...drainer.force() ?? []), (error) => this.#onError("force", error));
    }
    return cut;
  }

  /** Whether any server may still hold a connection a request could arrive on; `unknown` where it cannot tell. */
  hasConnections(unknown: boolean): boolean {
    return this.#drainers.some((drainer) => drainer.hasConnections?.() ?? unknown);
  }
}

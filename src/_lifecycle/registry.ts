import type { Lifecycle } from "./lifecycle.ts";
import { describe } from "./validate.ts";

/** @internal The hidden state behind each shutdown, for the entries that need more than its public face. */
export const lifecycles: WeakMap<object, Lifecycle> = new WeakMap();

/** The shutdowns that listen to the process's signals, in the order they were made. */
const processShutdowns: object[] = [];

/** @internal Records a shutdown made by `createShutdown()` with its lifecycle. */
export function register(shutdown: object, lifecycle: Lifecycle): void {
  lifecycles.set(shutdown, lifecycle);
  if (lifecycle.options.signals.length > 0) processShutdowns.push(shutdown);
}

/**
 * @internal The process's shutdown, which `serve()` joins when given none: the first made that listens to
 * signals and has not started yet (an app's, a library's), rather than a rival.
 */
export function processShutdown(): object | undefined {
  return processShutdowns.find((shutdown) => lifecycles.get(shutdown)?.phase === "running");
}

/** @internal The lifecycle of a shutdown made by `createShutdown()`; throws a TypeError for anything else. */
export function lifecycleOf(shutdown: object): Lifecycle {
  const lifecycle = lifecycles.get(shutdown);
  if (!lifecycle) {
    throw new TypeError(`Expected a shutdown created by createShutdown(), received ${describe(shutdown)}`);
  }
  return lifecycle;
}

import type { Lifecycle } from "./lifecycle.ts";
import { describe } from "./validate.ts";

/** @internal The hidden state behind each shutdown, for the entries that need more than its public face. */
export const lifecycles: WeakMap<object, Lifecycle> = new WeakMap();

/** @internal The lifecycle of a shutdown made by `createShutdown()`; throws a TypeError for anything else. */
export function lifecycleOf(shutdown: object): Lifecycle {
  const lifecycle = lifecycles.get(shutdown);
  if (!lifecycle) {
    throw new TypeError(`Expected a shutdown created by createShutdown(), received ${describe(shutdown)}`);
  }
  return lifecycle;
}

// Counting the listeners on a shutdown's own AbortSignals: for the tests that none pile up, and for the
// benchmark's memory figure (bench/servers/hello.ts).
import type { Shutdown } from "../../mod.ts";

/**
 * Counts the listeners registered on the shutdown's own AbortSignals, by wrapping the two methods through
 * which anything (user code, and AbortSignal.any where a runtime implements it in JavaScript) registers one.
 */
export function countListeners(shutdown: Shutdown): () => number {
  let count = 0;
  for (const signal of [shutdown.signal, shutdown.deadline]) {
    const add = signal.addEventListener.bind(signal);
    const remove = signal.removeEventListener.bind(signal);
    signal.addEventListener = (...args: Parameters<AbortSignal["addEventListener"]>) => {
      count++;
      add(...args);
    };
    signal.removeEventListener = (...args: Parameters<AbortSignal["removeEventListener"]>) => {
      count--;
      remove(...args);
    };
  }
  return () => count;
}

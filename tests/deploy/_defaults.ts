// The module's own defaults, read from src/_options.ts rather than copied, so that the recipes' numbers are
// checked against what the module really does and cannot drift apart from it.
import { resolveOptions } from "../../src/_lifecycle/options.ts";

/** `timeout`, `delay` and `signals` by default, off Kubernetes and on it (KUBERNETES_SERVICE_HOST set). */
export function moduleDefaults(
  kubernetes: boolean,
): { timeout: number; delay: number; signals: readonly string[] } {
  const saved = process.env.KUBERNETES_SERVICE_HOST;
  process.env.KUBERNETES_SERVICE_HOST = kubernetes ? "10.0.0.1" : "";
  try {
    const { timeout, delay, signals } = resolveOptions({ logger: false });
    return { timeout, delay, signals };
  } finally {
    if (saved === undefined) delete process.env.KUBERNETES_SERVICE_HOST;
    else process.env.KUBERNETES_SERVICE_HOST = saved;
  }
}

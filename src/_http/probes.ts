import { lifecycleOf } from "../_lifecycle/registry.ts";
import type { Shutdown } from "../types.ts";
import { closeConnection } from "./responses.ts";
import { pathOf } from "./url.ts";

/**
 * @internal Answers readiness and liveness at their paths (undefined elsewhere), before the gate; once the
 * shutdown has started their responses close the connection, as every response then does.
 */
export function probes(
  shutdown: Shutdown,
  readyPath?: string,
  livePath?: string,
): (request: Request, context: unknown) => Response | Promise<Response> | undefined {
  const { gate } = lifecycleOf(shutdown);
  // Never refused, even before a probe came: a draining instance still answers them.
  for (const path of [readyPath, livePath]) if (path !== undefined) gate.allowProbe(path);
  return (request: Request, context: unknown): Response | Promise<Response> | undefined => {
    const path = pathOf(request.url);
    const response = path === readyPath
      ? shutdown.readiness(request)
      : path === livePath
      ? shutdown.liveness(request)
      : undefined;
    if (response === undefined || !gate.shuttingDown) return response;
    return Promise.resolve(response).then((answer) => closeConnection(answer, context));
  };
}

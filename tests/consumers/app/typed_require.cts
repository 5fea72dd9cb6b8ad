// CommonJS TypeScript (`.cts`) requiring the ESM-only package: allowed under `module: nodenext` (TypeScript
// >= 5.8), as Node >= 22.12 allows it at run time.
import drain = require("graceful-drain");
import hono = require("graceful-drain/hono");

const shutdown: drain.Shutdown = drain.createShutdown({ signals: false, logger: false });
const middleware: hono.GracefulMiddleware = hono.graceful(shutdown);
// @ts-expect-error a misspelt option
drain.createShutdown({ timeot: 1000 });
export = middleware;

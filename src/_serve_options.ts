import type { ServeOptions } from "./serve.ts";
import { lifecycles } from "./_lifecycle/registry.ts";
import { checkOptionKeys, invalid } from "./_lifecycle/validate.ts";

// A record, not a list: the type checker fails when an option is added to ServeOptions and not here.
const OPTIONS: Record<keyof ServeOptions, true> = {
  port: true,
  hostname: true,
  shutdown: true,
  onListen: true,
  tls: true,
  http2: true,
  websocket: true,
  readyPath: true,
  livePath: true,
  healthPort: true,
  reusePort: true,
  serverOptions: true,
};
const KNOWN: ReadonlySet<string> = new Set(Object.keys(OPTIONS));

/**
 * What `serve()` itself gives the runtime's server (under each runtime's name for it): `serverOptions` may
 * not set these, or `serve()` would be listening, handling or stopping other than it says.
 */
const RESERVED = ["port", "hostname", "host", "fetch", "handler", "onListen", "signal", "tls", "cert", "key"];

/** @internal Throws a TypeError or RangeError naming the first invalid option of `serve()`. */
export function checkServeOptions(options: ServeOptions): void {
  const context = "Cannot serve";
  checkOptionKeys(context, options, KNOWN);
  const { http2, reusePort, healthPort, shutdown, serverOptions } = options;
  for (const [name, value] of [["port", options.port], ["healthPort", healthPort]] as const) {
    if (value === undefined) continue;
    if (typeof value !== "number") throw invalid(context, name, "a port number", value);
    if (!Number.isInteger(value) || value < 0 || value > 65_535) {
      throw invalid(context, name, "an integer from 0 to 65535", value, true);
    }
  }
  for (const [name, value] of [["http2", http2], ["reusePort", reusePort]] as const) {
    if (value !== undefined && typeof value !== "boolean") throw invalid(context, name, "a boolean", value);
  }
  if (shutdown !== undefined && !lifecycles.has(shutdown)) {
    throw invalid(context, "shutdown", "a shutdown made by createShutdown()", shutdown);
  }
  for (const name of ["readyPath", "livePath"] as const) {
    const path = options[name];
    if (path === undefined) continue;
    if (typeof path !== "string") throw invalid(context, name, 'a path such as "/ready"', path);
    if (!path.startsWith("/")) {
      throw invalid(
        context,
        name,
        'a path starting with "/" (it is matched against the URL\'s path)',
        path,
        true,
      );
    }
  }
  if (serverOptions !== undefined) {
    if (typeof serverOptions !== "object" || serverOptions === null || Array.isArray(serverOptions)) {
      throw invalid(context, "serverOptions", "an object", serverOptions);
    }
    const taken = RESERVED.find((key) => key in serverOptions);
    if (taken !== undefined) {
      throw invalid(
        context,
        "serverOptions",
        `an object without "${taken}" (serve() sets it: use its own options)`,
        serverOptions,
      );
    }
  }
  if (reusePort && healthPort !== undefined) {
    // The process that takes over could not bind the health port while this one still serves it.
    throw new TypeError(
      `${context}: "healthPort" cannot be combined with "reusePort", received ${healthPort}`,
    );
  }
}

/** @internal `http://0.0.0.0:8000`, with an IPv6 address in brackets. */
export function listenUrl(address: { hostname: string; port: number }, tls: boolean): string {
  const host = address.hostname.includes(":") ? `[${address.hostname}]` : address.hostname;
  return `${tls ? "https" : "http"}://${host}:${address.port}`;
}

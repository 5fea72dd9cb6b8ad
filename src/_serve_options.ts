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
  if (
    options.hostname !== undefined && (typeof options.hostname !== "string" || options.hostname.trim() === "")
  ) {
    throw invalid(context, "hostname", 'a host name or address such as "127.0.0.1"', options.hostname);
  }
  checkTls(context, options.tls);
  if (shutdown !== undefined && !lifecycles.has(shutdown)) {
    throw invalid(context, "shutdown", "a shutdown made by createShutdown()", shutdown);
  }
  for (const name of ["readyPath", "livePath"] as const) {
    const path = options[name];
    if (path === undefined) continue;
    const example = name === "readyPath" ? "/ready" : "/live";
    if (typeof path !== "string") throw invalid(context, name, `a path such as "${example}"`, path);
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

/**
 * `tls` needs both PEM texts: with `tls: {}` (or `{ cert: process.env.CERT }` with the variable unset) Deno and
 * Bun served cleartext HTTP without a word and Node's server failed every request (measured).
 */
function checkTls(context: string, tls: unknown): void {
  if (tls === undefined) return;
  if (typeof tls !== "object" || tls === null || Array.isArray(tls)) {
    throw invalid(context, "tls", "an object with cert and key", tls);
  }
  for (const name of ["cert", "key"] as const) {
    const pem = (tls as Record<string, unknown>)[name];
    const filled = typeof pem === "string" ? pem.trim() !== "" : pem instanceof Uint8Array && pem.length > 0;
    if (!filled) throw invalid(context, `tls.${name}`, "the PEM text (a non-empty string or bytes)", pem);
  }
}

/** @internal `http://0.0.0.0:8000`, with an IPv6 address in brackets. */
export function listenUrl(address: { hostname: string; port: number }, tls: boolean): string {
  const host = address.hostname.includes(":") ? `[${address.hostname}]` : address.hostname;
  return `${tls ? "https" : "http"}://${host}:${address.port}`;
}

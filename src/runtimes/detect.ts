/**
 * The JavaScript runtimes graceful-drain tells apart.
 *
 * @example Choosing by runtime
 * ```ts
 * import assert from "node:assert/strict";
 * import { detectRuntime, type Runtime } from "@graceful/drain";
 *
 * const runtime: Runtime = detectRuntime();
 * const command: Record<Runtime, string> = {
 *   deno: "deno run -A app.ts",
 *   bun: "bun app.ts",
 *   node: "node app.js",
 *   workerd: "wrangler dev",
 *   "edge-runtime": "edge-runtime app.js",
 *   unknown: "?",
 * };
 * assert.equal(typeof command[runtime], "string");
 * ```
 */
export type Runtime = "deno" | "bun" | "node" | "workerd" | "edge-runtime" | "unknown";

/**
 * Tells which runtime this code runs on. Deno and Bun both provide a `process` global for Node
 * compatibility, so they are recognised by their own globals first; Cloudflare's workerd by its
 * `navigator.userAgent`, Vercel's Edge Runtime by its `EdgeRuntime` global (a string). Only `typeof` and
 * plain property reads: nothing is called, so it is safe in a Worker's global scope.
 *
 * @returns `"deno"`, `"bun"`, `"node"`, `"workerd"` (Cloudflare Workers), `"edge-runtime"` (Vercel's Edge
 * Runtime) or `"unknown"`.
 *
 * @example Branching on the runtime
 * ```ts
 * import assert from "node:assert/strict";
 * import { detectRuntime } from "@graceful/drain";
 *
 * const runtime = detectRuntime();
 * assert.ok(["deno", "bun", "node", "workerd", "edge-runtime", "unknown"].includes(runtime));
 * ```
 */
export function detectRuntime(): Runtime {
  const g = globalThis as Record<string, unknown>;
  if (typeof g.Deno === "object" && g.Deno !== null) return "deno";
  if (typeof g.Bun === "object" && g.Bun !== null) return "bun";
  const userAgent = (g.navigator as { userAgent?: unknown } | undefined)?.userAgent;
  if (userAgent === "Cloudflare-Workers") return "workerd";
  if (typeof g.EdgeRuntime === "string") return "edge-runtime";
  const versions = (g.process as { versions?: { node?: unknown } } | undefined)?.versions;
  if (typeof versions?.node === "string") return "node";
  return "unknown";
}

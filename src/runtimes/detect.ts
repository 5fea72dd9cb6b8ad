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
 *   unknown: "?",
 * };
 * assert.equal(typeof command[runtime], "string");
 * ```
 */
export type Runtime = "deno" | "bun" | "node" | "workerd" | "unknown";

/**
 * Tells which runtime this code runs on. Deno and Bun both provide a `process` global for Node
 * compatibility, so they are recognised by their own globals first.
 *
 * @returns `"deno"`, `"bun"`, `"node"`, `"workerd"` (Cloudflare Workers) or `"unknown"`.
 *
 * @example Branching on the runtime
 * ```ts
 * import assert from "node:assert/strict";
 * import { detectRuntime } from "@graceful/drain";
 *
 * const runtime = detectRuntime();
 * assert.ok(["deno", "bun", "node", "workerd", "unknown"].includes(runtime));
 * ```
 */
export function detectRuntime(): Runtime {
  const g = globalThis as Record<string, unknown>;
  if (typeof g.Deno === "object" && g.Deno !== null) return "deno";
  if (typeof g.Bun === "object" && g.Bun !== null) return "bun";
  const userAgent = (g.navigator as { userAgent?: unknown } | undefined)?.userAgent;
  if (userAgent === "Cloudflare-Workers") return "workerd";
  const versions = (g.process as { versions?: { node?: unknown } } | undefined)?.versions;
  if (typeof versions?.node === "string") return "node";
  return "unknown";
}

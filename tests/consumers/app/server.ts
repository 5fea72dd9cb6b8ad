// Deno, as a JSR user writes it: `@graceful/drain` and `@graceful/drain/hono` (mapped by the project's
// deno.json), hono from npm.
import { createShutdown, detectRuntime, serve } from "@graceful/drain";
import { graceful, type GracefulEnv } from "@graceful/drain/hono";
import { Hono } from "hono";
import { start } from "./app.mjs";

// Typed use of both entries, so that `deno check` has something to check.
const typed = new Hono<GracefulEnv>().get("/", (c) => c.text(String(c.var.shutdown.signal.aborted)));
void typed;
await start({ createShutdown, detectRuntime, serve, graceful, Hono });

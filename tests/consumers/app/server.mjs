// ESM, as a Node or Bun user writes it: both entry points of the installed package, and hono.
import { createShutdown, detectRuntime, serve } from "graceful-drain";
import { graceful } from "graceful-drain/hono";
import { Hono } from "hono";
import { start } from "./app.mjs";

await start({ createShutdown, detectRuntime, serve, graceful, Hono });

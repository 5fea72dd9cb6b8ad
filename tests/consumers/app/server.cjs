// CommonJS: require() of the ESM-only package, which Node >= 22.12 loads without a flag.
const { createShutdown, detectRuntime, serve } = require("graceful-drain");
const { graceful } = require("graceful-drain/hono");
const { Hono } = require("hono");
const { start } = require("./app.mjs");

start({ createShutdown, detectRuntime, serve, graceful, Hono }).catch((error) => {
  console.error(error);
  process.exit(1);
});

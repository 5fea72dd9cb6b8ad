import { after, before, describe, test } from "node:test";
import { npmFlags, peers, run, tarball, tempProject } from "./_consumer.ts";
import { assertDrained, drain } from "./_drain.ts";
import { runtime } from "../support/runtimes.ts";

// One project, installed once, run by every Node of the matrix: ESM import, and CommonJS require() of the
// ESM-only package, which Node loads without a flag from 22.12 on (the oldest supported Node is 22).
describe("npm package on Node 22, 24 and 26: ESM import and CommonJS require()", { timeout: 240_000 }, () => {
  const project = tempProject("node");
  after(() => project.remove());
  before(async () => {
    await run("npm", ["install", await tarball(), ...peers, ...npmFlags], project.dir);
  });

  for (const { name, command } of (["node22", "node24", "node26"] as const).map(runtime)) {
    test(`${name}, import: a request in flight at SIGTERM completes, a new one gets 503, exit 0`, async () => {
      assertDrained(await drain(command, ["server.mjs"], project.dir), "node");
    });

    test(`${name}, require() from a .cjs file: the same drain`, async () => {
      assertDrained(await drain(command, ["server.cjs"], project.dir), "node");
    });
  }
});

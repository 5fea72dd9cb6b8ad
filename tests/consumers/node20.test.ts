import { after, before, describe, test } from "node:test";
import { npmFlags, peers, run, tarball, tempProject } from "./_consumer.ts";
import { assertDrained, drain } from "./_drain.ts";
import { node20 } from "../e2e/_runtimes.ts";

const node = node20();

describe("npm package on Node 20: ESM import and CommonJS require()", {
  timeout: 240_000,
  skip: !node && "no Node 20 found",
}, () => {
  const project = tempProject("node20");
  after(() => project.remove());
  before(async () => {
    await run("npm", ["install", await tarball(), ...peers, ...npmFlags], project.dir);
  });

  test("import: a request in flight at SIGTERM completes, a new one gets 503, exit 0", async () => {
    assertDrained(await drain(node!, ["server.mjs"], project.dir), "node");
  });

  test("require() from a .cjs file: the same drain", async () => {
    assertDrained(await drain(node!, ["server.cjs"], project.dir), "node");
  });
});

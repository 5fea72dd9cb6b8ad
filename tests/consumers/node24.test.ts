import { after, before, describe, test } from "node:test";
import { bin, npmFlags, peers, run, tarball, tempProject } from "./_consumer.ts";
import { assertDrained, drain } from "./_drain.ts";

describe("npm package on Node 24", { timeout: 240_000 }, () => {
  const project = tempProject("node24");
  after(() => project.remove());
  before(async () => {
    await run("npm", ["install", await tarball(), ...peers, ...npmFlags], project.dir);
  });

  test("import: a request in flight at SIGTERM completes, a new one gets 503, exit 0", async () => {
    assertDrained(await drain(bin("node"), ["server.mjs"], project.dir), "node");
  });
});

import { after, before, describe, test } from "node:test";
import { bin, peers, run, tarball, tempProject } from "./_consumer.ts";
import { assertDrained, drain } from "./_drain.ts";

// `bun add` reaches the npm registry as npm does (registry.npmjs.org by default) through its own cache.
describe("npm package on Bun (bun add of the tarball)", { timeout: 240_000 }, () => {
  const project = tempProject("bun");
  after(() => project.remove());
  before(async () => {
    await run(bin("bun"), ["add", await tarball(), ...peers], project.dir);
  });

  test("import: a request in flight at SIGTERM completes, a new one gets 503, exit 0", async () => {
    assertDrained(await drain(bin("bun"), ["server.mjs"], project.dir), "bun");
  });
});

import { after, before, describe, test } from "node:test";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { bin, npmFlags, peers, root, run, tarball, tempProject, typesNode } from "./_consumer.ts";
import { assertDrained, drain } from "./_drain.ts";

// A Deno project that maps the JSR names to this repository's source, as it will resolve `jsr:@graceful/drain`.
// hono comes from npm through the node_modules the project installs (nodeModulesDir "manual"); with a manual
// node_modules, `deno check` also needs @types/node there (Deno types `node:` modules and npm packages with it).
describe("Deno project importing @graceful/drain by a local path mapping", { timeout: 240_000 }, () => {
  const project = tempProject("deno");
  after(() => project.remove());
  before(async () => {
    const hono = peers.find((p) => p.startsWith("hono@"))!;
    writeFileSync(
      join(project.dir, "deno.json"),
      JSON.stringify(
        {
          imports: {
            "@graceful/drain": pathToFileURL(join(root, "mod.ts")).href,
            "@graceful/drain/hono": pathToFileURL(join(root, "src/hono/mod.ts")).href,
            hono: `npm:${hono}`,
          },
          nodeModulesDir: "manual",
        },
        null,
        2,
      ),
    );
    await run("npm", ["install", hono, typesNode, ...npmFlags], project.dir);
  });

  test("deno check", async () => {
    await run(bin("deno"), ["check", "server.ts"], project.dir);
  });

  test("a request in flight at SIGTERM completes, a new one gets 503, exit 0", async () => {
    assertDrained(await drain(bin("deno"), ["run", "-A", "--quiet", "server.ts"], project.dir), "deno");
  });
});

// Deno users may also take the npm package: `npm install graceful-drain` beside a deno.json, run and checked by
// Deno from that node_modules.
describe("Deno project using the npm package from node_modules", { timeout: 240_000 }, () => {
  const project = tempProject("deno-npm");
  after(() => project.remove());
  before(async () => {
    writeFileSync(join(project.dir, "deno.json"), JSON.stringify({ nodeModulesDir: "manual" }, null, 2));
    await run("npm", ["install", await tarball(), ...peers, typesNode, ...npmFlags], project.dir);
  });

  test("deno check of the typed app", async () => {
    await run(bin("deno"), ["check", "typed.ts"], project.dir);
  });

  test("a request in flight at SIGTERM completes, a new one gets 503, exit 0", async () => {
    assertDrained(await drain(bin("deno"), ["run", "-A", "--quiet", "server.mjs"], project.dir), "deno");
  });
});

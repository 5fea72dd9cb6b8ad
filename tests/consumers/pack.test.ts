// What `npm publish` would upload: only the build, the README, the license and the manifest.
import { test } from "node:test";
import assert from "node:assert/strict";
import { root, run } from "./_consumer.ts";

test("npm pack contains only dist/, README.md, LICENSE and package.json", { timeout: 180_000 }, async () => {
  // Not --ignore-scripts: `prepack` builds dist/, as it does on publish.
  const output = await run("npm", ["pack", "--dry-run", "--json", "--silent"], root);
  const [{ files }] = JSON.parse(output.slice(output.indexOf("["))) as { files: { path: string }[] }[];
  const paths = files.map((f) => f.path).sort();
  const outside = paths.filter((p) =>
    !p.startsWith("dist/") && !["README.md", "LICENSE", "package.json"].includes(p)
  );
  assert.deepEqual(outside, [], "files outside dist/ besides README.md, LICENSE and package.json");
  for (
    const needed of [
      "README.md",
      "LICENSE",
      "package.json",
      "dist/mod.js",
      "dist/mod.d.ts",
      "dist/src/hono/mod.js",
      "dist/src/hono/mod.d.ts",
      "dist/src/cli.js",
    ]
  ) {
    assert.ok(paths.includes(needed), `${needed} is in the tarball`);
  }
  assert.ok(!paths.some((p) => /\.test\.|\.ts$/.test(p) && !p.endsWith(".d.ts")), "no source or test files");
});

// deno.json (JSR) and package.json (npm) must publish the same version and entry points.
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { checkExports, type Json, readJson } from "../../scripts/check_exports.ts";

const deno = readJson("deno.json");
const pkg = readJson("package.json");
const edited = (json: Json, edit: (copy: Json) => void): Json => {
  const copy = structuredClone(json);
  edit(copy);
  return copy;
};

describe("check_exports: deno.json against package.json", () => {
  test("this repository's manifests agree", () => {
    assert.deepEqual(checkExports(deno, pkg), []);
  });

  test("a version bumped in one manifest only fails", () => {
    const problems = checkExports(deno, edited(pkg, (p) => void (p.version = "0.2.0")));
    assert.equal(problems.length, 1);
    assert.match(problems[0], /"version" differs: deno.json has 0\.1\.0, package.json has 0\.2\.0/);
  });

  test("an entry point missing from package.json fails, naming the files it should point at", () => {
    const problems = checkExports(deno, edited(pkg, (p) => void delete (p.exports as Json)["./hono"]));
    assert.deepEqual(problems, [
      'deno.json exports "./hono", package.json does not (expected types ./dist/src/hono/mod.d.ts, default ./dist/src/hono/mod.js)',
    ]);
  });

  test("an entry point only package.json has fails", () => {
    const problems = checkExports(
      deno,
      edited(pkg, (p) => void ((p.exports as Json)["./sse"] = { types: "./dist/src/sse.d.ts" })),
    );
    assert.deepEqual(problems, ['package.json exports "./sse", deno.json does not']);
  });

  test("an npm entry pointing at another file than the JSR one fails", () => {
    const problems = checkExports(
      edited(deno, (d) => void ((d.exports as Json)["./hono"] = "./src/hono_v2.ts")),
      pkg,
    );
    assert.ok(problems.some((p) => p.includes('"types": "./dist/src/hono_v2.d.ts"')), problems.join("\n"));
  });

  test("with --dist, an entry that was not built fails", () => {
    const problems = checkExports(deno, pkg, (file) => !file.endsWith("hono/mod.js"));
    assert.deepEqual(problems, ["./dist/src/hono/mod.js was not built"]);
  });

  test("a bin that is not the build of ./cli fails", () => {
    const problems = checkExports(
      deno,
      edited(pkg, (p) => void (p.bin = { "graceful-drain": "dist/cli.js" })),
    );
    assert.deepEqual(problems, [
      'package.json "bin" must be { "graceful-drain": "dist/src/cli.js" } (the build of "./cli"), has "dist/cli.js"',
    ]);
  });

  test("with --dist, a bin without its shebang fails", () => {
    const problems = checkExports(deno, pkg, () => true, () => "// no shebang");
    assert.deepEqual(problems, [
      './dist/src/cli.js must start with "#!/usr/bin/env node" (the bin), starts with "// no shebang"',
    ]);
  });
});

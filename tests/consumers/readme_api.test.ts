// The README's API and options tables are checked against the code (scripts/check_readme.ts); these cases
// show that the check fails, and says what to add or remove, when they drift apart.
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { checkReadme, type PublicApi, readApi } from "../../scripts/check_readme.ts";
import { bin, root } from "./_consumer.ts";

const readme = readFileSync(join(root, "README.md"), "utf8");
const api = readApi(root, bin("deno"));
const withApi = (edit: (copy: PublicApi) => void): PublicApi => {
  const copy = structuredClone(api);
  edit(copy);
  return copy;
};
const withoutLine = (text: string, start: string) =>
  text.split("\n").filter((line) => !line.startsWith(start)).join("\n");

describe("check_readme: the README against the exports", () => {
  test("this README documents every export, Shutdown member and option", () => {
    assert.deepEqual(checkReadme(readme, api), []);
  });

  test("a new export without a row fails, naming it and its entry point", () => {
    const problems = checkReadme(readme, withApi((a) => void a.values.set("gracefulQueue", "./hono")));
    assert.deepEqual(problems, [
      'README.md "## API" table: add a row for `gracefulQueue` (exported by graceful-drain/hono)',
    ]);
  });

  test("a row for something not exported fails", () => {
    const problems = checkReadme(readme, withApi((a) => void a.values.delete("detectRuntime")));
    assert.deepEqual(problems, [
      'README.md "## API" table names `detectRuntime`, which neither entry point exports: remove or rename the row',
    ]);
  });

  test("a removed row fails", () => {
    const problems = checkReadme(withoutLine(readme, "| `detectRuntime()`"), api);
    assert.deepEqual(problems, [
      'README.md "## API" table: add a row for `detectRuntime` (exported by graceful-drain)',
    ]);
  });

  test("a new Shutdown method, a new type and new options without docs fail", () => {
    const problems = checkReadme(
      readme,
      withApi((a) => {
        a.shutdownMembers.push("trackSSE");
        a.types.set("QueueDrainOptions", "./hono");
        a.shutdownOptions.push("http2");
        a.serveOptions.push("unixSocket");
      }),
    );
    assert.deepEqual(problems, [
      'README.md "## API" table: add `shutdown.trackSSE` (a member of the Shutdown interface)',
      'README.md "## API": add `QueueDrainOptions` to the "**Types**" paragraph (a type exported by graceful-drain/hono)',
      'README.md "## Options" table: add a row for `http2` (a field of ShutdownOptions)',
      'README.md "## Options": name `unixSocket` among the serve() options (a field of ServeOptions)',
    ]);
  });
});

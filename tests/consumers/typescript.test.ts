import { after, before, describe, test } from "node:test";
import { bin, npmFlags, peers, run, tarball, tempProject, typesNode } from "./_consumer.ts";

// typed.ts uses both entries under `strict`, with @ts-expect-error lines that fail if the types were `any`.
describe(
  "npm package type-checks in a TypeScript project (tsc --noEmit, strict)",
  { timeout: 240_000 },
  () => {
    const project = tempProject("typescript");
    after(() => project.remove());
    before(async () => {
      await run("npm", ["install", await tarball(), ...peers, typesNode, ...npmFlags], project.dir);
    });

    for (const config of ["nodenext", "node16", "bundler"]) {
      test(`moduleResolution ${config}`, async () => {
        await run(bin("tsc"), ["-p", `tsconfig.${config}.json`], project.dir);
      });
    }
  },
);

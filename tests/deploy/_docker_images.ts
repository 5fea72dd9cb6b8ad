// Images built offline for the Docker tests. No registry is reachable, so the official base images
// (node:24-slim, oven/bun, denoland/deno) are stood in for by `docker import` of a directory holding what
// they provide to examples/docker/'s Dockerfiles: the runtime on PATH (this checkout's binary), the libraries
// `ldd` lists with the dynamic loader, /bin/sh (Debian's dash, as in node:24-slim), the users the Dockerfiles
// switch to, DENO_DIR. Each example Dockerfile is then built as written on top, with `docker build`.
import { chmodSync, copyFileSync, cpSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { spawnSync } from "node:child_process";
import { dirname, join } from "node:path";
import { runtime } from "../support/runtimes.ts";
import { root } from "./_app.ts";
import type { Engine } from "./_docker.ts";

/** The runtimes the example Dockerfiles start, by the command their CMD names. */
export const IMAGE_RUNTIMES: { node: string; deno: string; bun: string } = {
  node: runtime("node24").command, // node:24-slim
  deno: runtime("deno").command,
  bun: runtime("bun").command,
};
export type ImageRuntime = keyof typeof IMAGE_RUNTIMES;

/** What the official images set that the examples rely on. */
const CHANGES = [
  "ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
  "ENV DENO_DIR=/deno-dir/",
];
const USERS = { node: 1000, bun: 1001, deno: 1993 };

/** Imports a base image for `name` (`gd-base-<name>:test`) from a root filesystem built in `dir`. */
export function importBaseImage(engine: Engine, name: ImageRuntime, dir: string): string {
  const rootfs = join(dir, `rootfs-${name}`);
  const copy = (from: string, to: string) => {
    mkdirSync(join(rootfs, dirname(to)), { recursive: true });
    copyFileSync(from, join(rootfs, to)); // the file itself: the runtimes in node_modules/.bin are symlinks
    chmodSync(join(rootfs, to), 0o755);
  };
  const binary = `/usr/local/bin/${name}`;
  copy(IMAGE_RUNTIMES[name], binary);
  copy("/bin/dash", "/bin/sh");
  for (const executable of [IMAGE_RUNTIMES[name], "/bin/dash"]) {
    for (const library of sharedLibraries(executable)) copy(library, library);
  }
  for (const path of ["tmp", "deno-dir"]) {
    mkdirSync(join(rootfs, path), { recursive: true });
    chmodSync(join(rootfs, path), 0o1777);
  }
  mkdirSync(join(rootfs, "etc"), { recursive: true });
  const users = Object.entries(USERS);
  writeFileSync(
    join(rootfs, "etc/passwd"),
    [
      "root:x:0:0:root:/root:/bin/sh",
      ...users.map(([user, id]) => `${user}:x:${id}:${id}::/home/${user}:/bin/sh`),
    ]
      .join("\n") + "\n",
  );
  writeFileSync(
    join(rootfs, "etc/group"),
    ["root:x:0:", ...users.map(([user, id]) => `${user}:x:${id}:`)].join("\n") + "\n",
  );
  for (const [user, id] of users) {
    mkdirSync(join(rootfs, "home", user), { recursive: true });
    spawnSync("chown", [`${id}:${id}`, join(rootfs, "home", user)]);
  }
  const tag = `gd-base-${name}:test`;
  const tar = spawnSync("tar", ["-C", rootfs, "-c", "."], { maxBuffer: 1 << 30 });
  if (tar.status !== 0) throw new Error(`tar ${rootfs}: ${tar.stderr}`);
  engine.dockerSync(["import", ...CHANGES.flatMap((change) => ["--change", change]), "-", tag], {
    input: tar.stdout,
  });
  return tag;
}

/** The absolute paths `ldd` lists for `executable`, the dynamic loader included. */
function sharedLibraries(executable: string): string[] {
  const ldd = spawnSync("ldd", [executable], { encoding: "utf8" });
  if (ldd.status !== 0) throw new Error(`ldd ${executable}: ${ldd.stderr}`);
  return [...ldd.stdout.matchAll(/(\/\S+) \(0x/g)].map((match) => match[1]);
}

/**
 * Builds examples/docker/`file` as written, from `base` instead of its registry image, and returns the tag.
 * The build context is what `COPY . .` takes from a checkout (with the README's .dockerignore: no
 * node_modules), plus the packages a `RUN npm install` line would fetch, which this offline build drops.
 */
export function buildExample(engine: Engine, file: string, base: string, dir: string): string {
  const context = join(dir, `context-${file}`);
  for (const path of ["mod.ts", "src", "examples", "package.json", "deno.json"]) {
    cpSync(join(root, path), join(context, path), { recursive: true });
  }
  const dockerfile = readFileSync(join(root, "examples/docker", file), "utf8");
  for (const [, spec] of dockerfile.matchAll(/^RUN npm install .*?((?:@[\w-]+\/)?[\w-]+)@[\d.]+\s*$/gm)) {
    // With npm ≥ 7 the package's peer dependencies come along (hono for @hono/node-server).
    for (const name of [spec, ...Object.keys(packageJson(spec).peerDependencies ?? {})]) {
      cpSync(join(root, "node_modules", name), join(context, "node_modules", name), {
        recursive: true,
        dereference: true,
      });
    }
  }
  writeFileSync(
    join(context, "Dockerfile"),
    dockerfile.replace(/^FROM \S+/m, `FROM ${base}`).replace(/^RUN npm install .*$/gm, ""),
  );
  const tag = `gd-${file.toLowerCase().replace(/[^a-z0-9]+/g, "-")}:test`;
  // The legacy builder runs RUN steps on the default bridge, which this engine does not have.
  engine.dockerSync(["build", "--network=host", "-q", "-t", tag, context]);
  return tag;
}

function packageJson(name: string): { peerDependencies?: Record<string, string> } {
  return JSON.parse(readFileSync(join(root, "node_modules", name, "package.json"), "utf8"));
}

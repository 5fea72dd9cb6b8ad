// Consumer tests: the package as users get it. The tarball `npm pack` makes is installed into fresh temporary
// projects (one per test file, removed afterwards), whose entry files in app/ import it the way users do; the
// app then drains a request held in flight at a real SIGTERM (_drain.ts).
import { spawn } from "node:child_process";
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

export const root: string = resolve(fileURLToPath(new URL("../..", import.meta.url)));
export const bin = (name: string): string => join(root, "node_modules/.bin", name);
const APP = join(root, "tests/consumers/app");

const manifest = JSON.parse(readFileSync(join(root, "package.json"), "utf8"));
/** The peers at the versions this repository tests with (already in npm's cache: `--prefer-offline` finds them). */
export const peers: string[] = ["hono", "@hono/node-server"].map((name) =>
  `${name}@${manifest.devDependencies[name]}`
);
export const typesNode: string = `@types/node@${manifest.devDependencies["@types/node"]}`;
export const npmFlags: string[] = ["--prefer-offline", "--no-audit", "--no-fund", "--loglevel=error"];

/** Runs a command to completion; rejects with its output when it fails or outlasts `timeoutMs`. */
export function run(command: string, args: string[], cwd: string, timeoutMs = 180_000): Promise<string> {
  return new Promise((resolvePromise, reject) => {
    // Its own process group, so that a timeout also ends what the command started (npm's scripts).
    const child = spawn(command, args, { cwd, detached: true, stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    child.stdout.on("data", (chunk) => void (output += chunk));
    child.stderr.on("data", (chunk) => void (output += chunk));
    const timer = setTimeout(() => {
      try {
        process.kill(-child.pid!, "SIGKILL");
      } catch { /* already gone */ }
    }, timeoutMs);
    child.on("error", (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      if (code === 0) resolvePromise(output);
      else {reject(
          new Error(
            `${command} ${args.join(" ")} failed (${signal ?? `exit ${code}`}) in ${cwd}:\n${output}`,
          ),
        );}
    });
  });
}

/**
 * The tarball `npm pack` makes (its `prepack` builds dist/), packed once into .tmp/consumers/ and reused by
 * the other consumer tests until a file that goes into it changes.
 */
export async function tarball(): Promise<string> {
  const dir = join(root, ".tmp/consumers");
  const file = join(dir, `${manifest.name}-${manifest.version}.tgz`);
  const inputs = ["mod.ts", "package.json", "README.md", "LICENSE", "tsconfig.build.json", ...files("src")];
  const newest = Math.max(...inputs.map((f) => statSync(join(root, f)).mtimeMs));
  if (existsSync(file) && statSync(file).mtimeMs > newest) return file;
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  await run("npm", ["pack", "--pack-destination", dir, "--silent"], root);
  if (!existsSync(file)) throw new Error(`npm pack made no ${file}`);
  return file;
}

function files(dir: string): string[] {
  return readdirSync(join(root, dir), { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? files(`${dir}/${entry.name}`) : [`${dir}/${entry.name}`]
  );
}

/** A fresh project in the system's temp directory with app/'s files in it; `remove()` deletes it. */
export function tempProject(label: string): { dir: string; remove(): void } {
  const dir = mkdtempSync(join(tmpdir(), `graceful-drain-${label}-`));
  cpSync(APP, dir, { recursive: true });
  writeFileSync(
    join(dir, "package.json"),
    JSON.stringify({ name: `consumer-${label}`, private: true, type: "module" }, null, 2),
  );
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

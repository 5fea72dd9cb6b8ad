// Fails when the README's reference and the code disagree, naming what to add or remove, so that whoever adds
// an export, a `shutdown` method or an option also documents it. Compared, from `deno doc --json` of every
// entry point in deno.json: the "## API" table (every exported function, class and constant, every member of
// `Shutdown`; every exported type in its "**Types**" paragraph) and the "## Options" section (every field of
// `ShutdownOptions` in its table, every field of `ServeOptions` named in it).
// Usage: node scripts/check_readme.ts
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import process from "node:process";
import { fileURLToPath } from "node:url";
import { readJson } from "./check_exports.ts";

/** What the code exports, as the README must describe it. */
export interface PublicApi {
  /** Exported functions, classes and constants, with the entry point ("." , "./hono", …) of each. */
  values: Map<string, string>;
  /** Exported types and interfaces, with their entry point. */
  types: Map<string, string>;
  /** Properties and methods of the `Shutdown` interface (`[Symbol.asyncDispose]` for `await using`). */
  shutdownMembers: string[];
  shutdownOptions: string[];
  serveOptions: string[];
}

interface DocNode {
  name: string;
  declarations: { kind: string; def?: { properties?: { name: string }[]; methods?: { name: string }[] } }[];
}

/** The entry points deno.json exports (the same as package.json's, which check_exports ensures): key → file. */
export function entryPoints(): Record<string, string> {
  const exports = readJson("deno.json").exports as string | Record<string, string>;
  const map = typeof exports === "string" ? { ".": exports } : exports;
  return Object.fromEntries(Object.entries(map).map(([key, file]) => [key, file.replace(/^\.\//, "")]));
}

const VALUE_KINDS = new Set(["function", "class", "variable", "enum", "namespace"]);

/** Reads the public API of every entry point of deno.json with `deno doc --json` (the same view JSR documents). */
export function readApi(root: string, deno: string): PublicApi {
  const entries = entryPoints();
  const result = spawnSync(deno, ["doc", "--json", ...Object.values(entries)], {
    cwd: root,
    encoding: "utf8",
    maxBuffer: 64 * 1024 * 1024,
  });
  if (result.status !== 0) throw new Error(`deno doc --json failed:\n${result.stderr}`);
  const doc = JSON.parse(result.stdout) as { nodes: Record<string, { symbols: DocNode[] }> };
  const api: PublicApi = {
    values: new Map(),
    types: new Map(),
    shutdownMembers: [],
    shutdownOptions: [],
    serveOptions: [],
  };
  for (const [entry, file] of Object.entries(entries)) {
    const symbols = Object.entries(doc.nodes).find(([url]) => url.endsWith(`/${file}`))?.[1].symbols ?? [];
    for (const symbol of symbols) {
      const kinds = symbol.declarations.map((d) => d.kind);
      (kinds.some((k) => VALUE_KINDS.has(k)) ? api.values : api.types).set(symbol.name, entry);
      const def = symbol.declarations.find((d) => d.kind === "interface")?.def;
      const fields = [...(def?.properties ?? []), ...(def?.methods ?? [])].map((m) => m.name);
      if (symbol.name === "Shutdown") api.shutdownMembers = [...fields, "[Symbol.asyncDispose]"];
      if (symbol.name === "ShutdownOptions") api.shutdownOptions = fields;
      if (symbol.name === "ServeOptions") api.serveOptions = fields;
    }
  }
  return api;
}

/** The text of the `## title` section, up to the next `## ` heading. */
function section(readme: string, title: string): string {
  const start = readme.search(new RegExp(`^## ${title}\\s*$`, "m"));
  if (start === -1) return "";
  const rest = readme.slice(start + 1);
  const end = rest.search(/^## /m);
  return end === -1 ? rest : rest.slice(0, end);
}

/** The cells of each row of the Markdown tables in `text`, header and separator rows left out. */
function rows(text: string): string[][] {
  const lines = text.split("\n").filter((line) => line.trimStart().startsWith("|"));
  return lines
    .map((line) => line.trim().replace(/^\||\|$/g, "").split("|").map((cell) => cell.trim()))
    .filter((cells, i, all) => !/^[-: ]+$/.test(cells[0]) && !/^[-: ]+$/.test(all[i + 1]?.[0] ?? "x"));
}

const codeSpans = (text: string): string[] => [...text.matchAll(/`([^`]+)`/g)].map((m) => m[1]);

/** Every disagreement between the README and `api`, as a sentence naming the fix; empty when they agree. */
export function checkReadme(readme: string, api: PublicApi): string[] {
  const problems: string[] = [];
  const table = rows(section(readme, "API"));
  if (table.length === 0) return ['README.md has no "## API" section with a table'];

  const named = new Set<string>();
  const members = new Set<string>();
  const typeNames = new Set<string>();
  const typesParagraph = /^\*\*Types\*\*[\s\S]*?(?=\n\s*\n|(?![\s\S]))/m.exec(section(readme, "API"))?.[0] ??
    "";
  for (const span of codeSpans(typesParagraph)) {
    if (/^[A-Za-z_$][\w$]*$/.test(span)) typeNames.add(span);
  }
  for (const [first] of table) {
    for (const span of codeSpans(first)) {
      const member = /^shutdown\.(\w+)/.exec(span)?.[1];
      if (member) members.add(member);
      else if (/^await using\b/.test(span)) members.add("[Symbol.asyncDispose]");
      else if (/^[A-Za-z_$][\w$]*/.test(span)) named.add(/^[A-Za-z_$][\w$]*/.exec(span)![0]);
    }
  }
  const entry = (name: string, map: Map<string, string>) => `graceful-drain${map.get(name)!.slice(1)}`;

  for (const [name] of api.values) {
    if (!named.has(name)) {
      problems.push(
        `README.md "## API" table: add a row for \`${name}\` (exported by ${entry(name, api.values)})`,
      );
    }
  }
  for (const name of named) {
    if (!api.values.has(name)) {
      problems.push(
        `README.md "## API" table names \`${name}\`, which neither entry point exports: remove or rename the row`,
      );
    }
  }
  for (const name of api.shutdownMembers) {
    if (!members.has(name)) {
      const shown = name === "[Symbol.asyncDispose]"
        ? "await using s = createShutdown()"
        : `shutdown.${name}`;
      problems.push(`README.md "## API" table: add \`${shown}\` (a member of the Shutdown interface)`);
    }
  }
  for (const name of members) {
    if (!api.shutdownMembers.includes(name)) {
      problems.push(`README.md "## API" table names \`shutdown.${name}\`, which Shutdown does not have`);
    }
  }
  for (const [name] of api.types) {
    if (!typeNames.has(name)) {
      problems.push(
        `README.md "## API": add \`${name}\` to the "**Types**" paragraph (a type exported by ${
          entry(name, api.types)
        })`,
      );
    }
  }
  for (const name of typeNames) {
    if (!api.types.has(name)) {
      problems.push(
        `README.md "## API" "**Types**" paragraph names \`${name}\`, which no entry point exports`,
      );
    }
  }

  const options = section(readme, "Options");
  const optionRows = new Set(rows(options).map(([first]) => codeSpans(first)[0]).filter(Boolean));
  for (const name of api.shutdownOptions) {
    if (!optionRows.has(name)) {
      problems.push(`README.md "## Options" table: add a row for \`${name}\` (a field of ShutdownOptions)`);
    }
  }
  for (const name of optionRows) {
    if (!api.shutdownOptions.includes(name)) {
      problems.push(`README.md "## Options" table has \`${name}\`, which ShutdownOptions does not have`);
    }
  }
  const mentioned = new Set(codeSpans(options));
  for (const name of api.serveOptions) {
    if (!mentioned.has(name)) {
      problems.push(
        `README.md "## Options": name \`${name}\` among the serve() options (a field of ServeOptions)`,
      );
    }
  }
  return problems;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const root = fileURLToPath(new URL("..", import.meta.url));
  const api = readApi(root, join(root, "node_modules/.bin/deno"));
  const problems = checkReadme(readFileSync(join(root, "README.md"), "utf8"), api);
  if (problems.length > 0) {
    console.error(`check_readme: the README and the code disagree:\n  - ${problems.join("\n  - ")}`);
    process.exit(1);
  }
  console.log(
    `check_readme: ok, README.md documents ${api.values.size} exports, ${api.types.size} types, ` +
      `${api.shutdownMembers.length} Shutdown members, ${api.shutdownOptions.length} + ${api.serveOptions.length} options`,
  );
}

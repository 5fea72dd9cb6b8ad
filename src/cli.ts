#!/usr/bin/env node
/**
 * The `graceful-drain` command: `graceful-drain verify [options] -- <command> [args…]` starts a server,
 * drives HTTP load at it, sends it a signal with the load still going, and reports every request lost.
 * It speaks only HTTP and signals, so it verifies any server in any language. Exit status: 0 when nothing was
 * lost and the command exited within `--timeout`, 1 otherwise, 2 for a usage error.
 *
 * ```sh
 * npx graceful-drain verify -- node server.js
 * deno run -A jsr:@graceful/drain/cli verify --ready-path /ready -- deno run -A main.ts
 * ```
 *
 * @module
 */
import { writeFileSync } from "node:fs";
import { cliArguments, exitNow, onInterrupt, writeError, writeOut } from "./runtimes/_cli_process.ts";
import { parseVerifyArgs, USAGE, UsageError } from "./_cli/args.ts";
import { AppFailure, type Command } from "./_cli/command.ts";
import { formatReport } from "./_cli/report.ts";
import { verify } from "./_cli/verify.ts";

async function main(argv: string[]): Promise<number> {
  const [subcommand, ...rest] = argv;
  if (subcommand === "-h" || subcommand === "--help") {
    await writeOut(`${USAGE}\n`);
    return 0;
  }
  let running: Command | undefined;
  // Interrupted (Ctrl-C, a CI timeout): take the command and what it started down too.
  onInterrupt((exitCode) => {
    running?.killGroup();
    exitNow(exitCode);
  });
  try {
    if (subcommand !== "verify") {
      throw new UsageError(subcommand === undefined ? "no subcommand" : `unknown subcommand ${subcommand}`);
    }
    const options = parseVerifyArgs(rest);
    if (options === "help") {
      await writeOut(`${USAGE}\n`);
      return 0;
    }
    const result = await verify(options, {
      output: (chunk) => void writeError(chunk),
      progress: (line) => void writeError(`graceful-drain: ${line}\n`),
      started: (command) => (running = command),
    });
    if (options.json) writeFileSync(options.json, `${JSON.stringify(result, null, 2)}\n`);
    await writeOut(`${formatReport(result).join("\n")}\n`);
    return result.ok ? 0 : 1;
  } catch (error) {
    if (error instanceof UsageError) {
      await writeError(`graceful-drain: ${error.message}\n\n${USAGE}\n`);
      return 2;
    }
    if (error instanceof AppFailure) {
      await writeError(`graceful-drain: ${error.message}\n`);
      return 1;
    }
    throw error;
  }
}

// Exit explicitly: the command's output pipes, or a check still in flight, must not keep this process up.
exitNow(await main(cliArguments()));

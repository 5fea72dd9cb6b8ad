// Load from wrk: a C load generator, so that the client costs the shared CPU as little as possible.
import { execFileSync, spawnSync } from "node:child_process";
import { CLIENT_CORE, pinned } from "./cores.ts";

/** Installs wrk from Debian when it is missing (the benchmark needs root, as on CI runners). */
export function ensureWrk(): void {
  if (spawnSync("wrk", ["--version"]).error === undefined) return;
  console.log("wrk not found: apt-get install -y wrk");
  execFileSync("sh", ["-c", "apt-get update && apt-get install -y wrk"], { stdio: "inherit" });
}

/** Runs wrk against 127.0.0.1:port; resolves with the requests served and the rate. */
export function wrk(
  port: number,
  seconds: number,
  connections: number,
): Promise<{ requests: number; rps: number }> {
  return new Promise((resolve, reject) => {
    import("node:child_process").then(({ execFile }) =>
      execFile(
        ...pinned(CLIENT_CORE, "wrk", [
          "-t1",
          `-c${connections}`,
          `-d${seconds}s`,
          `http://127.0.0.1:${port}/`,
        ]),
        (error, stdout) => {
          if (error) return reject(error);
          const requests = Number(/(\d+) requests in/.exec(stdout)?.[1]);
          const rps = Number(/Requests\/sec:\s+([\d.]+)/.exec(stdout)?.[1]);
          if (!(requests > 0)) return reject(new Error(`wrk served nothing:\n${stdout}`));
          resolve({ requests, rps });
        },
      )
    );
  });
}

/**
 * Runs wrk against 127.0.0.1:port in 1 s rounds until it has had at least `requests` responses (wrk stops by
 * time only: a script's thread:stop() still waits out the duration). Resolves with the responses had.
 */
export async function wrkRequests(port: number, requests: number, connections: number): Promise<number> {
  let had = 0;
  while (had < requests) had += (await wrk(port, 1, connections)).requests;
  return had;
}

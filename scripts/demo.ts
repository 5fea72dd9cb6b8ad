// `npm run demo`: runs examples/hono.ts under load, sends it SIGTERM, and shows what the server logged and
// what its clients saw. Exits 0 only if no request was lost and the server exited 0.
import { spawn } from "node:child_process";
import { Agent, get, type IncomingMessage } from "node:http";
import process from "node:process";
import { setTimeout as sleep } from "node:timers/promises";

const HARD_CAP_MS = 15_000;
const CLIENTS = 4;

// PORT=0 lets the OS pick a free port; the example prints the one it got from serve()'s onListen.
const child = spawn(process.execPath, ["examples/hono.ts"], {
  env: { ...process.env, PORT: "0", HOST: "127.0.0.1" },
  stdio: ["ignore", "pipe", "pipe"],
});
const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
let serverGone = false;
void exited.then(() => (serverGone = true));

const port = await new Promise<number>((resolve, reject) => {
  let buffered = "";
  const onLine = (line: string) => {
    console.log(`server | ${line}`);
    const match = line.match(/listening on http:\/\/[^:]+:(\d+)/);
    if (match) resolve(Number(match[1]));
  };
  for (const stream of [child.stdout, child.stderr]) {
    stream.setEncoding("utf8").on("data", (chunk: string) => {
      buffered += chunk;
      const lines = buffered.split("\n");
      buffered = lines.pop()!;
      lines.forEach(onLine);
    });
  }
  void exited.then((code) => reject(new Error(`server exited (${code}) before listening`)));
});

/** One GET; resolves with the response (body read) or the error. Never rejects. */
function request(path: string, agent: Agent | false): Promise<{ status: number; body: string } | Error> {
  return new Promise((resolve) => {
    get({ host: "127.0.0.1", port, path, agent }, (res) => {
      let body = "";
      res.setEncoding("utf8").on("data", (chunk: string) => (body += chunk));
      res.on("end", () => resolve({ status: res.statusCode!, body }));
      res.on("error", resolve);
    }).on("error", resolve);
  });
}

// Keep-alive clients: each reuses one socket, so each sees the moment its connection is shed.
const seen = { ok: 0, refused: 0, connectionRefused: 0, lost: 0, other: 0 };
async function keepAliveClient(): Promise<void> {
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  while (!serverGone) {
    const result = await request("/", agent);
    if (result instanceof Error) {
      // ECONNREFUSED: the listener is closed, the request was never sent. Anything else (a reset, a hang-up)
      // on a request that was sent is a lost request, which graceful-drain promises never happens.
      if ((result as NodeJS.ErrnoException).code === "ECONNREFUSED") seen.connectionRefused++;
      else seen.lost++;
      await sleep(50);
    } else if (result.status === 200) seen.ok++;
    else if (result.status === 503) {
      seen.refused++;
      await sleep(50); // the 503 says Retry-After: back off instead of spinning
    } else seen.other++;
  }
  agent.destroy();
}

// One SSE stream: records event names; should end with the server's "shutdown" event.
const events: string[] = [];
const sse = new Promise<string>((resolve) => {
  get({ host: "127.0.0.1", port, path: "/events" }, (res: IncomingMessage) => {
    let buffered = "";
    res.setEncoding("utf8").on("data", (chunk: string) => {
      buffered += chunk;
      const blocks = buffered.split("\n\n");
      buffered = blocks.pop()!;
      for (const block of blocks) {
        const name = block.match(/^event: (.*)$/m)?.[1];
        if (name) events.push(name);
      }
    });
    res.on("end", () => resolve("ended cleanly"));
    res.on("error", (error) => resolve(`error: ${error.message}`));
  }).on("error", (error) => resolve(`error: ${error.message}`));
});

const clients = Array.from({ length: CLIENTS }, keepAliveClient);
const slow = request("/slow", false);

// Let the load run for a second, then do what an orchestrator does.
await sleep(1000);
console.log(`demo   | SIGTERM to the server (pid ${child.pid})`);
child.kill("SIGTERM");

const timedOut = Symbol("timed out");
const code = await Promise.race([exited, sleep(HARD_CAP_MS - 1000, timedOut)]);
if (code === timedOut) {
  console.log("demo   | server still running at the hard cap: killing it");
  child.kill("SIGKILL");
  serverGone = true;
}
// Once the server is gone every pending request errors out, so these settle promptly.
await Promise.all(clients);
const slowResult = await slow;
const sseEnd = await sse;

const ticks = events.filter((name) => name === "tick").length;
console.log(`
summary
  keep-alive clients (${CLIENTS}), GET / in a loop:
    answered 200:        ${seen.ok}
    refused 503:         ${seen.refused}
    connection refused:  ${seen.connectionRefused} (after the server exited, before the demo saw it; never sent)
    lost:                ${seen.lost}${seen.other ? `\n    other status:        ${seen.other}` : ""}
  GET /slow:             ${
  slowResult instanceof Error
    ? `error: ${slowResult.message}`
    : `${slowResult.status} ${slowResult.body.trim()}`
}
  GET /events (SSE):     ${ticks} tick events, then [${
  events.filter((n) => n !== "tick").join(", ")
}], ${sseEnd}
  server exit code:      ${code === timedOut ? "killed at the hard cap" : code}`);

const passed = seen.lost === 0 && code === 0 && events.at(-1) === "shutdown";
console.log(passed ? "\nOK: nothing lost, clean exit" : "\nFAILED");
process.exit(passed ? 0 : 1);

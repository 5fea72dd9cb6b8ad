// Does closing a SO_REUSEPORT listener drop the connections still in its accept queue, and does the kernel's
// net.ipv4.tcp_migrate_req (Linux >= 5.14) move them to the other listener instead? Two Node processes
// listen on one port with reusePort; the old one is stopped (SIGSTOP) so that connections routed to it wait
// in its queue; clients connect and send a request each; then the old one is killed, closing its listener.
// Prints how many requests were answered (by the new process) and how many were reset, with the sysctl off
// (this network namespace) and on (a new one made with `unshare --net`, where the sysctl may be set).
//   node bench/reuseport_queue.ts          (needs root for unshare --net and the sysctl)
import { spawn, spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { connect, createServer } from "node:net";
import process from "node:process";

const CLIENTS = 200;
const SERVER = `
  const server = require("node:http").createServer((req, res) => res.end("ok"));
  server.listen({ port: Number(process.argv[1]), host: "127.0.0.1", reusePort: true }, () => console.log("up"));
`;

if (process.argv[2] === "--inside") {
  console.log(JSON.stringify(await measure()));
} else {
  const off = await measure();
  const inside = spawnSync(
    "unshare",
    [
      "--net",
      "sh",
      "-c",
      `ip link set lo up && echo 1 > /proc/sys/net/ipv4/tcp_migrate_req && "$0" "$1" --inside`,
      process.execPath,
      new URL(import.meta.url).pathname,
    ],
    { encoding: "utf8", timeout: 60_000 },
  );
  const on = inside.status === 0
    ? JSON.parse(inside.stdout.trim().split("\n").at(-1)!)
    : inside.stderr.trim();
  console.log(
    `kernel ${readFileSync("/proc/sys/kernel/osrelease", "utf8").trim()}, ${CLIENTS} connections, ` +
      `about half queued at the old listener when it closes`,
  );
  console.log(`tcp_migrate_req=0: answered ${off.answered}, reset ${off.reset}, other ${off.other}`);
  console.log(
    typeof on === "string"
      ? `tcp_migrate_req=1: could not measure (${on})`
      : `tcp_migrate_req=1: answered ${on.answered}, reset ${on.reset}, other ${on.other}`,
  );
}

async function measure(): Promise<{ answered: number; reset: number; other: number; migrate: string }> {
  const port = await new Promise<number>((resolve) => {
    const probe = createServer().listen(0, "127.0.0.1", () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });
  const start = async () => {
    const child = spawn(process.execPath, ["-e", SERVER, String(port)], {
      stdio: ["ignore", "pipe", "inherit"],
    });
    await new Promise((resolve) => child.stdout!.once("data", resolve));
    return child;
  };
  const old = await start();
  const fresh = await start();
  old.kill("SIGSTOP"); // its listener stays open but nothing accepts: its share of connections queues up
  const results = await new Promise<string[]>((resolve) => {
    const outcomes: string[] = [];
    let connected = 0;
    for (let i = 0; i < CLIENTS; i++) {
      const socket = connect(port, "127.0.0.1");
      let answer = "";
      socket.on("connect", () => {
        socket.write("GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
        // Once every client is connected (queued or accepted), close the old listener.
        if (++connected === CLIENTS) setTimeout(() => old.kill("SIGKILL"), 200);
      });
      socket.on("data", (chunk) => (answer += chunk));
      socket.on("error", (error: NodeJS.ErrnoException) => (answer ||= `error ${error.code}`));
      socket.on("close", () => {
        outcomes.push(
          answer.startsWith("HTTP/1.1 200")
            ? "answered"
            : answer.startsWith("error ECONNRESET")
            ? "reset"
            : answer || "closed",
        );
        if (outcomes.length === CLIENTS) resolve(outcomes);
      });
    }
  });
  fresh.kill("SIGKILL");
  const count = (kind: string) => results.filter((r) => r === kind).length;
  return {
    answered: count("answered"),
    reset: count("reset"),
    other: CLIENTS - count("answered") - count("reset"),
    migrate: readFileSync("/proc/sys/net/ipv4/tcp_migrate_req", "utf8").trim(),
  };
}

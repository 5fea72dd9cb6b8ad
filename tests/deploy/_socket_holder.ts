// Stands in for systemd across restarts, which systemd itself cannot do here (it is not PID 1): run under
// `systemd-socket-activate`, which binds the listening socket and passes it as fd 3, it starts the app with
// that socket as fd 3 and LISTEN_FDS=1, LISTEN_PID=<the app's pid>, as systemd starts a socket-activated
// service, and on SIGHUP restarts it as `systemctl restart` does: SIGTERM, wait for the exit, start anew. The
// socket stays open here the whole time, so connections that arrive between two instances wait in the
// kernel's queue. Its stdout: the app's lines, and one JSON line per exit and per new instance listening.
//   systemd-socket-activate -l 127.0.0.1:PORT node tests/deploy/_socket_holder.ts <runtime> app.ts
import { type ChildProcess, spawn } from "node:child_process";
import process from "node:process";

const command = process.argv.slice(2);
let child: ChildProcess | undefined;
let stopping = false;

const report = (event: Record<string, unknown>) => console.log(JSON.stringify(event));

function start(): void {
  const started = performance.now();
  // LISTEN_PID must be the app's own pid, known only once forked: the shell sets it, then becomes the app.
  const app = spawn("sh", ["-c", 'LISTEN_PID=$$ exec "$@"', "sh", ...command], {
    stdio: ["ignore", "pipe", "inherit", 3],
    env: { ...process.env, LISTEN_FDS: "1" },
  });
  child = app;
  let partial = "";
  let listening = false;
  app.stdout!.setEncoding("utf8").on("data", (text: string) => {
    process.stdout.write(text);
    const lines = (partial + text).split("\n");
    partial = lines.pop()!;
    if (!listening && lines.some((line) => line.includes("listening on"))) {
      listening = true;
      report({ event: "listening", pid: app.pid, startMs: Math.round(performance.now() - started) });
    }
  });
  app.on("exit", (code, signal) => {
    report({ event: "exit", pid: app.pid, code, signal });
    if (stopping) process.exit(0);
  });
}

/** SIGTERM, then start the next instance once this one has exited; reports how long the stop took. */
process.on("SIGHUP", () => {
  const old = child;
  if (!old || old.exitCode !== null) return start();
  const stopAt = performance.now();
  old.once("exit", () => {
    report({ event: "stopped", pid: old.pid, stopMs: Math.round(performance.now() - stopAt) });
    start();
  });
  old.kill("SIGTERM");
});

process.on("SIGTERM", () => {
  stopping = true;
  if (!child || child.exitCode !== null || child.signalCode !== null) process.exit(0);
  child.kill("SIGTERM");
});

start();

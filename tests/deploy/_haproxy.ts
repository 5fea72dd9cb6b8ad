// HAProxy started by a test: its config in a temp dir, its admin socket to read server states, its log of
// health-check transitions on stderr to wait on.
import { writeFileSync } from "node:fs";
import { connect } from "node:net";
import { join } from "node:path";
import { Proc } from "../support/process.ts";
import { ensureCommand } from "./_system.ts";

/** A running HAProxy in the foreground (`-db`), its admin socket in `dir`. */
export class HAProxy {
  readonly process: Proc;
  readonly socket: string;

  private constructor(process: Proc, socket: string) {
    this.process = process;
    this.socket = socket;
  }

  /** Writes `config` (with `{socket}` replaced) to `dir`, checks it, starts HAProxy, waits for its socket. */
  static async start(dir: string, config: string): Promise<HAProxy> {
    const haproxy = ensureCommand("haproxy", "haproxy");
    const socket = join(dir, "admin.sock");
    const file = join(dir, "haproxy.cfg");
    writeFileSync(file, config.replaceAll("{socket}", socket));
    const process = new Proc(haproxy, ["-db", "-f", file]);
    const started = new HAProxy(process, socket);
    const deadline = performance.now() + 10_000;
    for (;;) {
      try {
        await started.command("show info");
        return started;
      } catch (error) {
        if (!process.running || performance.now() > deadline) {
          process.dispose();
          throw new Error(`HAProxy did not start: ${error}\n${process.output}`);
        }
        await new Promise((resolve) => setTimeout(resolve, 50)); // its socket appears once it is up
      }
    }
  }

  /** Sends one command to the admin socket and resolves with the answer. */
  command(line: string): Promise<string> {
    return new Promise((resolve, reject) => {
      const socket = connect(this.socket);
      let answer = "";
      socket.setEncoding("utf8");
      socket.on("data", (chunk) => (answer += chunk));
      socket.on("error", reject);
      socket.on("end", () => resolve(answer));
      socket.write(`${line}\n`);
    });
  }

  /** The `status` column of each server of `backend` (`UP`, `DOWN`, `UP 1/2`, `NOLB`, …). */
  async states(backend: string): Promise<Record<string, string>> {
    const csv = await this.command("show stat");
    const [header, ...rows] = csv.replace(/^# /, "").trim().split("\n").map((line) => line.split(","));
    const column = (name: string) => header.indexOf(name);
    const states: Record<string, string> = {};
    for (const row of rows) {
      if (row[column("pxname")] !== backend) continue;
      const name = row[column("svname")];
      if (name !== "BACKEND" && name !== "FRONTEND") states[name] = row[column("status")];
    }
    return states;
  }

  /**
   * Resolves once every server of `backend` is fully `UP`. At start HAProxy shows them "UP 1/2" (up, but
   * one failed check takes them out) until their first check passed, and logs no transition for that, so
   * the admin socket is asked again until then.
   */
  async waitAllUp(backend: string, ms: number): Promise<void> {
    const deadline = performance.now() + ms;
    for (;;) {
      const states = await this.states(backend);
      if (Object.values(states).every((state) => state === "UP")) return;
      if (performance.now() > deadline) {
        throw new Error(`not all UP after ${ms} ms: ${JSON.stringify(states)}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  /**
   * Resolves once HAProxy logs that `backend/server` went `UP` or `DOWN` after output offset `from` (it logs
   * each transition of a health check at once), and confirms the state on the admin socket. Returns the
   * offset to wait from next time.
   */
  async waitForState(
    backend: string,
    server: string,
    state: "UP" | "DOWN",
    ms: number,
    from: number,
  ): Promise<number> {
    const { end } = await this.process.waitForOutput(
      new RegExp(`Server ${backend}/${server} is ${state}\\b`),
      ms,
      from,
    );
    const now = (await this.states(backend))[server];
    if (now !== state) throw new Error(`HAProxy logged ${server} ${state} but its stats say ${now}`);
    return end;
  }

  /** Stops HAProxy (SIGUSR1 would wait for connections; the test is over, so SIGTERM). */
  async stop(): Promise<void> {
    this.process.kill("SIGTERM");
    await this.process.exit(5_000);
  }
}

// Ports for tests and benchmarks whose servers cannot take port 0 (a launcher, a process manager).
import { createServer } from "node:net";

/** A port free on 127.0.0.1 right now: the kernel's pick for port 0, released again. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

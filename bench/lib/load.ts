// A keep-alive HTTP/1.1 client on raw sockets, many connections in one process, that tells apart what a
// shutdown may do to a request: answered (200), refused (503, or the connection refused before anything was
// sent: both safe to retry elsewhere), or lost (written, then the connection closed without an answer).
// Like the e2e load test's clients, a client reconnects after `Connection: close` and stops after a 503.
import { connect, type Socket } from "node:net";

export interface Outcome {
  status: number;
  /** performance.now() when the request was written and when its whole response had arrived. */
  sent: number;
  done: number;
}

export class Load {
  readonly outcomes: Outcome[] = [];
  /** Response bodies, kept only when a client sends one request (`repeat` off). */
  readonly bodies: string[] = [];
  lost = 0;
  refusedConnections = 0;
  #stopped = false;
  #sockets = new Set<Socket>();
  #running: Promise<void>[] = [];
  #unsent: number;
  #onSent: (() => void) | undefined;
  /** Resolves once every client has written its first request (or failed to connect). */
  readonly ready: Promise<void>;

  /** `connections` clients, each sending `path` again as soon as its previous response has arrived. */
  readonly port: number;
  readonly path: string;
  readonly repeat: boolean;

  constructor(port: number, connections: number, path = "/", repeat = true) {
    this.port = port;
    this.path = path;
    this.repeat = repeat;
    this.#unsent = connections;
    this.ready = new Promise((resolve) => (this.#onSent = resolve));
    for (let i = 0; i < connections; i++) this.#running.push(this.#client());
  }

  /** Stops sending; resolves once every client has ended. */
  async stop(): Promise<void> {
    this.#stopped = true;
    for (const socket of this.#sockets) socket.destroy();
    await Promise.all(this.#running);
  }

  /** Resolves when every client has ended by itself (the server has gone, or `repeat` is off). */
  finished(): Promise<void> {
    return Promise.all(this.#running).then(() => {});
  }

  #sent(): void {
    if (this.#unsent > 0 && --this.#unsent === 0) this.#onSent?.();
  }

  async #client(): Promise<void> {
    while (!this.#stopped) {
      let socket: Socket;
      try {
        socket = await open(this.port);
      } catch {
        this.refusedConnections++; // the listener is closed: the client would go elsewhere
        this.#sent();
        return;
      }
      this.#sockets.add(socket);
      const reused = await this.#serve(socket);
      this.#sockets.delete(socket);
      socket.destroy();
      if (!reused || !this.repeat) return;
    }
  }

  /** Sends requests on one connection until it must close; true when the client should reconnect. */
  #serve(socket: Socket): Promise<boolean> {
    return new Promise((resolve) => {
      let buffer: Buffer = Buffer.alloc(0);
      let sent = 0;
      let outstanding = false;
      const send = () => {
        if (this.#stopped) return finish(false);
        sent = performance.now();
        outstanding = true;
        socket.write(`GET ${this.path} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n`);
        this.#sent();
      };
      const finish = (again: boolean) => {
        socket.removeAllListeners();
        socket.on("error", () => {});
        resolve(again);
      };
      socket.on("data", (chunk: Buffer) => {
        buffer = buffer.length ? Buffer.concat([buffer, chunk]) : chunk;
        for (;;) {
          const head = buffer.indexOf("\r\n\r\n");
          if (head === -1) return;
          const header = buffer.subarray(0, head).toString("latin1").toLowerCase();
          const length = Number(/content-length: *(\d+)/.exec(header)?.[1] ?? 0);
          if (buffer.length < head + 4 + length) return;
          if (!this.repeat) this.bodies.push(buffer.subarray(head + 4, head + 4 + length).toString());
          buffer = buffer.subarray(head + 4 + length);
          outstanding = false;
          const status = Number(header.slice(9, 12));
          this.outcomes.push({ status, sent, done: performance.now() });
          if (status === 503) return finish(false); // told to go away: a load balancer sends it elsewhere
          if (/connection: *close/.test(header)) return finish(this.repeat);
          if (!this.repeat) return finish(false);
          send();
        }
      });
      const closed = () => {
        if (outstanding && !this.#stopped) this.lost++;
        finish(false);
      };
      socket.on("close", closed);
      socket.on("error", () => {});
      send();
    });
  }
}

function open(port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect({ port, host: "127.0.0.1", noDelay: true });
    socket.once("connect", () => {
      socket.off("error", reject);
      resolve(socket);
    });
    socket.once("error", reject);
  });
}

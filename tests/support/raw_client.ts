import { connect, type Socket } from "node:net";
import { connect as tlsConnect } from "node:tls";

/** One HTTP/1.1 response as read off the socket. */
export interface RawResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
  /** Milliseconds between sending the request and the first byte of the response. */
  latency: number;
}

/** The socket closed (or reset) before a whole response arrived: the request was written but never answered. */
export class NoAnswer extends Error {
  /**
   * Whether the request reached the kernel before the connection failed. False: the server's reset came
   * first (a connection reset in the listener's accept queue before the client wrote), so nothing was sent.
   */
  written = true;

  constructor(message: string) {
    super(message);
    this.name = "NoAnswer";
  }
}

/**
 * A keep-alive HTTP/1.1 client on a raw socket, so a test sees exactly what the server sent and when the
 * connection closed: no pooling or retrying of a real HTTP client in between.
 */
export class RawClient {
  readonly socket: Socket;
  #buffer = Buffer.alloc(0);
  #ended = false;
  #error: Error | undefined;
  #wake: (() => void) | undefined;
  readonly closed: Promise<void>;

  private constructor(socket: Socket) {
    this.socket = socket;
    socket.on("data", (chunk) => {
      this.#buffer = Buffer.concat([this.#buffer, chunk]);
      this.#wake?.();
    });
    socket.on("error", (error) => {
      this.#error = error;
      this.#wake?.();
    });
    this.closed = new Promise((resolve) =>
      socket.on("close", () => {
        this.#ended = true;
        this.#wake?.();
        resolve();
      })
    );
  }

  /**
   * Connects to 127.0.0.1:port; rejects when the connection is refused. With `tls` (the CA to trust),
   * speaks HTTPS and offers only HTTP/1.1 by ALPN.
   */
  static connect(port: number, host = "127.0.0.1", tls?: { ca: string }): Promise<RawClient> {
    return new Promise((resolve, reject) => {
      const socket = tls
        ? tlsConnect({ port, host, ca: tls.ca, servername: "localhost", ALPNProtocols: ["http/1.1"] })
        : connect({ port, host });
      socket.once(tls ? "secureConnect" : "connect", () => {
        socket.off("error", reject);
        resolve(new RawClient(socket));
      });
      socket.once("error", reject);
    });
  }

  /** Whether the server has closed (or reset) the connection. */
  get ended(): boolean {
    return this.#ended || this.#error !== undefined;
  }

  /** Sends one GET request and reads its response; rejects with NoAnswer when the socket closes first. */
  async get(path: string, timeoutMs = 10_000): Promise<RawResponse> {
    const sent = performance.now();
    // Node calls a write's callback in every case, with an error when the bytes never reached the kernel.
    const written = new Promise<boolean>((resolve) =>
      this.socket.write(`GET ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n`, (error) => resolve(!error))
    );
    try {
      return await this.#read(sent, timeoutMs);
    } catch (error) {
      if (error instanceof NoAnswer) error.written = await written;
      throw error;
    }
  }

  close(): void {
    this.socket.destroy();
  }

  async #read(sent: number, timeoutMs: number): Promise<RawResponse> {
    const deadline = sent + timeoutMs;
    let firstByte: number | undefined;
    for (;;) {
      if (firstByte === undefined && this.#buffer.length > 0) firstByte = performance.now();
      const parsed = parse(this.#buffer, this.#ended);
      if (parsed) {
        this.#buffer = this.#buffer.subarray(parsed.length);
        return { ...parsed.response, latency: (firstByte ?? performance.now()) - sent };
      }
      if (this.#ended || this.#error) {
        throw new NoAnswer(
          `connection ${this.#error ? `failed (${this.#error.message})` : "closed"} before a whole response`,
        );
      }
      const left = deadline - performance.now();
      if (left <= 0) throw new Error(`no response within ${timeoutMs} ms`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.#wake = () => {
          clearTimeout(timer);
          this.#wake = undefined;
          resolve();
        };
      });
    }
  }
}

/** Parses one whole response off the front of `buffer`, or returns undefined when more bytes are needed. */
function parse(
  buffer: Buffer,
  ended: boolean,
): { response: Omit<RawResponse, "latency">; length: number } | undefined {
  const headEnd = buffer.indexOf("\r\n\r\n");
  if (headEnd === -1) return undefined;
  const [statusLine, ...lines] = buffer.subarray(0, headEnd).toString("latin1").split("\r\n");
  const status = Number(statusLine.split(" ")[1]);
  const headers: Record<string, string> = {};
  for (const line of lines) {
    const colon = line.indexOf(":");
    headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  let offset = headEnd + 4;
  if (headers["content-length"] !== undefined) {
    const end = offset + Number(headers["content-length"]);
    if (buffer.length < end) return undefined;
    return { response: { status, headers, body: buffer.subarray(offset, end).toString() }, length: end };
  }
  if (headers["transfer-encoding"]?.includes("chunked")) {
    const parts: Buffer[] = [];
    for (;;) {
      const lineEnd = buffer.indexOf("\r\n", offset);
      if (lineEnd === -1) return undefined;
      const size = parseInt(buffer.subarray(offset, lineEnd).toString(), 16);
      const dataEnd = lineEnd + 2 + size;
      if (buffer.length < dataEnd + 2) return undefined;
      if (size === 0) {
        return { response: { status, headers, body: Buffer.concat(parts).toString() }, length: dataEnd + 2 };
      }
      parts.push(buffer.subarray(lineEnd + 2, dataEnd));
      offset = dataEnd + 2;
    }
  }
  if (status === 204 || status === 304) return { response: { status, headers, body: "" }, length: offset };
  // No length: the body runs to the end of the connection.
  if (!ended) return undefined;
  return { response: { status, headers, body: buffer.subarray(offset).toString() }, length: buffer.length };
}

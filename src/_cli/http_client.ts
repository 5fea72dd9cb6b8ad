// A raw-socket HTTP/1.1 client for `graceful-drain verify`: it must tell a reset from an EOF, a request that
// was written from one that never was, and a whole response from a cut one, which an HTTP library's retries
// and pooling would hide.
import { connect, type Socket } from "node:net";

/** Why a request that was written got no whole response. */
export type LostReason = "reset" | "eof" | "cut" | "abandoned";

/** What one request came to: a whole response, or lost after it was written. */
export type Outcome =
  | { kind: "response"; status: number; close: boolean }
  | { kind: "lost"; reason: LostReason };

/**
 * Reads one HTTP/1.1 response incrementally, without keeping its body: Content-Length, chunked and
 * close-delimited bodies, interim 1xx responses skipped.
 *
 * @example Reading a chunked response fed in pieces
 * ```ts
 * import assert from "node:assert/strict";
 * import { ResponseParser } from "./http_client.ts";
 *
 * const parser = new ResponseParser();
 * const text = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n";
 * parser.feed(new TextEncoder().encode(text.slice(0, 20)));
 * assert.equal(parser.done, false);
 * parser.feed(new TextEncoder().encode(text.slice(20)));
 * assert.equal(parser.done, true);
 * assert.equal(parser.status, 200);
 * assert.equal(parser.bodyBytes, 3);
 * ```
 */
export class ResponseParser {
  /** The status code, 0 until the status line arrived. */
  status = 0;
  /** Header names in lower case. */
  headers: Record<string, string> = {};
  /** Bytes of body read so far (chunk framing excluded). */
  bodyBytes = 0;
  /** Whether the whole response has arrived. */
  done = false;
  #state: "head" | "length" | "size" | "data" | "crlf" | "trailer" | "close" = "head";
  #line: number[] = [];
  #remaining = 0;

  /** Whether any byte of the response has arrived. */
  get started(): boolean {
    return this.status !== 0 || this.#line.length > 0;
  }

  /**
   * Consumes bytes of the response; bytes after its end are ignored.
   * @param chunk Bytes read from the socket.
   * @throws {Error} When the head is not HTTP/1.x or a line exceeds 64 KiB.
   */
  feed(chunk: Uint8Array): void {
    let i = 0;
    while (i < chunk.length && !this.done) {
      if (this.#state === "length" || this.#state === "data") {
        const take = Math.min(this.#remaining, chunk.length - i);
        i += take;
        this.bodyBytes += take;
        this.#remaining -= take;
        if (this.#remaining === 0) this.#state === "length" ? (this.done = true) : (this.#state = "crlf");
      } else if (this.#state === "close") {
        this.bodyBytes += chunk.length - i;
        i = chunk.length;
      } else {
        const newline = chunk.indexOf(10, i);
        const end = newline === -1 ? chunk.length : newline + 1;
        for (let j = i; j < end; j++) this.#line.push(chunk[j]);
        i = end;
        if (this.#line.length > 65_536) throw new Error("a response line longer than 64 KiB");
        if (newline !== -1) {
          const line = String.fromCharCode(...this.#line).replace(/\r?\n$/, "");
          this.#line = [];
          this.#onLine(line);
        }
      }
    }
  }

  /**
   * The server closed the connection: a close-delimited body ends there.
   * @returns Whether the response is whole.
   */
  end(): boolean {
    if (this.#state === "close") this.done = true;
    return this.done;
  }

  #onLine(line: string): void {
    if (this.#state === "head" && this.status === 0) {
      const match = /^HTTP\/1\.[01] (\d{3})/.exec(line);
      if (!match) throw new Error(`not an HTTP/1.x response: ${JSON.stringify(line.slice(0, 40))}`);
      this.status = Number(match[1]);
    } else if (this.#state === "head" && line !== "") {
      const colon = line.indexOf(":");
      this.headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
    } else if (this.#state === "head") this.#beginBody();
    else if (this.#state === "size") {
      this.#remaining = parseInt(line, 16);
      if (!Number.isFinite(this.#remaining)) throw new Error(`a bad chunk size: ${JSON.stringify(line)}`);
      this.#state = this.#remaining === 0 ? "trailer" : "data";
    } else if (this.#state === "crlf") this.#state = "size";
    else if (this.#state === "trailer" && line === "") this.done = true;
  }

  #beginBody(): void {
    const length = this.headers["content-length"];
    if (this.status < 200) {
      this.status = 0; // an interim response (100 Continue, 103 Early Hints): the real one follows
      this.headers = {};
    } else if (this.status === 204 || this.status === 304) this.done = true;
    else if (/chunked/i.test(this.headers["transfer-encoding"] ?? "")) this.#state = "size";
    else if (length !== undefined) {
      this.#remaining = Number(length);
      this.#state = "length";
      this.done = this.#remaining === 0;
    } else this.#state = "close";
  }
}

/**
 * One client connection, one request at a time (no pipelining).
 *
 * @example Two requests on one keep-alive connection
 * ```ts
 * import assert from "node:assert/strict";
 * import { createServer } from "node:http";
 * import { HttpConnection } from "./http_client.ts";
 *
 * const server = createServer((_req, res) => res.end("ok")).listen(0, "127.0.0.1");
 * await new Promise((resolve) => server.once("listening", resolve));
 * const { port } = server.address() as { port: number };
 * const connection = await HttpConnection.open("127.0.0.1", port);
 * assert.deepEqual(await connection.request("/"), { kind: "response", status: 200, close: false });
 * assert.equal((await connection.request("/")).kind, "response");
 * assert.equal(connection.requests, 2);
 * connection.destroy();
 * server.close();
 * ```
 */
export class HttpConnection {
  /** How many requests were written on this connection. */
  requests = 0;
  #socket: Socket;
  #host: string;
  #ended = false;
  #settle: ((outcome: Outcome) => void) | undefined;
  #parser = new ResponseParser();

  private constructor(socket: Socket, host: string) {
    this.#socket = socket;
    this.#host = host;
    socket.on("data", (chunk: Uint8Array) => {
      if (!this.#settle) return; // nothing asked: ignore what an idle server sends
      try {
        this.#parser.feed(chunk);
      } catch {
        return this.#finish({ kind: "lost", reason: "cut" });
      }
      if (this.#parser.done) {
        const close = /close/i.test(this.#parser.headers.connection ?? "");
        this.#finish({ kind: "response", status: this.#parser.status, close });
      }
    });
    socket.on("end", () => {
      this.#ended = true;
      if (this.#settle) this.#lost(this.#parser.end() ? undefined : "eof");
    });
    socket.on("error", () => {
      this.#ended = true;
      if (this.#settle) this.#lost("reset");
    });
    socket.on("close", () => {
      this.#ended = true;
      if (this.#settle) this.#lost("eof");
    });
  }

  /**
   * Connects; rejects with the socket's error (its `code`, e.g. `ECONNREFUSED`) when that fails.
   * @param host The address to connect to.
   * @param port The port.
   * @returns The open connection.
   */
  static open(host: string, port: number): Promise<HttpConnection> {
    return new Promise((resolve, reject) => {
      const socket = connect({ host, port, noDelay: true });
      socket.once("error", reject);
      socket.once("connect", () => {
        socket.off("error", reject);
        resolve(new HttpConnection(socket, host));
      });
    });
  }

  /** Whether the server closed or reset this connection: a client does not write on it again. */
  get ended(): boolean {
    return this.#ended;
  }

  /**
   * Writes `GET path` and resolves with what came back; never rejects.
   * @param path The request target.
   * @param options `close`: ask the server to close the connection after the response.
   * @returns The outcome.
   */
  request(path: string, options: { close?: boolean } = {}): Promise<Outcome> {
    this.requests++;
    this.#parser = new ResponseParser();
    const promise = new Promise<Outcome>((resolve) => (this.#settle = resolve));
    if (this.#ended) this.#lost("eof");
    else {
      const connection = options.close ? "Connection: close\r\n" : "";
      this.#socket.write(`GET ${path} HTTP/1.1\r\nHost: ${this.#host}\r\n${connection}\r\n`);
    }
    return promise;
  }

  /** Closes the connection; a request still waiting resolves as lost ("abandoned"). */
  destroy(): void {
    if (this.#settle) this.#lost("abandoned");
    this.#ended = true;
    this.#socket.destroy();
  }

  #lost(reason: LostReason | undefined): void {
    // A close-delimited body ended with the connection: a whole response.
    if (reason === undefined) {
      return this.#finish({ kind: "response", status: this.#parser.status, close: true });
    }
    this.#finish({ kind: "lost", reason: this.#parser.started && reason !== "abandoned" ? "cut" : reason });
  }

  #finish(outcome: Outcome): void {
    const settle = this.#settle;
    this.#settle = undefined;
    settle?.(outcome);
  }
}

import { type ClientHttp2Session, connect } from "node:http2";
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** A self-signed certificate for localhost and 127.0.0.1, in a fresh temporary directory. */
export interface TestCert {
  dir: string;
  cert: string;
  remove(): void;
}

/** Generates the certificate with openssl (a P-256 key: fast to make), valid for one day. */
export function makeCert(): TestCert {
  const dir = mkdtempSync(join(tmpdir(), "graceful-drain-tls-"));
  execFileSync("openssl", [
    "req",
    "-x509",
    "-newkey",
    "ec",
    "-pkeyopt",
    "ec_paramgen_curve:prime256v1",
    "-nodes",
    "-keyout",
    join(dir, "key.pem"),
    "-out",
    join(dir, "cert.pem"),
    "-days",
    "1",
    "-subj",
    "/CN=localhost",
    "-addext",
    "subjectAltName=DNS:localhost,IP:127.0.0.1",
  ], { stdio: "ignore" });
  return {
    dir,
    cert: readFileSync(join(dir, "cert.pem"), "utf8"),
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/** What became of one HTTP/2 stream. */
export interface H2Outcome {
  path: string;
  /** The stream id the client gave it (undefined when the client refused it before sending). */
  id?: number;
  status?: number;
  headers?: Record<string, unknown>;
  body: string;
  /** The RST_STREAM code the stream closed with (0: a clean end). */
  rstCode?: number;
  /** The error the stream failed with: ERR_HTTP2_STREAM_ERROR (a reset), ERR_HTTP2_GOAWAY_SESSION, … */
  error?: string;
}

/** One GOAWAY frame the client received. */
export interface GoAway {
  code: number;
  lastStreamID: number;
  at: number;
}

/** A `node:http2` client session that records every GOAWAY it gets. */
export class H2Client {
  readonly session: ClientHttp2Session;
  readonly goaways: GoAway[] = [];
  readonly closed: Promise<void>;
  #waiters = new Set<() => void>();

  constructor(port: number, cert: string | undefined) {
    this.session = cert
      ? connect(`https://127.0.0.1:${port}`, { ca: cert, servername: "localhost" })
      : connect(`http://127.0.0.1:${port}`);
    this.session.on("error", () => {}); // a stream's own outcome is what the tests check
    this.session.on("goaway", (code, lastStreamID) => {
      this.goaways.push({ code, lastStreamID, at: performance.now() });
      for (const wake of this.#waiters) wake();
    });
    this.closed = new Promise((resolve) => this.session.once("close", () => resolve()));
  }

  /** Resolves once a GOAWAY has arrived, or fails after `ms`. */
  goaway(ms = 10_000): Promise<GoAway> {
    return new Promise((resolve, reject) => {
      const check = () => {
        if (this.goaways.length === 0) return;
        clearTimeout(timer);
        this.#waiters.delete(check);
        resolve(this.goaways[0]);
      };
      const timer = setTimeout(() => {
        this.#waiters.delete(check);
        reject(new Error(`no GOAWAY within ${ms} ms`));
      }, ms);
      this.#waiters.add(check);
      check();
    });
  }

  /** Sends a GET on this session and resolves with whatever became of the stream (never rejects). */
  get(path: string): Promise<H2Outcome> {
    const outcome: H2Outcome = { path, body: "" };
    let stream;
    try {
      stream = this.session.request({ ":path": path });
    } catch (error) {
      outcome.error = (error as { code?: string }).code ?? String(error);
      return Promise.resolve(outcome);
    }
    return new Promise((resolve) => {
      stream.setEncoding("utf8");
      stream.on("response", (headers) => {
        outcome.id = stream.id;
        outcome.status = Number(headers[":status"]);
        outcome.headers = { ...headers };
      });
      stream.on("data", (chunk: string) => void (outcome.body += chunk));
      stream.on("error", (error: { code?: string }) => void (outcome.error = error.code ?? String(error)));
      stream.on("close", () => {
        outcome.id ??= stream.id;
        outcome.rstCode = stream.rstCode;
        resolve(outcome);
      });
      stream.end();
    });
  }

  close(): void {
    this.session.destroy();
  }
}

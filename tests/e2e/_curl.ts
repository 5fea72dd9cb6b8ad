import { spawn } from "node:child_process";

/** What curl saw: its exit code, the protocol version it spoke, the status, headers and body. */
export interface CurlResult {
  code: number | null;
  /** `%{http_version}`: "1.1", "2". */
  version: string;
  status: number;
  headers: Record<string, string>;
  body: string;
  stderr: string;
}

const MARK = "\n--curl-http-version:";

/**
 * Runs the system curl (Debian's, built with nghttp2) once, bounded by `--max-time`. `http2: "h2"` offers
 * HTTP/2 by ALPN over TLS (`--http2`), `"h2c"` speaks it in cleartext with prior knowledge; `ca` is the
 * certificate to trust.
 */
export function curl(url: string, options: { ca?: string; http2?: "h2" | "h2c" } = {}): Promise<CurlResult> {
  const args = ["-s", "-S", "--max-time", "20", "-D", "-", "-w", `${MARK}%{http_version}`];
  if (options.http2 === "h2") args.push("--http2");
  if (options.http2 === "h2c") args.push("--http2-prior-knowledge");
  if (options.ca) args.push("--cacert", options.ca);
  const child = spawn("curl", [...args, url], { stdio: ["ignore", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  child.stdout.setEncoding("utf8").on("data", (text: string) => void (stdout += text));
  child.stderr.setEncoding("utf8").on("data", (text: string) => void (stderr += text));
  return new Promise((resolve) =>
    child.on("close", (code) => {
      const mark = stdout.lastIndexOf(MARK);
      const version = mark === -1 ? "" : stdout.slice(mark + MARK.length).trim();
      const response = mark === -1 ? stdout : stdout.slice(0, mark);
      const headEnd = response.indexOf("\r\n\r\n");
      const [statusLine = "", ...lines] = response.slice(0, Math.max(headEnd, 0)).split("\r\n");
      const headers: Record<string, string> = {};
      for (const line of lines) {
        const colon = line.indexOf(":");
        headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
      }
      const body = headEnd === -1 ? "" : response.slice(headEnd + 4);
      resolve({ code, version, status: Number(statusLine.split(" ")[1]), headers, body, stderr });
    })
  );
}

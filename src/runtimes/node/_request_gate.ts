import type { InFlightEntry } from "../../_lifecycle/in_flight.ts";

/** @internal What the request-level gate needs of the shutdown's gate. */
export interface RequestGateHost {
  /** New requests are still admitted (running or unready). */
  readonly accepting: boolean;
  /** The shutdown has started: responses must carry `Connection: close`. */
  readonly shuttingDown: boolean;
  /** Counts a request in flight, labelled by its method and URL. */
  track(label: { readonly method: string; readonly url: string }): InFlightEntry;
  /** The request's response has been sent, or its connection closed. */
  untrack(entry: InFlightEntry): void;
  /** Whether `url` is a readiness or liveness probe's, never refused. */
  isProbe(url: string): boolean;
  /** Counts one refusal; returns the `Retry-After` value, in seconds. */
  noteRefusal(): string;
}

/** The parts of a node:http `IncomingMessage` (or node:http2 compat request) the gate reads. */
interface NodeRequest {
  readonly method?: string;
  readonly url?: string;
  readonly httpVersionMajor?: number;
  readonly socket?: {
    on(event: "close", listener: () => void): unknown;
    removeListener(event: "close", listener: () => void): unknown;
  } | null;
}

/** The parts of a node:http `ServerResponse` (or node:http2 compat response) the gate uses. */
interface NodeResponse {
  readonly headersSent: boolean;
  readonly socket?: unknown;
  /** node:http: false makes Node send `Connection: close` and close the connection after the response. */
  shouldKeepAlive?: boolean;
  writeHead(status: number, headers: Record<string, string>): unknown;
  end(body: string): unknown;
  on(event: "close" | "socket", listener: () => void): unknown;
}

/** Where the gate leaves the request's in-flight entry, for a fetch-level gate further in (`wrap()`). */
const ENTRY = Symbol("graceful-drain.entry");
/** On the prototype of a `selfReleasingResponse()` class: its responses end their entry when they close. */
const RELEASES_ITSELF = Symbol("graceful-drain.releasesItself");
/** Where the gate leaves its host on such a response, for it to untrack `OWN_ENTRY` at "close". */
const HOST = Symbol("graceful-drain.host");
/** The entry such a response ends: its own, as a second gate on the server (two owners) rewrites `ENTRY`. */
const OWN_ENTRY = Symbol("graceful-drain.ownEntry");

/**
 * @internal Gates every request a node:http(s) or node:http2 server emits, whatever handles it (Express, Koa,
 * Fastify, a plain `(req, res)` listener, `@hono/node-server`): from `draining` on, a 503 with `Retry-After`
 * (and `Connection: close` on HTTP/1.x) before any of the app's listeners runs; while shutting down,
 * responses close their connection; each request counts in flight until its response has been sent.
 *
 * It wraps the server's `emit`, so that listeners added before or after it are gated alike, and a refused
 * request reaches none of them. Returns the function that removes the gate.
 */
export function gateNodeServer(
  server: { emit(event: string, ...args: unknown[]): boolean },
  host: RequestGateHost,
): () => void {
  const emit = server.emit;
  // `arguments`, not a rest parameter: emit() runs for every event of the server, and a rest parameter
  // would build an array each time.
  server.emit = function (this: unknown, event: string): boolean {
    if (event !== "request") return emit.apply(this, arguments as unknown as [string, ...unknown[]]);
    const req = arguments[1] as NodeRequest & { [ENTRY]?: InFlightEntry };
    const res = arguments[2] as NodeResponse;
    const http1 = (req.httpVersionMajor ?? 1) < 2;
    // Pipelined behind a response that has already gone out (or been committed) with the shutdown's
    // `Connection: close`: Node would drop this one's response, 503 included. Its handler must not run; the
    // client, seeing the connection close unanswered, retries it elsewhere (RFC 9112 §9.3.2).
    if (http1 && host.shuttingDown && closedAhead(req.socket, res)) {
      host.noteRefusal();
      return true;
    }
    if (!host.accepting && !host.isProbe(req.url ?? "/")) {
      const headers: Record<string, string> = {
        "retry-after": host.noteRefusal(),
        "content-type": "text/plain; charset=utf-8",
      };
      if (http1) {
        headers.connection = "close";
        closeAfter(res, req.socket); // pipelined behind a response marked to close: that one stays open for it
      }
      res.writeHead(503, headers);
      res.end("Service Unavailable: shutting down\n");
      return true;
    }
    // The request itself is the entry's label (its method and URL): no object per request.
    const entry = host.track(req as { readonly method: string; readonly url: string });
    req[ENTRY] = entry;
    if (host.shuttingDown && http1) closeAfter(res, req.socket);
    let end: (() => void) | undefined;
    // A response of serve()'s own class ends the entry itself (see `selfReleasingResponse()`): no closure.
    // Only for one gate: a second one on the same server (another shutdown attached) follows it by listener.
    const released = res as SelfReleasing;
    const selfReleasing = released[RELEASES_ITSELF] === true && released[HOST] === undefined;
    if (selfReleasing) {
      released[HOST] = host;
      released[OWN_ENTRY] = entry;
    } else {
      end = () => host.untrack(entry);
      res.on("close", end); // `on`, not `once`: the response emits it once, and `once` wraps each listener
    }
    if (res.socket === null && req.socket) {
      endOnSocketClose(
        res,
        req.socket,
        end ?? (() => host.untrack(entry)),
      );
    }
    const handled = emit.apply(this, arguments as unknown as [string, ...unknown[]]);
    // A listener that replaced the response's prototype (Express's `setPrototypeOf(res, app.response)`, on a
    // server serve() made) took the override away: its "close" is followed by listener instead.
    if (selfReleasing && released[RELEASES_ITSELF] !== true) res.on("close", () => host.untrack(entry));
    return handled;
  };
  return () => void (server.emit = emit);
}

/**
 * @internal Calls `end` when `socket` closes before `res` gets it. A pipelined request's response waits for
 * the socket (none yet); Node drops it when the response before it carried `Connection: close`, and may never
 * close it then: the socket's close ends it instead, until the response gets the socket (its own "close"
 * covers it from then on). Not only pipelining: on Deno the previous response's "finish" (which frees the
 * socket) often comes after the next request (measured: 7% of wrk's keep-alive requests); a listener left on
 * the socket would hold every such request until the connection closes (Express on Deno: half the
 * throughput, in garbage collection).
 */
export function endOnSocketClose(res: SocketWaiter, socket: ClosingSocket, end: () => void): void {
  socket.on("close", end); // `on`, not `once`: the socket emits it once
  res.on("socket", () => socket.removeListener("close", end));
}

/** A socket whose "close" `endOnSocketClose()` follows. */
interface ClosingSocket {
  on(event: "close", listener: () => void): unknown;
  removeListener(event: "close", listener: () => void): unknown;
}

/** A response that emits "socket" once it gets its connection. */
interface SocketWaiter {
  on(event: "socket", listener: () => void): unknown;
}

/** A response of a `selfReleasingResponse()` class. */
interface SelfReleasing {
  [RELEASES_ITSELF]?: true;
  [HOST]?: RequestGateHost;
  [OWN_ENTRY]?: InFlightEntry;
}

/** A node:http `ServerResponse` class, as `http.createServer({ ServerResponse })` takes it. */
// deno-lint-ignore no-explicit-any
export type ResponseClass = new (...args: any[]) => { emit(event: string | symbol, ...args: any[]): boolean };

/**
 * @internal A subclass of node:http's `ServerResponse` (or of the app's own, `base`) whose responses end
 * their request's in-flight entry themselves when they emit "close", for a server created with it
 * (`http.createServer({ ServerResponse })`, as serve() does on Node). The gate then adds no listener and no
 * closure per request: the listener and its closure cost 1.5 to 2.8 µs of the 28 to 42 µs of CPU that Node
 * spends on a hello-world request (measured end to end with wrk, serve() against @hono/node-server bare).
 * Only for servers serve() creates: `attach()`ed servers keep the listener, as a framework may replace the
 * response's prototype (Express does), which takes the override away; the gate checks for that once the
 * request's listeners have run, and follows such a response by listener. node:http2's HTTP/1.1 fallback
 * (`Http1ServerResponse`) keeps the listener too.
 */
export function selfReleasingResponse<T extends ResponseClass>(base: T): T {
  const Releasing = class extends base {
    // Made with the response, not added by the gate: two properties added to a `ServerResponse` after its
    // construction cost Node 2 to 3 µs per request (a new hidden class and a larger property store each
    // time; measured end to end, serve(fetch) at 0.92 to 0.94 of bare against 0.98 to 1.00 with these fields).
    [HOST]: RequestGateHost | undefined = undefined;
    [OWN_ENTRY]: InFlightEntry | undefined = undefined;
    // `arguments`, not a rest parameter: emit() runs for each of the response's events.
    override emit(event: string | symbol): boolean {
      const host = (this as SelfReleasing)[HOST];
      if (event === "close" && host !== undefined) {
        (this as SelfReleasing)[HOST] = undefined;
        host.untrack((this as SelfReleasing)[OWN_ENTRY]!);
      }
      // deno-lint-ignore no-explicit-any
      return super.emit.apply(this, arguments as any);
    }
  };
  Object.defineProperty(Releasing.prototype, RELEASES_ITSELF, { value: true });
  Object.defineProperty(Releasing, "name", { value: base.name }); // what logs and inspection show stays
  return Releasing;
}

/**
 * @internal The in-flight entry the request-level gate gave the request that `@hono/node-server` passes as
 * `incoming`, if any: a fetch-level gate (`wrap()`, `graceful()`) inside it must not count it again.
 */
export function gatedEntry(context: unknown): InFlightEntry | undefined {
  return ((context as { incoming?: { [ENTRY]?: InFlightEntry } } | undefined)?.incoming)?.[ENTRY];
}

/** A response that may close its connection, and the socket it goes out on. */
type ClosableResponse = Pick<NodeResponse, "headersSent" | "shouldKeepAlive"> & { readonly socket?: unknown };

/** Where a socket keeps the response the gate made close it (see `closeAfter()`). */
const CLOSING = Symbol("graceful-drain.closing");

/**
 * @internal Makes each response not yet begun close its connection (the shutdown started while it was being
 * prepared): `responses`, the last one asked for on each connection (`lastResponses()`), that have not sent
 * their headers.
 */
export function closeAfterResponses(responses: Iterable<ClosableResponse | undefined>): void {
  for (const res of responses) {
    if (res && !res.headersSent && "shouldKeepAlive" in res) closeAfter(res, res.socket);
  }
}

/** Whether a response ahead of `res` on `socket` went out, or was committed, with the shutdown's close. */
function closedAhead(socket: unknown, res: ClosableResponse): boolean {
  const closing = (socket as { [CLOSING]?: ClosableResponse } | null | undefined)?.[CLOSING];
  return closing !== undefined && closing !== res && closing.headersSent;
}

/**
 * Makes `res` close its connection (`socket`). Node drops the responses of pipelined requests queued behind
 * a response that closes it, although their handlers ran: so a request admitted behind a response marked
 * here takes the close over, and the one ahead (not begun yet) keeps the connection open for it.
 */
function closeAfter(res: ClosableResponse, socket: unknown): void {
  res.shouldKeepAlive = false; // false already when the client asked to close: the one ahead still hands over
  if (typeof socket !== "object" || socket === null) return;
  const holder = socket as { [CLOSING]?: ClosableResponse };
  const ahead = holder[CLOSING];
  if (ahead !== undefined && ahead !== res && !ahead.headersSent) ahead.shouldKeepAlive = true;
  holder[CLOSING] = res;
}

import { connectionGraceLeft } from "../../_http/keep_alive.ts";
import { currentResponse, lastParsedRequest, replaceCloseAfterResponse } from "./_internals.ts";
import { linger, type NodeSocketLike } from "./_sockets.ts";

/** @internal The part of an `IncomingMessage` the drainer reads. */
export interface NodeRequestLike {
  readonly socket: NodeSocketLike;
  readonly httpVersionMajor?: number;
  /** The whole request, body included, has been read. */
  readonly complete: boolean;
}

/** What the drainer knows of one HTTP/1.x connection. */
interface Connection {
  readonly socket: NodeSocketLike;
  /** The request answered on it in the drain, and the socket's bytesRead when it was seen. */
  request?: { req: NodeRequestLike; bytesRead: number };
  /**
   * Its bytesRead when it became idle (or was idle when the drain began), and when: more bytes since and no
   * response means a request is still arriving (its headers incomplete).
   */
  idle?: { bytesRead: number; since: number };
  /** The response it was last seen writing, once its "finish" is listened to. */
  watching?: object;
  /** Ended here (after `Connection: close`, or idle). */
  ended: boolean;
}

/**
 * @internal The connections of one node:http(s) server (or the HTTP/1.1 ones of a node:http2 server), each
 * with its state record: which request it answers, since when it is idle, whether it was ended here.
 */
export class HttpConnections {
  /** Every TCP socket (on https, one still in its TLS handshake is only here): what force destroys. */
  readonly transport: Set<NodeSocketLike> = new Set();
  /** The HTTP/1.x connections: the same sockets on plain HTTP, the TLS sockets on https. */
  readonly #connections = new Map<NodeSocketLike, Connection>();
  /**
   * Plain HTTP sockets ended after answering their client in full (see #end()): nothing of theirs is left
   * for the process to do, so the close need not wait for them. TLS and HTTP/2 sockets are always waited for.
   */
  readonly #released = new Set<NodeSocketLike>();
  readonly #canRelease: boolean;
  #closing = false;
  #onAllReleased: (() => void) | undefined;

  constructor(canRelease: boolean) {
    this.#canRelease = canRelease;
  }

  addTransport(socket: NodeSocketLike): void {
    this.transport.add(socket);
    socket.once("close", () => {
      this.transport.delete(socket);
      this.#released.delete(socket);
      if (this.allReleased()) this.#onAllReleased?.();
    });
  }

  addHttp(socket: NodeSocketLike): void {
    const connection: Connection = { socket, ended: false };
    this.#connections.set(socket, connection);
    socket.once("close", () => this.#connections.delete(socket));
    // Node ends a `Connection: close` response by destroying the socket as soon as the FIN is queued. Bytes
    // the client sends after that (the rest of an unread request body, a pipelined request) make the kernel
    // answer with a reset that discards the response still unsent or unread (measured: a 503 lost).
    replaceCloseAfterResponse(socket, () => this.#end(connection, this.#answeredInFull(connection)));
  }

  /** A request arrived in the drain: follow its response, so that its connection ends after it. */
  onRequest(req: NodeRequestLike): void {
    const connection = this.#connections.get(req.socket);
    if (!connection) return;
    connection.request = { req, bytesRead: req.socket.bytesRead };
    this.#settle(connection);
  }

  /** Follows what each connection is doing now (the drain began). */
  settleAll(): void {
    for (const connection of this.#connections.values()) this.#settle(connection);
  }

  /** From now on, each connection ends once idle for the grace. */
  closeIdle(): void {
    this.#closing = true;
    this.settleAll();
  }

  /**
   * The response each HTTP/1.x connection is writing now, if no pipelined request waits behind it: the one
   * that may close its connection (closing it earlier would drop the responses queued behind it, whose
   * handlers have run; the drain ends that connection once the last is sent).
   */
  *lastResponses(): Generator<ReturnType<typeof currentResponse>> {
    for (const socket of this.#connections.keys()) {
      const res = currentResponse(socket);
      const last = lastParsedRequest(socket);
      // undefined: a node:http (Deno's, Bun's) without Node's parser, which cannot tell.
      if (res && (last === undefined || last === null || last === res.req)) yield res;
    }
  }

  /** Every connection left is released (or none is left): nothing needs the process any more. */
  allReleased(): boolean {
    return this.#released.size === this.transport.size;
  }

  /** Calls `callback` once every connection left is released. */
  whenAllReleased(callback: () => void): void {
    this.#onAllReleased = callback;
  }

  /**
   * Connections a request could still be answered on: not one ended here (after `Connection: close`, or
   * idle), nor one whose writable side has ended while it is not yet destroyed (the client's FIN came).
   */
  hasOpen(): boolean {
    for (const socket of this.transport) {
      if (!this.#connections.get(socket)?.ended && (socket.writable || socket.destroyed)) return true;
    }
    return false;
  }

  // Its request was complete, it is the last one parsed on the socket (no pipelined request waits behind it),
  // and the client has sent nothing since: a client waiting for this response, told `Connection: close`,
  // sends nothing more.
  #answeredInFull({ socket, request }: Connection): boolean {
    return this.#canRelease && request !== undefined && request.req.complete &&
      socket.bytesRead === request.bytesRead && lastParsedRequest(socket) === request.req;
  }

  // Follow the response now on a socket; once the socket is idle, mark it, and end it at close time if it
  // stayed idle for the grace. A response that went out without `Connection: close` (it began before the
  // drain) leaves a client that will reuse the socket at once: ending it right away would lose that request,
  // while leaving it open lets the request reach the gate and get its 503 with `Connection: close`.
  #settle(connection: Connection): void {
    const { socket } = connection;
    if (socket.destroyed || !socket.writable) return;
    const res = currentResponse(socket);
    if (res && !res.writableEnded) {
      if (connection.watching !== res) {
        connection.watching = res;
        if (res.req && !connection.request) {
          connection.request = { req: res.req as NodeRequestLike, bytesRead: socket.bytesRead };
        }
        res.once("finish", () => {
          markIdle(connection);
          this.#settle(connection);
        });
      }
      return;
    }
    if (!connection.idle) markIdle(connection);
    if (this.#closing) this.#endIfQuiet(connection);
  }

  #endIfQuiet(connection: Connection): void {
    const { socket, idle } = connection;
    if (socket.destroyed || !socket.writable || socket.bytesRead !== idle?.bytesRead) return;
    const wait = connectionGraceLeft(idle.since, performance.now());
    if (wait > 0) setTimeout(() => this.#endIfQuiet(connection), wait);
    else this.#end(connection);
  }

  // Half-close, not destroy: queued response bytes go out before the FIN, and we keep reading until the
  // client's FIN, so that data it sends meanwhile cannot turn the close into a reset that discards the
  // response. The linger starts once everything is handed to the kernel; a slow reader is the deadline's.
  // A socket whose client was answered in full sends nothing more: once the response is with the kernel it
  // is released instead, neither read nor waited for, and the kernel completes its close (at the latest when
  // the process exits). With 10,000 in flight, reading their clients' FINs and closing the sockets one by one
  // kept the event loop busy for 250 ms after the last response; released, the drain ends within 5 ms of it.
  #end(connection: Connection, answered = false): void {
    const { socket } = connection;
    if (!socket.writable) return;
    connection.ended = true;
    socket.end();
    if (!answered) socket.once("finish", () => void linger(socket));
    // The response is with the kernel; the FIN follows it, from libuv or, should the process exit first,
    // from the kernel's own close. Waiting for the "finish" event costs a poll of the event loop for each.
    else if (socket.writableLength === 0) this.#release(socket);
    else socket.once("finish", () => this.#release(socket));
  }

  #release(socket: NodeSocketLike): void {
    const timer = linger(socket);
    socket.pause();
    socket.unref();
    (timer as { unref?: () => void }).unref?.(); // still closes it in a process that lives on
    this.#released.add(socket);
    if (this.allReleased()) this.#onAllReleased?.();
  }
}

function markIdle(connection: Connection): void {
  connection.idle = { bytesRead: connection.socket.bytesRead, since: performance.now() };
}

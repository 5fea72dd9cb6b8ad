/**
 * @internal How the node:http and node:http2 drainers close a TCP socket: half-close, then destroy it if the
 * client has not answered our FIN within LINGER_MS (a client that keeps its half open would otherwise hold
 * the drain until the deadline; measured).
 */

/** How long a closed connection waits for the client's FIN before it is destroyed. */
export const LINGER_MS = 1000;

/** The parts of a `node:net` / `node:tls` socket the drainers touch. */
export interface NodeSocketLike {
  readonly destroyed: boolean;
  readonly writable: boolean;
  readonly bytesRead: number;
  /** Bytes written but not yet handed to the kernel. */
  readonly writableLength: number;
  /** TLS only: what ALPN negotiated ("h2" on a node:http2 server speaking HTTP/2). */
  readonly alpnProtocol?: string | false | null;
  end(): unknown;
  destroy(): unknown;
  /** Stops reading (libuv's readStop): the client's FIN then costs no event. */
  pause(): unknown;
  /** Lets the process exit while the socket is still open; the kernel finishes its close. */
  unref(): unknown;
  once(event: "close" | "finish", listener: () => void): unknown;
}

/**
 * Destroys `socket` LINGER_MS after `from` ("finish": our FIN went out; "now"), unless it closes first.
 * Returns the timer, so that a released socket can unref it.
 */
export function linger(socket: NodeSocketLike): ReturnType<typeof setTimeout> {
  const timer = setTimeout(() => socket.destroy(), LINGER_MS);
  socket.once("close", () => clearTimeout(timer));
  return timer;
}

/** Lingers once our FIN has gone out (the socket's "finish"). */
export function lingerAfterFinish(socket: NodeSocketLike): void {
  socket.once("finish", () => void linger(socket));
}

/**
 * How long an idle keep-alive connection may stay open in the drain before it is closed, even when nothing
 * is in flight. A client may be sending a request on it at the instant the drain starts (or the instant its
 * previous response ended); closing it then loses that request, as every other library does once per
 * keep-alive client. Within the grace such a request reaches the gate, gets the 503 with `Connection: close`,
 * and the client moves on.
 */
export const IDLE_GRACE = 100;

/**
 * Where the server cannot tell whether idle connections are open (Deno, Bun), the grace ends early once no
 * request has arrived for this long: clients still using their connections keep sending (each gets its 503
 * and goes), and a server that has gone quiet need not wait the whole grace. A connection quiet for longer
 * is idle, and closing an idle one races a new request at any instant, grace or not.
 */
export const IDLE_QUIET = 30;

/**
 * How long a closed connection waits for the client's FIN before it is destroyed. Well-behaved clients answer
 * our FIN at once; this only bounds one that keeps its half open.
 */
export const LINGER_MS = 1000;

/**
 * The one small interface every runtime's server adapter conforms to. `attach()` picks the adapter for the
 * server it is given; the lifecycle calls these three methods, in this order, at most once each.
 */
export interface ServerDrainer {
  /**
   * Draining has begun. Stop accepting new connections where the runtime can do so without closing the
   * existing ones; otherwise keep listening (the fetch wrapper answers new requests with a 503). Must not
   * close idle keep-alive connections now: a client may be sending on them at this instant.
   */
  drain(): void;
  /**
   * The drain is over and nothing is in flight: close the listener if still open and every connection that
   * stayed idle, so that the process can exit. Resolves when the server has closed (bounded by the caller).
   */
  close(): Promise<void>;
  /** The drain deadline passed: force-close every remaining connection now. */
  force(): void;
  /**
   * Whether any connection that could still carry a request is open. Where a runtime cannot tell (Deno,
   * Bun), leave it out: the lifecycle then assumes idle keep-alive connections exist, and gives them their
   * grace before `close()`, once any response went out without `Connection: close` (or when it cannot know,
   * because requests may reach the server without passing a gate).
   */
  hasConnections?(): boolean;
}

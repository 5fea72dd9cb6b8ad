/**
 * @internal The grace an idle keep-alive connection gets in the drain before the server closes it. No event
 * says "this client will send nothing more", so the drain re-arms a timer here: a client may be sending a
 * request on an idle connection at the instant the drain starts (or its previous response ended), and
 * closing the connection then loses that request, as every other library does once per keep-alive client.
 * Within the grace such a request reaches the gate, gets the 503 with `Connection: close`, and the client
 * moves on. The lifecycle applies it to a whole server where the runtime cannot tell idle connections apart
 * (Deno, Bun), the node:http drainer to each connection (`connectionGraceLeft()`).
 */

/** The longest grace, in ms from the moment the connection became idle (or the drain began). */
export const IDLE_GRACE = 100;

/**
 * The grace ends early once no request has arrived for this long (ms): clients still using their
 * connections keep sending, and a connection quiet for longer is idle, and closing an idle one races a new
 * request at any instant, grace or not.
 */
export const IDLE_QUIET = 30;

/**
 * Milliseconds left of the grace (0 or less: close now).
 *
 * @param idleSince When the connection became idle, or the drain began if later (same clock as `now`).
 * @param lastRequest When a request last arrived on it (or on the server, where sockets are not told apart).
 * @param now The current time.
 */
export function idleGraceLeft(idleSince: number, lastRequest: number, now: number): number {
  return Math.min(idleSince + IDLE_GRACE, Math.max(idleSince, lastRequest) + IDLE_QUIET) - now;
}

/**
 * Milliseconds left of the grace of one connection known to be idle since `idleSince` (Node), during which
 * no byte arrived: the whole IDLE_GRACE, as a client reusing it sends its next request within it.
 */
export function connectionGraceLeft(idleSince: number, now: number): number {
  return idleSince + IDLE_GRACE - now;
}

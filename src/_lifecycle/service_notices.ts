import type { RuntimeAdapter } from "../runtimes/_adapter.ts";
import type { Logger } from "../types.ts";
import { EXIT_MARGIN } from "./options.ts";

/** Whether READY=1 went out: once per process, whichever shutdown or server says it first. */
let readySent = false;
/** Whether a failed notification was reported: once per process, not once a second. */
let failureReported = false;

/**
 * @internal What a shutdown tells systemd through sd_notify when it runs as a `Type=notify` service
 * (`NOTIFY_SOCKET` set): READY=1 once listening, STOPPING=1 at the trigger with an EXTEND_TIMEOUT_USEC up to
 * the deadline, and each progress line as STATUS= (what `systemctl status` shows). Nothing without
 * `NOTIFY_SOCKET`.
 */
export class ServiceNotices {
  readonly #notify: (fields: string[]) => Promise<void>;
  readonly #logger: Logger;

  private constructor(notify: (fields: string[]) => Promise<void>, logger: Logger) {
    this.#notify = notify;
    this.#logger = logger;
  }

  /** The notices for this process, or undefined when systemd does not listen for them. */
  static of(runtime: RuntimeAdapter, logger: Logger): ServiceNotices | undefined {
    const notify = runtime.notifySystemd;
    if (!notify || !runtime.processManager?.()?.notifySocket) return undefined;
    return new ServiceNotices(notify, logger);
  }

  /** The servers listen: `Type=notify` counts the service as started only now. */
  ready(): void {
    if (readySent) return;
    readySent = true;
    this.#send(["READY=1", "STATUS=serving"]);
  }

  /**
   * The shutdown started. systemd applies EXTEND_TIMEOUT_USEC only past its own `TimeoutStopSec`, so it
   * changes nothing when that is longer than `timeout`, and otherwise keeps systemd from killing a drain that
   * is still within its budget; it ends with the deadline (plus the exit's margin), so a process that hangs is
   * still killed.
   */
  stopping(status: string, timeout: number): void {
    this.#send(["STOPPING=1", `STATUS=${status}`, `EXTEND_TIMEOUT_USEC=${(timeout + EXIT_MARGIN) * 1000}`]);
  }

  /** A progress line, as the service's status. */
  status(line: string): void {
    this.#send([`STATUS=${line}`]);
  }

  #send(fields: string[]): void {
    this.#notify(fields).catch((error: Error) => {
      if (failureReported) return;
      failureReported = true;
      this.#logger.warn(
        `NOTIFY_SOCKET is set but systemd could not be notified (${error.message}): with Type=notify, ` +
          `systemd then waits for READY=1 until its TimeoutStartSec. Install systemd's systemd-notify ` +
          `command (Deno also needs --allow-run), or use Type=simple or exec`,
        { error },
      );
    });
  }
}

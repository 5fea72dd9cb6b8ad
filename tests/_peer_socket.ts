/**
 * A socket with the web WebSocket's shape, in-process: records what the library does to it. Its peer answers
 * a close frame at once (the close event follows), unless `silent`.
 */
export class PeerSocket extends EventTarget {
  readyState = 1;
  readonly calls: string[] = [];
  readonly silent: boolean;
  constructor(silent = false) {
    super();
    this.silent = silent;
  }
  send(data: string): void {
    this.calls.push(`send ${data}`);
  }
  close(code?: number, reason?: string): void {
    this.calls.push(`close ${code} ${reason}`);
    this.readyState = 2;
    if (!this.silent) queueMicrotask(() => this.#closed());
  }
  terminate(): void {
    this.calls.push("terminate");
    this.#closed();
  }
  #closed(): void {
    if (this.readyState === 3) return;
    this.readyState = 3;
    this.dispatchEvent(new Event("close"));
  }
}

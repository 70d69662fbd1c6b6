/** One command waiting for its reply. */
interface Entry {
  readonly name: string;
  /** `Date.now()` past which it is rejected; `Infinity` for none. */
  readonly deadline: number;
  readonly reject: (error: unknown) => void;
}

/**
 * The commands of one adapter that await a reply, each with a deadline. One interval timer
 * (not one timer per command: commands are the hot path) sweeps them every tenth of the
 * timeout (20 ms to 1 s), so a command rejects at most that long after its deadline. The
 * timer keeps the process alive only while a command is pending.
 */
export class PendingCommands {
  readonly timeoutMs: number;
  readonly #entries = new Set<Entry>();
  readonly #onExpire: (name: string, waitedMs: number) => Error;
  #timer: NodeJS.Timeout | undefined;

  /**
   * @param timeoutMs how long a command may wait for its reply (`Infinity`: forever).
   * @param onExpire the error a command that ran out of time is rejected with.
   */
  constructor(timeoutMs: number, onExpire: (name: string, waitedMs: number) => Error) {
    this.timeoutMs = timeoutMs;
    this.#onExpire = onExpire;
  }

  /**
   * Settles like `promise`, or rejects once `timeoutMs` (plus `extraMs`, the time a blocking
   * command may block by design) has passed, or when {@link rejectAll} is called.
   */
  track<T>(promise: Promise<T>, name: string, extraMs = 0): Promise<T> {
    const deadline = Date.now() + this.timeoutMs + extraMs;
    return new Promise<T>((resolve, reject) => {
      const entry: Entry = { name, deadline, reject };
      this.#add(entry);
      promise.then(
        (value) => {
          this.#delete(entry);
          resolve(value);
        },
        (error: unknown) => {
          this.#delete(entry);
          reject(error instanceof Error ? error : new Error(String(error)));
        },
      );
    });
  }

  /** Rejects every pending command now with the error `errorFor(name)` gives. */
  rejectAll(errorFor: (name: string) => Error): void {
    for (const entry of [...this.#entries]) {
      this.#delete(entry);
      entry.reject(errorFor(entry.name));
    }
  }

  /** Stops the timer (pending commands still settle with their own replies). */
  dispose(): void {
    clearInterval(this.#timer);
    this.#timer = undefined;
  }

  #add(entry: Entry): void {
    this.#entries.add(entry);
    if (entry.deadline === Infinity) return;
    if (this.#timer === undefined) {
      const period = Math.min(1000, Math.max(20, Math.floor(this.timeoutMs / 10)));
      this.#timer = setInterval(() => this.#sweep(), period);
    } else this.#timer.ref(); // a flag check when already referenced
  }

  #delete(entry: Entry): void {
    this.#entries.delete(entry);
    if (this.#entries.size === 0) this.#timer?.unref();
  }

  #sweep(): void {
    const now = Date.now();
    for (const entry of this.#entries) {
      if (entry.deadline > now) continue;
      this.#delete(entry);
      entry.reject(this.#onExpire(entry.name, this.timeoutMs));
    }
  }
}

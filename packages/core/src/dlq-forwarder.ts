import type { DeadLetterStore } from './dlq-store.js';
import type { RedisDeadLetter, RedisDeadLetterStore } from './dlq-redis-store.js';
import type { TaskEventEmitter } from './events.js';
import type { TaskLogger } from './task.js';

/** How entries are moved from the Redis DLQ to an external store (`TaskAppOptions.deadLetterForwarding`). */
export interface DeadLetterForwardingOptions {
  /** How often an idle forwarder looks for new entries, in ms (a local dead-letter wakes it at once). Default 1000. */
  readonly intervalMs?: number;
  /** Entries moved per store call. Default 100. */
  readonly batchSize?: number;
  /** Longest wait between retries while the store is unreachable, in ms (doubling from `intervalMs`). Default 30 000. */
  readonly maxBackoffMs?: number;
}

/**
 * @internal Moves dead-letter entries from Redis (where tasks are dead-lettered atomically with
 * their ack) into an external store: it adds a batch to the store, and only once that call
 * has returned (the rows are committed) deletes those entries from Redis — each only if it was
 * not dead-lettered again meanwhile. A store that fails leaves the entries in Redis, retried
 * with backoff and reported once per outage (`workerError` with `where: 'dlq-store'`, and the
 * logger); a crash between the commit and the delete re-adds entries the store ignores.
 * Several processes may forward at once: each step is idempotent.
 */
export class DeadLetterForwarder {
  readonly #intervalMs: number;
  readonly #batchSize: number;
  readonly #maxBackoffMs: number;
  #running: Promise<void> | undefined;
  #stopped = false;
  #wake: (() => void) | undefined;
  #woken = false;
  #downSince: number | null = null;

  constructor(
    private readonly source: RedisDeadLetterStore,
    private readonly target: DeadLetterStore,
    private readonly events: TaskEventEmitter,
    private readonly logger: TaskLogger,
    options: DeadLetterForwardingOptions = {},
  ) {
    this.#intervalMs = options.intervalMs ?? 1000;
    this.#batchSize = options.batchSize ?? 100;
    this.#maxBackoffMs = options.maxBackoffMs ?? 30_000;
  }

  /**
   * Moves every entry in Redis to the store now; returns how many were moved.
   * @throws the store's error, or the Redis error.
   */
  drain(): Promise<number> {
    return this.#move(false);
  }

  /** `drain`, with the store's errors marked as such (`StoreFailure`) when `mark`. */
  async #move(mark: boolean): Promise<number> {
    let moved = 0;
    for (;;) {
      const read = await this.source.oldest(this.#batchSize);
      if (read.length === 0) return moved;
      const batch = bounded(read);
      try {
        await this.target.add(batch.map((item) => item.entry));
      } catch (error) {
        throw mark ? new StoreFailure(error) : error;
      }
      await this.source.removeForwarded(batch);
      moved += batch.length;
      if (read.length < this.#batchSize && batch.length === read.length) return moved;
    }
  }

  /** Starts forwarding in the background (idempotent). */
  start(): void {
    if (this.#running || this.#stopped) return;
    this.#running = this.#loop();
  }

  /** Makes a waiting forwarder look at Redis now (a task was just dead-lettered). */
  wake(): void {
    this.#woken = true;
    this.#wake?.();
  }

  /** Stops the background loop (after its current step). */
  async stop(): Promise<void> {
    this.#stopped = true;
    this.#wake?.();
    await this.#running;
  }

  async #loop(): Promise<void> {
    let delayMs = this.#intervalMs;
    while (!this.#stopped) {
      this.#woken = false;
      try {
        await this.#move(true);
        this.#recovered();
        delayMs = this.#intervalMs;
      } catch (error) {
        // Redis trouble is the workers' to report; the forwarder just retries later.
        if (error instanceof StoreFailure) this.#failed(error.cause);
        delayMs = Math.min(delayMs * 2, this.#maxBackoffMs);
      }
      await this.#sleep(delayMs);
    }
  }

  #failed(error: unknown): void {
    if (this.#downSince !== null) return;
    this.#downSince = Date.now();
    this.logger.error(
      'Dead-letter store unreachable: entries stay in Redis and are forwarded when it answers again',
      { error },
    );
    this.events.emit('workerError', { error, where: 'dlq-store' });
  }

  #recovered(): void {
    if (this.#downSince === null) return;
    const downMs = Date.now() - this.#downSince;
    this.#downSince = null;
    this.logger.info(`Dead-letter store answers again after ${downMs} ms: pending entries forwarded`, {
      downMs,
    });
  }

  /** Waits `ms`, or less when woken (not during an outage: then the backoff holds) or stopped. */
  #sleep(ms: number): Promise<void> {
    if (this.#stopped || (this.#woken && this.#downSince === null)) return Promise.resolve();
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        this.#wake = undefined;
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.#wake = () => {
        if (this.#downSince === null || this.#stopped) done();
      };
    });
  }
}

/** Most record text forwarded in one store call (a batch always has at least one entry). */
const MAX_BATCH_CHARS = 8 * 1024 * 1024;

function bounded(read: readonly RedisDeadLetter[]): RedisDeadLetter[] {
  let chars = 0;
  const batch: RedisDeadLetter[] = [];
  for (const item of read) {
    chars += item.text.length;
    if (batch.length > 0 && chars > MAX_BATCH_CHARS) break;
    batch.push(item);
  }
  return batch;
}

/** A failure of the external store (as opposed to Redis), to report as a store outage. */
class StoreFailure extends Error {
  constructor(cause: unknown) {
    super('dead-letter store failure', { cause });
  }
}

import { hostname } from 'node:os';
import { randomUUID } from 'node:crypto';
import { acquireAll, releaseAll, startWatchdog, type BaseLock, type Watchdog } from '@tasks/locks';
import type { RedisAdapter } from '@tasks/redis';
import { SIZES, type Size } from './enums.js';
import type { FetchedEntry } from './broker.js';
import { TaskConfigError, WorkerShutdownError } from './errors.js';
import type { AppInternals } from './internals.js';
import { decodePayload, PayloadDecodeError, type TaskPayload } from './payload.js';
import { runTask } from './run-task.js';
import { pause, sleep, untilAborted } from './timing.js';

/** Options of `app.createWorker()`. */
export interface WorkerOptions {
  /** Sizes this worker serves. Default: all three. */
  readonly sizes?: readonly Size[];
  /** Tasks run at once, per size. Default 10. */
  readonly concurrency?: number;
  /** An entry idle this long (its worker died) is reclaimed by another worker. Default 30 000 ms. */
  readonly idleTimeoutMs?: number;
  /** Deliveries after which an entry that never completes is dead-lettered. Default 5. */
  readonly maxDeliveries?: number;
  /** How long a blocking read waits before looping. Default 1 000 ms. */
  readonly blockMs?: number;
  /** Lock-contention reschedule delay: first, and cap (it doubles in between). Default 1 000 / 60 000 ms. */
  readonly rescheduleDelayMs?: { readonly base?: number; readonly max?: number };
  /** A name for this worker (shown by `status`). Default: host, pid and a random suffix. */
  readonly workerId?: string;
}

interface Running {
  readonly entry: FetchedEntry;
  readonly payload: TaskPayload;
  readonly controller: AbortController;
  readonly startedAt: number;
}

/**
 * Runs tasks from the streams of its sizes: strict priority, bounded prefetch (never more
 * fetched than free slots), locks through `acquireAll`, a watchdog on their leases, a
 * heartbeat on running entries, reclaiming of dead workers' entries, promotion of due delayed
 * tasks, and a graceful `close()`.
 */
export class Worker {
  readonly id: string;
  readonly sizes: readonly Size[];
  readonly concurrency: number;
  readonly #app: AppInternals;
  readonly #idleMs: number;
  readonly #maxDeliveries: number;
  readonly #blockMs: number;
  readonly #rescheduleBase: number;
  readonly #rescheduleMax: number;
  readonly #running = new Map<string, Running>();
  readonly #runningPerSize = new Map<Size, number>();
  readonly #slotWaiters = new Map<Size, () => void>();
  readonly #blocking: RedisAdapter[] = [];
  readonly #shutdown = new AbortController();
  readonly #batcher: CompletionBatcher;
  #loops: Promise<unknown> | undefined;
  #closing: Promise<void> | undefined;

  constructor(app: AppInternals, options: WorkerOptions = {}) {
    this.#app = app;
    this.sizes = options.sizes ?? SIZES;
    this.concurrency = options.concurrency ?? 10;
    if (!Number.isInteger(this.concurrency) || this.concurrency <= 0)
      throw new TaskConfigError('concurrency', 'must be a positive integer');
    for (const size of this.sizes)
      if (!SIZES.includes(size)) throw new TaskConfigError('sizes', `unknown size '${String(size)}'`);
    this.#idleMs = options.idleTimeoutMs ?? 30_000;
    this.#maxDeliveries = options.maxDeliveries ?? 5;
    this.#blockMs = options.blockMs ?? 1_000;
    this.#rescheduleBase = options.rescheduleDelayMs?.base ?? 1_000;
    this.#rescheduleMax = options.rescheduleDelayMs?.max ?? 60_000;
    this.id = options.workerId ?? `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
    this.#batcher = new CompletionBatcher(app, (error) => this.#report(error, 'complete'));
  }

  /** Entries this worker is running now. */
  get running(): Array<{ taskId: string; name: string; attempt: number; startedAt: number }> {
    return [...this.#running.values()].map((r) => ({
      taskId: r.payload.i,
      name: r.payload.n,
      attempt: r.payload.t,
      startedAt: r.startedAt,
    }));
  }

  /** Starts the loops; resolves once `close()` has finished. */
  run(): Promise<void> {
    this.#loops ??= this.#start();
    return this.#loops.then(() => this.#closing);
  }

  async #start(): Promise<void> {
    // A stream that cannot take a group (a key of the wrong type) must not stop the others:
    // report it; each fetch loop creates missing groups again as it goes.
    await this.#app.broker
      .ensureGroups()
      .catch((error: unknown) => this.#report(error, 'create consumer groups'));
    const loops = this.sizes.map((size) => this.#fetchLoop(size));
    loops.push(this.#maintenanceLoop(), this.#promoteLoop());
    await Promise.all(loops);
  }

  /**
   * Stops fetching, lets running tasks finish within `timeoutMs` (default 10 s), then aborts
   * the rest through their signal; a task that stops on the abort is put back in its stream
   * at once, one that ignores it stays pending and is reclaimed after the idle timeout.
   * Locks are released as tasks end. Nothing is lost.
   */
  close(options: { timeoutMs?: number } = {}): Promise<void> {
    this.#closing ??= this.#close(options.timeoutMs ?? 10_000);
    return this.#closing;
  }

  async #close(timeoutMs: number): Promise<void> {
    this.#shutdown.abort(new WorkerShutdownError());
    for (const wake of this.#slotWaiters.values()) wake();
    await Promise.all(this.#blocking.map((c) => c.close().catch(() => undefined)));
    const deadline = Date.now() + timeoutMs;
    while (this.#running.size > 0 && Date.now() < deadline) await sleep(10);
    for (const run of this.#running.values()) run.controller.abort(new WorkerShutdownError());
    const grace = Date.now() + Math.min(2_000, timeoutMs);
    while (this.#running.size > 0 && Date.now() < grace) await sleep(10);
    await this.#batcher.flush();
    if (this.#loops) await this.#loops.catch(() => undefined);
    await this.#app.redis
      .command(['HDEL', this.#app.keys.workers, this.id], { key: this.#app.keys.workers })
      .catch(() => undefined);
  }

  get #stopping(): boolean {
    return this.#shutdown.signal.aborted;
  }

  #report(error: unknown, where: string): void {
    this.#app.events.emit('workerError', { error, where });
  }

  /**
   * Keeps the free slots of one size supplied. Fetches ask for at most half the slots each and
   * up to two run at once, so Redis serves the next batch while Node runs the current one (a
   * single fetch per cycle would leave each side idle while the other works). Never more is
   * asked for than the slots free (bounded prefetch). When the streams look empty, one
   * blocking read on a duplicate connection waits for the next entry.
   */
  async #fetchLoop(size: Size): Promise<void> {
    const blocking = await this.#app.redis.duplicate();
    this.#blocking.push(blocking);
    const chunk = Math.max(1, Math.ceil(this.concurrency / 2));
    const wake = new Wake();
    this.#slotWaiters.set(size, () => wake.fire());
    let requested = 0; // entries asked for by fetches still in flight
    let drained = false; // the last fetch came back short: the streams looked empty
    let backoff = 50;
    let failed = false;
    const fetched = (n: number, entries: readonly FetchedEntry[]): void => {
      requested -= n;
      if (entries.length < n) drained = true;
      for (const entry of entries) this.#start1(size, entry);
      backoff = 50;
      wake.fire();
    };
    const fetchFailed = (n: number, error: unknown): void => {
      requested -= n;
      if (!this.#stopping) this.#report(error, `fetch ${size}`);
      failed = true;
      wake.fire();
    };
    while (!this.#stopping) {
      if (failed) {
        failed = false;
        await pause(this.#shutdown.signal, backoff);
        backoff = Math.min(backoff * 2, 5_000);
        continue;
      }
      const free = this.concurrency - (this.#runningPerSize.get(size) ?? 0) - requested;
      if (free > 0 && drained && requested === 0) {
        try {
          // A client may keep a blocked read pending across a reconnect even after close():
          // never let shutdown wait on it (an entry it still delivers stays pending, and is
          // reclaimed by another worker).
          const entries = await untilAborted(
            this.#app.broker.blockingRead(blocking, size, this.id, this.#blockMs),
            this.#shutdown.signal,
            [],
          );
          for (const entry of entries) this.#start1(size, entry);
          drained = entries.length === 0;
          backoff = 50;
        } catch (error) {
          fetchFailed(0, error);
        }
        continue;
      }
      if (free > 0 && !drained && (requested === 0 || free >= chunk)) {
        const n = Math.min(free, chunk);
        requested += n;
        this.#app.broker.fetch(size, this.id, n).then(
          (entries) => fetched(n, entries),
          (error: unknown) => fetchFailed(n, error),
        );
        continue;
      }
      // Wait for a slot to free or a fetch to answer; slots free in bursts (completions are
      // flushed per tick), so gather the burst before fetching.
      await wake.wait();
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
    this.#slotWaiters.delete(size);
  }

  #start1(size: Size, entry: FetchedEntry): void {
    this.#runningPerSize.set(size, (this.#runningPerSize.get(size) ?? 0) + 1);
    let freed = false;
    // The slot frees as soon as the task's code has finished: storing its outcome (one round
    // trip, batched) overlaps with fetching the next entries. The entry stays pending until
    // that write lands, so a crash in between still redelivers it.
    const free = (): void => {
      if (freed) return;
      freed = true;
      this.#runningPerSize.set(size, (this.#runningPerSize.get(size) ?? 1) - 1);
      this.#slotWaiters.get(size)?.();
    };
    void this.#process(entry, free)
      .catch((error: unknown) => this.#report(error, 'process'))
      .finally(free);
  }

  async #process(entry: FetchedEntry, executed: () => void): Promise<void> {
    let payload: TaskPayload;
    try {
      payload = decodePayload(entry.raw);
    } catch (error) {
      const reason =
        error instanceof PayloadDecodeError ? `undecodable entry: ${error.message}` : String(error);
      await this.#app.broker.deadLetter(
        entry.streamIndex,
        entry.entryId,
        `entry:${entry.entryId}`,
        { reason, payload: entry.raw, at: Date.now() },
        null,
      );
      this.#app.events.emit('deadLettered', { taskId: `entry:${entry.entryId}`, name: '?', reason });
      return;
    }
    const cls = this.#app.registry.get(payload.n);
    if (!cls) {
      const reason = `unknown task name '${payload.n}' (not registered with this app)`;
      await this.#app.deadLetterPayload(entry, payload, reason, []);
      return;
    }
    const controller = new AbortController();
    const run: Running = { entry, payload, controller, startedAt: Date.now() };
    this.#running.set(entry.entryId, run);
    try {
      await runTask(this.#app, {
        entry,
        payload,
        cls,
        worker: this.id,
        signal: controller.signal,
        shutdown: this.#shutdown.signal,
        batcher: this.#batcher,
        executed,
        rescheduleDelay: (n) => Math.min(this.#rescheduleMax, this.#rescheduleBase * 2 ** n),
        acquire: (locks: readonly BaseLock[]) =>
          acquireAll(this.#app.redis, locks, { metadata: { worker: this.id, task: payload.i } }),
        watch: (locks: readonly BaseLock[]): Watchdog =>
          startWatchdog(this.#app.redis, locks, {
            onLost: (error) => {
              controller.abort(error);
              this.#app.events.emit('lockLost', { taskId: payload.i, name: payload.n, key: error.key });
            },
          }),
        release: (locks: readonly BaseLock[]) => releaseAll(this.#app.redis, locks),
      });
    } finally {
      this.#running.delete(entry.entryId);
    }
  }

  async #maintenanceLoop(): Promise<void> {
    const heartbeatMs = Math.max(100, Math.floor(this.#idleMs / 3));
    while (!this.#stopping) {
      // Each step on its own: trouble with one (a corrupted registry key) never blocks another.
      for (const [where, step] of [
        ['heartbeat', () => this.#heartbeat()],
        ['worker registry', () => this.#register()],
        ['reclaim', () => this.#reclaim()],
      ] as const) {
        try {
          await step();
        } catch (error) {
          if (!this.#stopping) this.#report(error, where);
        }
      }
      await pause(this.#shutdown.signal, heartbeatMs);
    }
  }

  async #heartbeat(): Promise<void> {
    const byStream = new Map<number, string[]>();
    for (const run of this.#running.values()) {
      const list = byStream.get(run.entry.streamIndex) ?? [];
      list.push(run.entry.entryId);
      byStream.set(run.entry.streamIndex, list);
    }
    for (const [streamIndex, ids] of byStream) {
      for (const lost of await this.#app.broker.heartbeat(streamIndex, this.id, ids)) {
        // Another worker reclaimed it (this one stalled): it runs there now; stop here.
        this.#running
          .get(lost)
          ?.controller.abort(new Error('delivery reclaimed by another worker after a stall'));
      }
    }
  }

  async #register(): Promise<void> {
    const info = JSON.stringify({
      id: this.id,
      host: hostname(),
      pid: process.pid,
      sizes: this.sizes,
      running: this.#running.size,
      lastSeen: Date.now(),
    });
    await this.#app.redis.command(['HSET', this.#app.keys.workers, this.id, info], {
      key: this.#app.keys.workers,
    });
  }

  async #reclaim(): Promise<void> {
    const guardMs = Math.max(100, Math.floor(this.#idleMs / 2));
    for (const size of this.sizes) {
      for (const stream of this.#app.keys.streamsOfSize(size)) {
        // Never take more than the free slots (bounded prefetch holds for reclaimed entries too).
        const free = this.concurrency - (this.#runningPerSize.get(size) ?? 0);
        if (free <= 0 || this.#stopping) break;
        const streamIndex = this.#app.keys.streams.indexOf(stream);
        const entries = await this.#app.broker.reclaim(
          streamIndex,
          this.id,
          this.#idleMs,
          this.#maxDeliveries,
          guardMs,
          free,
        );
        for (const entry of entries) this.#start1(size, entry);
      }
    }
  }

  async #promoteLoop(): Promise<void> {
    while (!this.#stopping) {
      let wait = 250;
      try {
        const { promoted, nextDueMs, nowMs } = await this.#app.broker.promote(500);
        if (promoted >= 500) wait = 0;
        else if (nextDueMs !== null) wait = Math.max(5, Math.min(250, nextDueMs - nowMs));
      } catch (error) {
        if (!this.#stopping) this.#report(error, 'promote');
        wait = 1_000;
      }
      if (wait > 0) await pause(this.#shutdown.signal, wait);
    }
  }
}

/** A wake-up that is never lost: `fire()` before `wait()` makes the next `wait()` return at once. */
class Wake {
  #resolve: (() => void) | undefined;
  #pending = false;

  fire(): void {
    const resolve = this.#resolve;
    this.#resolve = undefined;
    if (resolve) resolve();
    else this.#pending = true;
  }

  wait(): Promise<void> {
    if (this.#pending) {
      this.#pending = false;
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      this.#resolve = resolve;
    });
  }
}

/** Groups completions of one tick into one script call per stream. */
export class CompletionBatcher {
  readonly #pending = new Map<
    number,
    Array<{
      entryId: string;
      taskId: string;
      resultJson: string;
      done: () => void;
      fail: (e: unknown) => void;
    }>
  >();
  #scheduled = false;
  #inflight: Promise<void> = Promise.resolve();

  constructor(
    private readonly app: AppInternals,
    private readonly onError: (error: unknown) => void,
  ) {}

  add(streamIndex: number, entryId: string, taskId: string, resultJson: string): Promise<void> {
    return new Promise((done, fail) => {
      const list = this.#pending.get(streamIndex) ?? [];
      list.push({ entryId, taskId, resultJson, done, fail });
      this.#pending.set(streamIndex, list);
      if (!this.#scheduled) {
        this.#scheduled = true;
        setImmediate(() => void this.flush());
      }
    });
  }

  async flush(): Promise<void> {
    this.#scheduled = false;
    const batches = [...this.#pending];
    this.#pending.clear();
    const work = Promise.all(
      batches.map(async ([streamIndex, items]) => {
        try {
          await this.app.broker.complete(streamIndex, items);
          for (const item of items) item.done();
        } catch (error) {
          this.onError(error);
          for (const item of items) item.fail(error);
        }
      }),
    ).then(() => undefined);
    this.#inflight = this.#inflight.then(() => work);
    await this.#inflight;
  }
}

import { setMaxListeners } from 'node:events';
import { hostname } from 'node:os';
import { randomUUID } from 'node:crypto';
import type { RedisAdapter, RedisChecksMode, Unsubscribe } from '@tasks/redis';
import type { Broker, FetchedEntry } from './broker.js';
import { CompletionBatcher } from './completion-batcher.js';
import { SIZES, type Size } from './enums.js';
import { ShardLayoutError, TaskCancelledError, TaskConfigError, WorkerShutdownError } from './errors.js';
import { OutageMonitor } from './outage.js';
import { OutcomeWriter } from './outcomes.js';
import { checkRedisAtStart } from './redis-checks.js';
import { decodePayload, type TaskPayload } from './payload.js';
import type { AppServices } from './services.js';
import { TaskRunner } from './task-runner.js';
import { pause, sleep, untilAborted, Wake } from './timing.js';
import { WorkerControl } from './worker-control.js';
import { shardPlacement } from './layout.js';

/** Options of `app.createWorker()`. */
export interface WorkerOptions {
  /** Sizes this worker serves. Default: all three. */
  readonly sizes?: readonly Size[];
  /** Tasks run at once by this worker, in total across its sizes (and shards). Default 10. */
  readonly concurrency?: number;
  /** Optional caps per size, within `concurrency` (e.g. `{ large: 2 }`). */
  readonly concurrencyPerSize?: Partial<Readonly<Record<Size, number>>>;
  /** An entry idle this long (its worker died) is reclaimed by another worker. Default 30 000 ms. */
  readonly idleTimeoutMs?: number;
  /** Deliveries after which an entry that never completes is dead-lettered. Default 5. */
  readonly maxDeliveries?: number;
  /** How long a blocking read waits before looping. Default 1 000 ms. */
  readonly blockMs?: number;
  /**
   * Fallback delay of a task refused by a lock or a concurrency limiter, first and cap (it
   * doubles in between). Such a task is also woken as soon as a run of this app releases the
   * lock, so the fallback only matters for holders outside the app. Default 250 / 5 000 ms.
   */
  readonly rescheduleDelayMs?: { readonly base?: number; readonly max?: number };
  /** A name for this worker (shown by `status`). Default: host, pid and a random suffix. */
  readonly workerId?: string;
  /**
   * Checks of the Redis configuration at start (see `checkRedis`): `'warn'` (default) logs
   * warnings (an evicting `maxmemory-policy`, no persistence) and refuses to start only when
   * Redis is too old; `'strict'` also refuses on a warning; `'off'` checks nothing. A refused
   * start makes `run()` reject with `RedisCheckError`.
   */
  readonly redisChecks?: RedisChecksMode;
}

interface RunningTask {
  readonly taskId: string;
  readonly name: string;
  readonly attempt: number;
  /** Keys of the locks it holds, once its run began. */
  locks: readonly string[];
}

interface Running {
  readonly entry: FetchedEntry;
  readonly size: Size;
  readonly controller: AbortController;
  readonly startedAt: number;
  task: RunningTask | null;
}

function positiveInteger(value: number, path: string): number {
  if (!Number.isInteger(value) || value <= 0) throw new TaskConfigError(path, 'must be a positive integer');
  return value;
}

/** An entry's place: entry ids are unique per stream only. */
const placeOf = (e: { shard: number; streamIndex: number; entryId: string }): string =>
  `${e.shard}/${e.streamIndex}/${e.entryId}`;

/**
 * Runs tasks from the streams of its sizes, on every shard: strict priority within a shard,
 * bounded prefetch (never more fetched than free slots, `concurrency` in total), a heartbeat
 * on running entries, reclaiming of dead workers' entries, reaping of dead workers, promotion
 * of due delayed tasks, and a graceful `close()` that leaves no consumer behind. What happens
 * to each delivery is the task runner's business.
 *
 * Made by `app.createWorker(options)`, not constructed directly.
 */
export class Worker {
  readonly id: string;
  readonly sizes: readonly Size[];
  readonly concurrency: number;
  readonly #app: AppServices;
  readonly #runner: TaskRunner;
  readonly #batchers: CompletionBatcher[];
  readonly #control: WorkerControl;
  readonly #perSize = new Map<Size, number>();
  readonly #idleMs: number;
  readonly #redisChecks: RedisChecksMode;
  readonly #blockMs: number;
  readonly #running = new Map<string, Running>();
  readonly #busy = new Map<Size, number>(); // running + requested, per size
  #busyTotal = 0;
  /**
   * Per size, per shard: the most urgent priority (0 realtime … 2 background) that may still
   * wait there, as the shard's last fetch showed; 3 when its streams looked empty. Unknown
   * counts as 0. With several shards, a freed slot is left to the shard with the most urgent
   * work (see `#fetchLoop`).
   */
  readonly #urgency = new Map<Size, number[]>();
  readonly #wakes = new Set<Wake>();
  readonly #blocking: RedisAdapter[] = [];
  readonly #shutdown = new AbortController();
  readonly #outage: OutageMonitor;
  #unsubscribe: Unsubscribe | undefined;
  #loops: Promise<unknown> | undefined;
  #closing: Promise<void> | undefined;

  /** @internal Made by `app.createWorker(options)`. */
  constructor(app: AppServices, options: WorkerOptions = {}) {
    this.#app = app;
    // One fetch loop per shard and size, plus the maintenance loops, wait on the shutdown signal.
    setMaxListeners(4 * (app.brokers.all.length * SIZES.length + 4), this.#shutdown.signal);
    this.sizes = options.sizes ?? SIZES;
    this.concurrency = positiveInteger(options.concurrency ?? 10, 'concurrency');
    for (const size of this.sizes)
      if (!SIZES.includes(size)) throw new TaskConfigError('sizes', `unknown size '${String(size)}'`);
    for (const [size, cap] of Object.entries(options.concurrencyPerSize ?? {})) {
      if (!SIZES.includes(size as Size))
        throw new TaskConfigError('concurrencyPerSize', `unknown size '${size}'`);
      this.#perSize.set(size as Size, positiveInteger(cap, `concurrencyPerSize.${size}`));
    }
    this.#idleMs = options.idleTimeoutMs ?? 30_000;
    this.#redisChecks = options.redisChecks ?? 'warn';
    this.#blockMs = options.blockMs ?? 1_000;
    this.id = options.workerId ?? `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
    this.#outage = new OutageMonitor(
      (error, where) => this.#app.events.emit('workerError', { error, where }),
      (downMs) => this.#app.events.emit('workerRecovered', { workerId: this.id, downMs }),
    );
    this.#control = new WorkerControl(
      app.brokers,
      this.id,
      (taskId) => this.#abortRun(taskId),
      () => this.#wakeAll(),
      (error, where) => this.#report(error, where),
    );
    this.#batchers = app.brokers.all.map((broker) => new CompletionBatcher(broker));
    const outcomes = new OutcomeWriter(app.brokers, this.#batchers, app.groups, app.events, app.logger);
    this.#runner = new TaskRunner(
      { ...app, outcomes },
      {
        workerId: this.id,
        maxDeliveries: options.maxDeliveries ?? 5,
        rescheduleBaseMs: options.rescheduleDelayMs?.base ?? 250,
        rescheduleMaxMs: options.rescheduleDelayMs?.max ?? 5_000,
      },
    );
  }

  /** The tasks this worker is running now (their entries once decoded), with the locks they hold. */
  get running(): Array<{
    taskId: string;
    name: string;
    attempt: number;
    startedAt: number;
    locks: string[];
  }> {
    return [...this.#running.values()].flatMap((r) =>
      r.task ? [{ ...r.task, locks: [...r.task.locks], startedAt: r.startedAt }] : [],
    );
  }

  /** Starts the loops; resolves once `close()` has finished. */
  run(): Promise<void> {
    this.#loops ??= this.#start();
    return this.#loops.then(() => this.#closing);
  }

  async #start(): Promise<void> {
    // A shard count other than the app's is refused; Redis trouble at start is reported and retried.
    for (let backoff = 100; ; backoff = Math.min(backoff * 2, 5_000)) {
      try {
        await this.#app.layout.ensure();
        break;
      } catch (error) {
        if (error instanceof ShardLayoutError || this.#stopping) throw error;
        this.#report(error, 'check the shard layout');
        await pause(this.#shutdown.signal, backoff);
      }
    }
    if (this.#app.keys.shards.length > 1)
      await shardPlacement(this.#app.redis, this.#app.keys).then(
        (found) => found?.warning && this.#app.logger.warn(found.warning),
        () => undefined, // a user without CLUSTER rights: no check
      );
    // A stream that cannot take a group (a key of the wrong type) must not stop the others:
    // report it; each fetch loop creates missing groups again as it goes.
    for (const broker of this.#app.brokers.all)
      await broker.ensureGroups().catch((error: unknown) => this.#report(error, 'create consumer groups'));
    // The checks of Redis' configuration: a refused start fetches nothing.
    await checkRedisAtStart(this.#app, 'worker', this.#redisChecks);
    // Cancel and pause requests from any process; the started-batch reply backs cancels up.
    this.#unsubscribe = await this.#app.redis
      .subscribe(this.#app.keys.control, (message) => this.#control.hear(message))
      .catch((error: unknown) => {
        this.#report(error, 'subscribe to control requests');
        return undefined;
      });
    const loops = this.#app.brokers.all.flatMap((broker) =>
      this.sizes.map((size) => this.#fetchLoop(broker, size)),
    );
    loops.push(this.#maintenanceLoop(), this.#promoteLoop());
    await Promise.all(loops);
  }

  /**
   * Stops fetching, lets running tasks finish within `timeoutMs` (default 10 s), then aborts
   * the rest through their signal; a task that stops on the abort is put back in its stream
   * at once, one that ignores it stays pending and is reclaimed after the idle timeout.
   * Locks are released as tasks end. Then the worker leaves: its registry entry and its
   * consumers (those holding no pending entry) are removed. Nothing is lost.
   */
  close(options: { timeoutMs?: number } = {}): Promise<void> {
    this.#closing ??= this.#close(options.timeoutMs ?? 10_000);
    return this.#closing;
  }

  async #close(timeoutMs: number): Promise<void> {
    this.#shutdown.abort(new WorkerShutdownError());
    this.#wakeAll();
    await this.#unsubscribe?.().catch(() => undefined);
    await Promise.all(this.#blocking.map((c) => c.close().catch(() => undefined)));
    const deadline = Date.now() + timeoutMs;
    while (this.#running.size > 0 && Date.now() < deadline) await sleep(10);
    for (const run of this.#running.values()) run.controller.abort(new WorkerShutdownError());
    const grace = Date.now() + Math.min(2_000, timeoutMs);
    while (this.#running.size > 0 && Date.now() < grace) await sleep(10);
    await Promise.all(this.#batchers.map((b) => b.flush()));
    if (this.#loops) await this.#loops.catch(() => undefined);
    const { brokers, keys } = this.#app;
    await brokers.home.leaveRegistry(keys.workers, this.id).catch((e: unknown) => this.#report(e, 'leave'));
    for (const broker of brokers.all)
      await broker.leaveConsumers(this.id).catch((e: unknown) => this.#report(e, 'leave'));
  }

  get #stopping(): boolean {
    return this.#shutdown.signal.aborted;
  }

  #report(error: unknown, where: string): void {
    this.#outage.report(error, where);
  }

  #abortRun(taskId: string): boolean {
    for (const run of this.#running.values()) {
      if (run.task?.taskId === taskId) {
        run.controller.abort(new TaskCancelledError(taskId));
        return true;
      }
    }
    return false;
  }

  #wakeAll(): void {
    for (const wake of this.#wakes) wake.fire();
  }

  /** Slots of `size` free now: within the total and the size's own cap. */
  #free(size: Size): number {
    const total = this.concurrency - this.#busyTotal;
    const cap = this.#perSize.get(size);
    return cap === undefined ? total : Math.min(total, cap - (this.#busy.get(size) ?? 0));
  }

  #take(size: Size, n: number): void {
    this.#busy.set(size, (this.#busy.get(size) ?? 0) + n);
    this.#busyTotal += n;
  }

  #give(size: Size, n: number): void {
    this.#take(size, -n);
    this.#wakeAll();
  }

  /**
   * Keeps the free slots supplied from one size's streams of one shard. Fetches ask for at
   * most half the slots each and up to two run at once, so Redis serves the next batch while
   * Node runs the current one. Never more is asked for than the slots free (bounded
   * prefetch); a slot is taken when asked for and given back for each entry that did not
   * come. When the streams look empty, one blocking read on a duplicate connection waits for
   * the next entry. With several shards, one such loop runs per shard and they share the slots.
   */
  async #fetchLoop(broker: Broker, size: Size): Promise<void> {
    const shard = broker.keys.index;
    const shards = this.#app.brokers.all.length;
    const urgency = this.#urgency.get(size) ?? new Array<number>(shards).fill(0);
    this.#urgency.set(size, urgency);
    const hint = (rank: number): void => {
      if (urgency[shard] === rank) return;
      urgency[shard] = rank;
      if (shards > 1) this.#wakeAll(); // a loop left waiting for this shard may go now
    };
    // The blocking connection is opened at the first blocking read (a backlog never needs it),
    // and a failure to open it is reported and retried like a failed fetch.
    let blocking: RedisAdapter | undefined;
    const connection = async (): Promise<RedisAdapter> => {
      if (blocking) return blocking;
      const opened = await this.#app.redis.duplicate();
      if (this.#stopping) {
        await opened.close().catch(() => undefined);
        throw new WorkerShutdownError();
      }
      this.#blocking.push(opened);
      return (blocking = opened);
    };
    const chunk = Math.max(1, Math.ceil(this.concurrency / 2));
    const wake = new Wake();
    this.#wakes.add(wake);
    let inflight = 0; // fetches on their way
    let drained = false; // the last fetch came back short: the streams looked empty
    let backoff = 50;
    let failed = false;
    const base = SIZES.indexOf(size) * 3;
    const own = [base, base + 1, base + 2];
    let active = own; // the streams of this size that are not paused
    let resumes = this.#control.resumes;
    const fetched = (n: number, result: { entries: FetchedEntry[]; paused: number[] }): void => {
      const { entries, paused } = result;
      inflight--;
      active = own.filter((i) => !paused.includes(i));
      this.#outage.ok();
      this.#give(size, n - entries.length);
      if (entries.length < n) drained = true;
      // Entries come most urgent first: a full batch may have left more of its last priority.
      hint(drained ? 3 : (entries[entries.length - 1] as FetchedEntry).streamIndex - base);
      for (const entry of entries) this.#start1(size, entry);
      backoff = 50;
      wake.fire();
    };
    const fetchFailed = (n: number, error: unknown): void => {
      inflight--;
      this.#give(size, n);
      if (!this.#stopping) this.#report(error, `fetch ${size}`);
      failed = true;
      hint(3); // never hold the other shards' loops back for a shard that fails
      wake.fire();
    };
    while (!this.#stopping) {
      if (failed) {
        failed = false;
        await pause(this.#shutdown.signal, backoff);
        backoff = Math.min(backoff * 2, 5_000);
        continue;
      }
      if (resumes !== this.#control.resumes) {
        // A stream was resumed: the blocking read only watches the streams that were not
        // paused, so fetch again (which also says which streams are paused now).
        resumes = this.#control.resumes;
        drained = false;
      }
      const free = this.#free(size);
      if (free > 0 && drained && inflight === 0 && active.length === 0) {
        await pause(this.#shutdown.signal, this.#blockMs); // all paused: look again later
        drained = false;
        continue;
      }
      if (free > 0 && drained && inflight === 0) {
        await connection()
          .then((c) => this.#blockingRead(broker, c, size, active))
          .then(
            (entries) => {
              drained = entries.length === 0;
              hint(entries.length === 0 ? 3 : Math.min(...entries.map((e) => e.streamIndex - base)));
              backoff = 50;
            },
            (error: unknown) => {
              if (!this.#stopping) this.#report(error, `fetch ${size}`);
              failed = true;
            },
          );
        continue;
      }
      // Several shards: leave the slot to a shard known to hold more urgent work than this
      // one may (its loop takes it; hints change only on fetches, which wake this loop).
      const ahead =
        shards > 1 && urgency.some((rank, other) => other !== shard && rank < (urgency[shard] ?? 0));
      if (free > 0 && !drained && !ahead && (inflight === 0 || free >= chunk) && inflight < 2) {
        const n = Math.min(free, chunk);
        this.#take(size, n);
        inflight++;
        broker.fetch(size, this.id, n).then(
          (result) => fetched(n, result),
          (error: unknown) => fetchFailed(n, error),
        );
        continue;
      }
      // Wait for a slot to free or a fetch to answer; slots free in bursts (completions are
      // flushed per tick), so gather the burst before fetching.
      await wake.wait();
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
    this.#wakes.delete(wake);
  }

  /** One blocking read (at most one entry per stream): starts what it returns. */
  async #blockingRead(
    broker: Broker,
    blocking: RedisAdapter,
    size: Size,
    streams: readonly number[],
  ): Promise<FetchedEntry[]> {
    // A client may keep a blocked read pending across a reconnect even after close(): never
    // let shutdown wait on it (an entry it still delivers stays pending, and is reclaimed by
    // another worker).
    const entries = await untilAborted(
      broker.blockingRead(blocking, streams, this.id, this.#blockMs),
      this.#shutdown.signal,
      [],
    );
    this.#take(size, entries.length);
    for (const entry of entries) {
      // Paused while this read was blocked: hand it back (at the end of its stream) unrun.
      const payload = this.#control.isPaused(entry.streamIndex) ? tryDecode(entry.raw) : null;
      if (payload) {
        broker
          .requeue(entry.streamIndex, entry.entryId, entry.raw, payload.i)
          .catch((error: unknown) => this.#report(error, 'hand back an entry of a paused stream'))
          .finally(() => this.#give(size, 1));
      } else this.#start1(size, entry);
    }
    return entries;
  }

  /** Runs one entry in a slot already taken for it. */
  #start1(size: Size, entry: FetchedEntry): void {
    let freed = false;
    // The slot frees as soon as the task's code has finished: storing its outcome (one round
    // trip, batched) overlaps with fetching the next entries. The entry stays pending until
    // that write lands, so a crash in between still redelivers it.
    const free = (): void => {
      if (freed) return;
      freed = true;
      this.#give(size, 1);
    };
    const controller = new AbortController();
    const running: Running = { entry, size, controller, startedAt: Date.now(), task: null };
    const place = placeOf(entry);
    this.#running.set(place, running);
    void this.#runner
      .run(entry, {
        signal: controller.signal,
        shutdown: this.#shutdown.signal,
        decoded: (p) => (running.task = { taskId: p.i, name: p.n, attempt: p.t, locks: [] }),
        cancelRequested: (id) => this.#control.takeCancel(id),
        started: (p, locks) => {
          if (running.task) running.task.locks = locks;
          this.#control.announce(entry.shard, p);
        },
        executed: free,
      })
      .catch((error: unknown) => this.#report(error, 'process'))
      .finally(() => {
        this.#running.delete(place);
        free();
      });
  }

  async #maintenanceLoop(): Promise<void> {
    const heartbeatMs = Math.max(100, Math.floor(this.#idleMs / 3));
    while (!this.#stopping) {
      // Each step on its own and side by side: trouble with one (a corrupted registry key)
      // never blocks another, and a slow reclaim over many shards never delays the heartbeat.
      await Promise.all(
        (
          [
            ['heartbeat', () => this.#heartbeat()],
            ['worker registry', () => this.#register()],
            ['reclaim', () => this.#reclaim()],
          ] as const
        ).map(([where, step]) =>
          step().catch((error: unknown) => {
            if (!this.#stopping) this.#report(error, where);
          }),
        ),
      );
      await pause(this.#shutdown.signal, heartbeatMs);
    }
  }

  async #heartbeat(): Promise<void> {
    const byStream = new Map<string, { shard: number; streamIndex: number; ids: string[] }>();
    for (const run of this.#running.values()) {
      const { shard, streamIndex, entryId } = run.entry;
      const at = `${shard}/${streamIndex}`;
      const batch = byStream.get(at) ?? { shard, streamIndex, ids: [] };
      batch.ids.push(entryId);
      byStream.set(at, batch);
    }
    for (const { shard, streamIndex, ids } of byStream.values()) {
      for (const lost of await this.#app.brokers.shard(shard).heartbeat(streamIndex, this.id, ids)) {
        // Another worker reclaimed it (this one stalled): it runs there now; stop here.
        this.#running
          .get(placeOf({ shard, streamIndex, entryId: lost }))
          ?.controller.abort(new Error('delivery reclaimed by another worker after a stall'));
      }
    }
  }

  async #register(): Promise<void> {
    const tasks = this.running.map((r) => ({
      id: r.taskId,
      name: r.name,
      attempt: r.attempt,
      since: r.startedAt,
      locks: r.locks,
    }));
    const info = {
      id: this.id,
      host: hostname(),
      pid: process.pid,
      sizes: this.sizes,
      running: tasks.length,
      tasks,
    };
    // A worker whose record is older than three idle timeouts (nine heartbeats) is dead:
    // reaped by the live ones, and its idle, empty consumers with it.
    const expiryMs = Math.max(3 * this.#idleMs, 1_000);
    const { brokers, keys } = this.#app;
    const alive = await brokers.home.register(keys.workers, this.id, info, expiryMs);
    this.#outage.ok();
    for (const broker of brokers.all) await broker.tidy(alive, expiryMs);
  }

  async #reclaim(): Promise<void> {
    const guardMs = Math.max(100, Math.floor(this.#idleMs / 2));
    for (const broker of this.#app.brokers.all) {
      for (const size of this.sizes) {
        const base = SIZES.indexOf(size) * 3;
        for (const streamIndex of [base, base + 1, base + 2]) {
          // Never take more than the free slots (bounded prefetch holds for reclaimed entries too).
          const free = this.#free(size);
          if (free <= 0 || this.#stopping) break;
          this.#take(size, free);
          let entries: FetchedEntry[] = [];
          try {
            entries = await broker.reclaim(streamIndex, this.id, this.#idleMs, guardMs, free);
          } finally {
            this.#give(size, free - entries.length);
          }
          for (const entry of entries) this.#start1(size, entry);
        }
      }
    }
  }

  async #promoteLoop(): Promise<void> {
    while (!this.#stopping) {
      let wait = 250;
      let more = false; // a full batch: promote again at once
      for (const broker of this.#app.brokers.all) {
        try {
          const { promoted, nextDueMs, nowMs } = await broker.promote(500);
          if (promoted >= 500) more = true;
          else if (nextDueMs !== null) wait = Math.max(5, Math.min(wait, nextDueMs - nowMs));
        } catch (error) {
          if (!this.#stopping) this.#report(error, 'promote');
          wait = 1_000;
        }
      }
      if (!more) await pause(this.#shutdown.signal, wait);
    }
  }
}

function tryDecode(raw: string): TaskPayload | null {
  try {
    return decodePayload(raw);
  } catch {
    return null;
  }
}

import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import type { RedisChecksMode } from '@tasks/redis';
import { TaskConfigError } from './errors.js';
import { checkRedisAtStart } from './redis-checks.js';
import { LEADER_ACQUIRE, LEADER_RELEASE } from './scheduler-scripts.js';
import type { MisfirePolicy } from './scheduler-plan.js';
import { summarize } from './scheduler-summary.js';
import { TimetableTicker } from './scheduler-tick.js';
import type { AppServices } from './services.js';
import { pause } from './timing.js';

export type { MisfirePolicy } from './scheduler-plan.js';

/** Options of `app.createScheduler()`. */
export interface SchedulerOptions {
  /**
   * Checks of the Redis configuration at start, as the worker's `redisChecks`: `'warn'`
   * (default), `'strict'` (an evicting `maxmemory-policy` — under which the leader key can be
   * evicted and two leaders run — refuses the start) or `'off'`.
   */
  readonly redisChecks?: RedisChecksMode;
  /** VOs for `PeriodicVoAwareBaseTask`s: a list, or a function re-read every `voRefreshMs`. */
  readonly vos?: readonly string[] | (() => readonly string[] | Promise<readonly string[]>);
  /** Leader lease length. A standby takes over within about this long after the leader dies. Default 10 000 ms. */
  readonly leaseMs?: number;
  /** How often due occurrences (and configuration changes) are checked. Default 500 ms. */
  readonly tickMs?: number;
  /** How often `vos` (a function) is re-read. Default 30 000 ms. */
  readonly voRefreshMs?: number;
  /**
   * Occurrences missed while no scheduler ran: `'coalesce'` (default) runs them once,
   * `'all'` runs each (at most 100 per entry and tick), `'skip'` runs none of them.
   * A schedule that changed (other fingerprint) or an entry re-enabled starts afresh instead,
   * whatever the policy: its first run is the schedule's first occurrence after the tick that
   * sees the change; a run still pending under the old schedule is dropped, nothing is caught up.
   */
  readonly misfire?: MisfirePolicy;
  /**
   * How often the leader logs its next 20 entries with their due times (`logger.info`), also
   * logged when it starts leading. Default 600 000 ms (10 min); `0` turns it off.
   */
  readonly summaryIntervalMs?: number;
  /** A name for this instance. Default: host, pid and a random suffix. */
  readonly instanceId?: string;
}

const SUMMARY_ENTRIES = 20;
const PROMOTE_BATCH = 500;

/**
 * Submits periodic tasks, and promotes due delayed tasks while it leads. One instance leads at
 * a time (a lease in Redis with a fencing token); the others stand by and take over within
 * about one lease when the leader dies.
 *
 * The timetable lives in Redis (`app.timetable()`): for each entry its next run, the
 * fingerprint of the schedule that run was computed with, its last run and skips, and its
 * status (`active`, `ended`, `disabled`, `failing`). Each tick re-reads the registry and the
 * configuration, so a changed schedule or `enabled` flag takes effect within one tick, and
 * each entry's occurrences are submitted with its new record by one compare-and-set script —
 * exactly once, even with several schedulers racing; a scheduler that lost its lease cannot
 * submit. Entries are isolated: an entry whose schedule fails is marked `failing` and reported
 * once, one whose schedule ended is marked `ended` after its last occurrence; neither stops
 * the others.
 *
 * Made by `app.createScheduler(options)`, not constructed directly.
 *
 * @example
 * ```ts
 * const scheduler = app.createScheduler({ vos: ['lhcb', 'atlas'], misfire: 'coalesce' });
 * void scheduler.run();
 * process.once('SIGTERM', () => void scheduler.close()); // hands the lease over at once
 * ```
 */
export class Scheduler {
  readonly instanceId: string;
  readonly #app: AppServices;
  readonly #leaseMs: number;
  readonly #redisChecks: RedisChecksMode | undefined;
  readonly #tickMs: number;
  readonly #voRefreshMs: number;
  readonly #summaryMs: number;
  readonly #vosOption: SchedulerOptions['vos'];
  readonly #ticker: TimetableTicker;
  readonly #stop = new AbortController();
  #vos: readonly string[] = [];
  #vosReadAt = -Infinity;
  #leader = false;
  #token: number | null = null;
  #leaseUntil = 0;
  #summaryAt: number | null = null;
  #running: Promise<void> | undefined;

  /** @internal Made by `app.createScheduler(options)`. */
  constructor(app: AppServices, options: SchedulerOptions = {}) {
    this.#app = app;
    this.#leaseMs = options.leaseMs ?? 10_000;
    this.#redisChecks = options.redisChecks;
    this.#tickMs = options.tickMs ?? 500;
    this.#voRefreshMs = options.voRefreshMs ?? 30_000;
    this.#summaryMs = options.summaryIntervalMs ?? 600_000;
    const misfire = options.misfire ?? 'coalesce';
    if (!['coalesce', 'all', 'skip'].includes(misfire))
      throw new TaskConfigError('misfire', `unknown policy '${misfire}' (expected coalesce, all or skip)`);
    if (!Number.isInteger(this.#leaseMs) || this.#leaseMs < 100)
      throw new TaskConfigError('leaseMs', 'must be an integer ≥ 100');
    if (!(this.#tickMs > 0)) throw new TaskConfigError('tickMs', 'must be a positive number of ms');
    if (!(this.#summaryMs >= 0))
      throw new TaskConfigError('summaryIntervalMs', 'must be ≥ 0 (0 turns it off)');
    this.#vosOption = options.vos;
    this.instanceId = options.instanceId ?? `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
    this.#ticker = new TimetableTicker(app, this.instanceId, misfire, () => {
      this.#leader = false; // lost the lease: stop submitting at once
    });
  }

  /** True while this instance holds the leader lease. */
  get isLeader(): boolean {
    return this.#leader && Date.now() < this.#leaseUntil;
  }

  /** The fencing token of the current leadership, or `null`. */
  get fencingToken(): number | null {
    return this.isLeader ? this.#token : null;
  }

  /** Runs until `close()`: campaigns for the lease, ticks while leading, promotes delayed tasks. */
  run(): Promise<void> {
    this.#running ??= checkRedisAtStart(this.#app, 'scheduler', this.#redisChecks)
      .then(() => this.#app.layout.ensure())
      .then(() => Promise.all([this.#loop(), this.#promoteLoop()]))
      .then(() => undefined);
    return this.#running;
  }

  /** Stops, and hands the lease over at once. */
  async close(): Promise<void> {
    this.#stop.abort();
    await this.#running?.catch(() => undefined);
    this.#leader = false;
    await this.#app.redis
      .evalScript(LEADER_RELEASE, [this.#app.keys.schedulerLeader], [this.instanceId])
      .catch(() => undefined);
  }

  async #loop(): Promise<void> {
    let lastRenew = -Infinity;
    while (!this.#stop.signal.aborted) {
      try {
        if (Date.now() - lastRenew >= this.#leaseMs / 4 || !this.isLeader) {
          await this.#campaign();
          lastRenew = Date.now();
        }
        if (this.isLeader) await this.#tick();
      } catch (error) {
        this.#app.events.emit('workerError', { error, where: 'scheduler' });
      }
      await pause(
        this.#stop.signal,
        this.isLeader ? this.#tickMs : Math.min(this.#tickMs, this.#leaseMs / 10),
      );
    }
  }

  async #campaign(): Promise<void> {
    const before = Date.now();
    const [ok, value] = (await this.#app.redis.evalScript(
      LEADER_ACQUIRE,
      [this.#app.keys.schedulerLeader, this.#app.keys.schedulerFence],
      [this.instanceId, this.#leaseMs],
    )) as [number, number];
    const wasLeader = this.#leader;
    this.#leader = ok === 1;
    if (!this.#leader) {
      this.#summaryAt = null; // a new leadership logs its timetable again
      return;
    }
    // Count the lease from before the call: this side never believes it longer than Redis does.
    this.#leaseUntil = before + this.#leaseMs;
    this.#token = Number(value);
    if (!wasLeader)
      this.#app.events.emit('schedulerLeader', { instanceId: this.instanceId, fencingToken: this.#token });
  }

  async #tick(): Promise<void> {
    const vos = await this.#currentVos();
    const stop = (): boolean => !this.isLeader || this.#stop.signal.aborted;
    const entries = await this.#ticker.tick(vos, stop);
    if (stop() || this.#summaryMs === 0) return;
    if (this.#summaryAt !== null && Date.now() - this.#summaryAt < this.#summaryMs) return;
    this.#summaryAt = Date.now();
    const { message, fields } = summarize(entries, SUMMARY_ENTRIES, this.instanceId);
    this.#app.logger.info(message, fields);
  }

  async #currentVos(): Promise<readonly string[]> {
    const option = this.#vosOption;
    if (option === undefined) return [];
    if (typeof option !== 'function') return option;
    if (Date.now() - this.#vosReadAt >= this.#voRefreshMs) {
      this.#vos = [...(await option())];
      this.#vosReadAt = Date.now();
    }
    return this.#vos;
  }

  /**
   * While leading, moves due delayed tasks (retries, `at`/`delayMs`, reschedules) to their
   * streams — as workers do — so they are not stuck when every worker is busy on long tasks.
   * The promotion script is atomic, so several promoters never move one task twice.
   */
  async #promoteLoop(): Promise<void> {
    while (!this.#stop.signal.aborted) {
      let wait = this.#tickMs;
      if (this.isLeader) {
        try {
          wait = 250;
          for (const broker of this.#app.brokers.all) {
            const { promoted, nextDueMs, nowMs } = await broker.promote(PROMOTE_BATCH);
            if (promoted >= PROMOTE_BATCH) wait = 0;
            else if (nextDueMs !== null) wait = Math.min(wait, Math.max(5, nextDueMs - nowMs));
          }
        } catch (error) {
          if (!this.#stop.signal.aborted)
            this.#app.events.emit('workerError', { error, where: 'scheduler promote' });
          wait = 1_000;
        }
      }
      if (wait > 0) await pause(this.#stop.signal, wait);
    }
  }
}

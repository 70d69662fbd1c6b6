import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { MutexLock } from '@tasks/locks';
import type { Schedule } from '@tasks/schedules';
import { streamIndex } from './enums.js';
import { TaskConfigError } from './errors.js';
import type { AppInternals } from './internals.js';
import { encodePayload, type TaskPayload } from './payload.js';
import { LEADER_ACQUIRE, LEADER_RELEASE, SUBMIT_OCCURRENCE } from './scripts.js';
import { pause } from './timing.js';
import {
  PeriodicBaseTask,
  PeriodicVoAwareBaseTask,
  taskNameOf,
  type BaseTask,
  type TaskClass,
} from './task.js';

/** What to do with occurrences missed while no scheduler ran. */
export type MisfirePolicy = 'coalesce' | 'all' | 'skip';

/** Options of `app.createScheduler()`. */
export interface SchedulerOptions {
  /** VOs for `PeriodicVoAwareBaseTask`s: a list, or a function re-read every `voRefreshMs`. */
  readonly vos?: readonly string[] | (() => readonly string[] | Promise<readonly string[]>);
  /** Leader lease length. A standby takes over within about this long after the leader dies. Default 10 000 ms. */
  readonly leaseMs?: number;
  /** How often due occurrences are checked. Default 500 ms. */
  readonly tickMs?: number;
  /** How often `vos` (a function) is re-read. Default 30 000 ms. */
  readonly voRefreshMs?: number;
  /**
   * Occurrences missed while no scheduler ran: `'coalesce'` (default) runs them once,
   * `'all'` runs each (at most 100), `'skip'` runs none of them.
   */
  readonly misfire?: MisfirePolicy;
  /** A name for this instance. Default: host, pid and a random suffix. */
  readonly instanceId?: string;
}

interface Entry {
  readonly field: string;
  readonly cls: TaskClass;
  readonly vo: string | null;
  readonly schedule: Schedule;
}

const MAX_CATCH_UP = 100;

/**
 * Submits periodic tasks. One instance leads at a time (a lease in Redis with a fencing
 * token); the others stand by and take over within about one lease when the leader dies.
 * Next-run times live in Redis, so restarts neither reset nor double-fire them, and each
 * occurrence is submitted by a compare-and-set in one script — exactly once, even with
 * several schedulers racing; a scheduler that lost its lease cannot submit.
 */
export class Scheduler {
  readonly instanceId: string;
  readonly #app: AppInternals;
  readonly #leaseMs: number;
  readonly #tickMs: number;
  readonly #voRefreshMs: number;
  readonly #misfire: MisfirePolicy;
  readonly #vosOption: SchedulerOptions['vos'];
  readonly #stop = new AbortController();
  #vos: readonly string[] = [];
  #vosReadAt = 0;
  #leader = false;
  #token: number | null = null;
  #leaseUntil = 0;
  #running: Promise<void> | undefined;

  constructor(app: AppInternals, options: SchedulerOptions = {}) {
    this.#app = app;
    this.#leaseMs = options.leaseMs ?? 10_000;
    this.#tickMs = options.tickMs ?? 500;
    this.#voRefreshMs = options.voRefreshMs ?? 30_000;
    this.#misfire = options.misfire ?? 'coalesce';
    if (!['coalesce', 'all', 'skip'].includes(this.#misfire))
      throw new TaskConfigError('misfire', `unknown policy '${this.#misfire}'`);
    if (!Number.isInteger(this.#leaseMs) || this.#leaseMs < 100)
      throw new TaskConfigError('leaseMs', 'must be an integer ≥ 100');
    this.#vosOption = options.vos;
    this.instanceId = options.instanceId ?? `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
  }

  /** True while this instance holds the leader lease. */
  get isLeader(): boolean {
    return this.#leader && Date.now() < this.#leaseUntil;
  }

  /** The fencing token of the current leadership, or `null`. */
  get fencingToken(): number | null {
    return this.isLeader ? this.#token : null;
  }

  /** Runs until `close()`. */
  run(): Promise<void> {
    this.#running ??= this.#loop();
    return this.#running;
  }

  /** Stops, and hands the lease over at once. */
  async close(): Promise<void> {
    this.#stop.abort();
    await this.#running?.catch(() => undefined);
    this.#leader = false;
    await this.#app.redis
      .evalScript(LEADER_RELEASE, [this.#leaderKey], [this.instanceId])
      .catch(() => undefined);
  }

  get #leaderKey(): string {
    return this.#app.keys.key('scheduler', 'leader');
  }

  async #loop(): Promise<void> {
    let lastRenew = 0;
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
      [this.#leaderKey, this.#app.keys.key('scheduler', 'fence')],
      [this.instanceId, this.#leaseMs],
    )) as [number, number];
    const wasLeader = this.#leader;
    this.#leader = ok === 1;
    if (this.#leader) {
      // Count the lease from before the call: this side never believes it longer than Redis does.
      this.#leaseUntil = before + this.#leaseMs;
      this.#token = Number(value);
      if (!wasLeader)
        this.#app.events.emit('schedulerLeader', { instanceId: this.instanceId, fencingToken: this.#token });
    }
  }

  async #tick(): Promise<void> {
    const now = await this.#app.redis.time();
    for (const entry of await this.#entries()) {
      if (!this.isLeader || this.#stop.signal.aborted) return;
      await this.#handle(entry, now);
    }
  }

  async #entries(): Promise<Entry[]> {
    const vos = await this.#currentVos();
    const entries: Entry[] = [];
    for (const cls of this.#app.registry.values()) {
      if (!(cls.prototype instanceof PeriodicBaseTask)) continue;
      const name = taskNameOf(cls);
      const schedule = this.#app.scheduleOf(cls);
      if (!schedule) continue;
      if (cls.prototype instanceof PeriodicVoAwareBaseTask) {
        for (const vo of vos) {
          if (this.#app.isEnabled(name, vo))
            entries.push({
              field: `${name}|${vo}`,
              cls,
              vo,
              schedule: this.#app.scheduleOf(cls, vo) ?? schedule,
            });
        }
      } else if (this.#app.isEnabled(name, null)) {
        entries.push({ field: `${name}|`, cls, vo: null, schedule });
      }
    }
    return entries;
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

  async #handle(entry: Entry, now: number): Promise<void> {
    const nextKey = this.#app.keys.key('scheduler', 'next');
    const stored = await this.#app.redis.command(['HGET', nextKey, entry.field], { key: nextKey });
    if (stored === null) {
      // First sight of this entry: it first runs at its next occurrence (kept across restarts).
      const first = entry.schedule.nextOccurrence(new Date(now)).getTime();
      await this.#app.redis.command(['HSETNX', nextKey, entry.field, first], { key: nextKey });
      return;
    }
    let due = Number(stored);
    if (due > now) return;
    const missed = this.#missed(entry.schedule, due, now);
    const late = missed.length > 1;
    for (let i = 0; i < missed.length; i++) {
      const occurrence = missed[i] as number;
      const next =
        i + 1 < missed.length
          ? (missed[i + 1] as number)
          : entry.schedule.nextOccurrence(new Date(now)).getTime();
      const run = this.#misfire === 'all' || (this.#misfire === 'coalesce' ? i === missed.length - 1 : !late);
      const result = await this.#submit(entry, due, next, run ? occurrence : null);
      if (result !== 1) return;
      due = next;
    }
  }

  /** The occurrences from `due` up to `now` (the first is `due` itself), at most MAX_CATCH_UP. */
  #missed(schedule: Schedule, due: number, now: number): number[] {
    const list = [due];
    let cursor = due;
    while (list.length < MAX_CATCH_UP) {
      const next = schedule.nextOccurrence(new Date(cursor)).getTime();
      if (next > now) break;
      list.push(next);
      cursor = next;
    }
    return list;
  }

  async #submit(entry: Entry, due: number, next: number, occurrence: number | null): Promise<number> {
    const task = new entry.cls(entry.vo === null ? {} : { vo: entry.vo });
    const name = taskNameOf(entry.cls);
    let payload = '';
    if (occurrence !== null) {
      const busy = await this.#stillRunning(task);
      if (busy) {
        await this.#record(name, entry.vo, occurrence, `the previous run still holds ${busy}`);
      } else {
        const body: TaskPayload = {
          i: randomUUID(),
          n: name,
          a: entry.vo === null ? {} : { vo: entry.vo },
          t: 0,
          s: Date.now(),
          l: {
            periodic: 'true',
            occurrence: new Date(occurrence).toISOString(),
            ...(entry.vo ? { vo: entry.vo } : {}),
          },
        };
        payload = encodePayload(body, this.#app.maxPayloadBytes);
      }
    }
    const priority = this.#app.priorityOf(task);
    const stream = this.#app.keys.streams[streamIndex(priority, task.size)] as string;
    const result = Number(
      await this.#app.redis.evalScript(
        SUBMIT_OCCURRENCE,
        [this.#leaderKey, this.#app.keys.key('scheduler', 'next'), stream],
        [this.instanceId, entry.field, due, next, payload],
      ),
    );
    if (result === -1) this.#leader = false; // lost the lease: stop submitting at once
    if (result === 1 && payload !== '' && occurrence !== null) {
      this.#app.events.emit('periodicSubmitted', {
        name,
        vo: entry.vo,
        occurrence,
        taskId: (JSON.parse(payload) as TaskPayload).i,
      });
    }
    return result;
  }

  /** The key of a mutex of the task that is held now (its previous run is still going), else null. */
  async #stillRunning(task: BaseTask<unknown, unknown>): Promise<string | null> {
    for (const lock of this.#app.locksOf(task)) {
      if (!(lock instanceof MutexLock)) continue;
      if (Number(await this.#app.redis.command(['EXISTS', lock.redisKey], { key: lock.redisKey })) === 1)
        return lock.redisKey;
    }
    return null;
  }

  async #record(name: string, vo: string | null, occurrence: number, reason: string): Promise<void> {
    const key = this.#app.keys.key('scheduler', 'skipped');
    const line = JSON.stringify({ name, vo, occurrence, reason, at: Date.now() });
    await this.#app.redis.command(['LPUSH', key, line], { key });
    await this.#app.redis.command(['LTRIM', key, 0, 999], { key });
    this.#app.events.emit('periodicSkipped', { name, vo, occurrence, reason });
  }
}

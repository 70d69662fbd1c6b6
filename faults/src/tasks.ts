// Task classes the fault scenarios run, shared by the tests (which submit them) and the
// child processes (which execute them). Every side effect lands in Redis, so a test can count
// what ran, how often, and whether a stale lock holder wrote after a newer one.
import { BaseTask, PeriodicBaseTask, spawnWithCallback, type Keyspace, type TaskContext } from '@tasks/core';
import { LockedObjectType, MutexLock, type BaseLock } from '@tasks/locks';
import { defineScript, scriptShebang, type RedisAdapter } from '@tasks/redis';
import { ExponentialBackoff } from '@tasks/retry';
import { IntervalSeconds } from '@tasks/schedules';

/** Where the side effects of one app go: all under the app's hash tag (one cluster slot). */
export interface EffectKeys {
  /** SET of task ids that ran to the end of their side effect. */
  readonly done: string;
  /** HASH task id -> how many times the side effect ran. */
  readonly count: string;
  /** HASH task id -> how many runs started (a start without a run was cut short by a crash). */
  readonly starts: string;
  /** HASH of the fenced store: `token` (highest accepted), `value`, `rejected`. */
  readonly store: string;
  /** LIST of accepted fenced writes, `token|writer|seq`, in order. */
  readonly accepted: string;
  /** LIST of lock-holder events, `held|writer|token|ms`, `rejected|...`, `lost|writer|name|ms`. */
  readonly events: string;
}

/** The side-effect keys of an app. */
export function effectKeys(keys: Keyspace): EffectKeys {
  return {
    done: keys.key('fx', 'done'),
    count: keys.key('fx', 'count'),
    starts: keys.key('fx', 'starts'),
    store: keys.key('fx', 'store'),
    accepted: keys.key('fx', 'accepted'),
    events: keys.key('fx', 'events'),
  };
}

/** The `dependencies` every fault app hands its tasks. */
export interface FaultDeps {
  readonly effects: EffectKeys;
}

function depsOf(ctx: TaskContext): FaultDeps {
  const deps = ctx.deps as Partial<FaultDeps> | undefined;
  if (!deps?.effects) throw new Error('fault tasks need dependencies: { effects: effectKeys(app.keys) }');
  return deps as FaultDeps;
}

/**
 * Records one execution atomically. KEYS: done set, count hash. ARGV: task id. Returns the count.
 * It stands for a side effect in another store, so it runs on a full Redis too (`allow-oom`):
 * the full-Redis scenario counts runs like every other.
 */
export const RECORD_RUN = defineScript(
  'faults-record-run',
  2,
  `${scriptShebang(['allow-oom'])}redis.call('SADD', KEYS[1], ARGV[1])
return redis.call('HINCRBY', KEYS[2], ARGV[1], 1)`,
);

/**
 * A store that accepts a write only with a fencing token >= the highest it has seen.
 * KEYS: store hash, accepted log. ARGV: token, writer, seq. Returns 1 (accepted) or 0 (stale).
 * Tokens are microsecond-sized integers (< 2^53), exact as Lua numbers.
 */
export const FENCED_WRITE = defineScript(
  'faults-fenced-write',
  2,
  `local high = tonumber(redis.call('HGET', KEYS[1], 'token') or '0')
if tonumber(ARGV[1]) < high then
  redis.call('HINCRBY', KEYS[1], 'rejected', 1)
  return 0
end
redis.call('HSET', KEYS[1], 'token', ARGV[1], 'value', ARGV[2] .. ':' .. ARGV[3])
redis.call('RPUSH', KEYS[2], ARGV[1] .. '|' .. ARGV[2] .. '|' .. ARGV[3])
return 1`,
);

/** Counts a run's start (KEYS: starts hash; ARGV: task id), on a full Redis too, as RECORD_RUN. */
export const RECORD_START = defineScript(
  'faults-record-start',
  1,
  `${scriptShebang(['allow-oom'])}return redis.call('HINCRBY', KEYS[1], ARGV[1], 1)`,
);

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function recordRun(redis: RedisAdapter, effects: EffectKeys, id: string): Promise<void> {
  await redis.evalScript(RECORD_RUN, [effects.done, effects.count], [id]);
}

/** A short task: records its start, sleeps `ms`, then records its run. */
export class RecordTask extends BaseTask<{ n: number; ms: number }, number> {
  static override taskName = 'FaultRecord';
  // Its side effects are Redis writes, which a Redis restart can cut off mid-command (node-redis
  // then rejects the command; ioredis sends it again): like any task that writes to Redis, it
  // retries rather than failing for good on the first reset connection.
  override retryPolicy = new ExponentialBackoff({ baseDelaySeconds: 0.1, maxRetries: 5 });
  async execute(ctx: TaskContext): Promise<number> {
    const { effects } = depsOf(ctx);
    await ctx.redis.evalScript(RECORD_START, [effects.starts], [ctx.taskId]);
    if (this.args.ms > 0) await sleep(this.args.ms);
    await recordRun(ctx.redis, effects, ctx.taskId);
    return this.args.n;
  }
}

/** The periodic task of the scheduler scenario: every second, records its run. */
export class TickTask extends PeriodicBaseTask<Record<string, never>, string> {
  static override taskName = 'FaultTick';
  static override defaultSchedule = new IntervalSeconds(1);
  async execute(ctx: TaskContext): Promise<string> {
    await recordRun(ctx.redis, depsOf(ctx).effects, ctx.taskId);
    return 'tick';
  }
}

/** Arguments of {@link StallTask}. */
export interface StallArgs {
  /** Mutex key (JOB object type) and its key prefix. */
  readonly key: string;
  readonly lockPrefix: string;
  readonly ttlMs: number;
  /** Name written with every write. */
  readonly writer: string;
  /** Writes before returning; 0 = write every 100 ms until the signal aborts. */
  readonly writes: number;
}

/**
 * Writes to the fenced store under a short-TTL mutex, every 100 ms, checking its signal
 * before each write, as a careful task would. Its lock instances are memoised so that the
 * task can read the fencing token the worker's acquisition produced.
 */
export class StallTask extends BaseTask<StallArgs, number> {
  static override taskName = 'FaultStall';
  #locks: MutexLock[] | undefined;

  override get executionLocks(): BaseLock[] {
    const { key, lockPrefix, ttlMs } = this.args;
    this.#locks ??= [new MutexLock(LockedObjectType.JOB, key, { ttlMs, prefix: lockPrefix })];
    return this.#locks;
  }

  async execute(ctx: TaskContext): Promise<number> {
    const { effects } = depsOf(ctx);
    // The lock as acquired: the app may have put a copy of ours under its prefix.
    const token = ctx.locks.find((lock) => lock instanceof MutexLock)?.fencingToken;
    if (token === null || token === undefined) throw new Error('no fencing token after acquisition');
    const event = (text: string): Promise<unknown> =>
      ctx.redis.command(['RPUSH', effects.events, `${text}|${Date.now()}`], { key: effects.events });
    await event(`held|${this.args.writer}|${token}`);
    for (let seq = 0; this.args.writes === 0 || seq < this.args.writes; seq++) {
      if (ctx.signal.aborted) {
        const reason: unknown = ctx.signal.reason;
        await event(`lost|${this.args.writer}|${reason instanceof Error ? reason.name : String(reason)}`);
        throw reason;
      }
      const ok = await ctx.redis.evalScript(
        FENCED_WRITE,
        [effects.store, effects.accepted],
        [token, this.args.writer, seq],
      );
      if (ok !== 1) await event(`rejected|${this.args.writer}|${token}`);
      await sleep(100);
    }
    return token;
  }
}

/** Returns its arguments (round-trip checks of hostile input). */
export class EchoTask extends BaseTask<unknown, unknown> {
  static override taskName = 'FaultEcho';
  async execute(ctx: TaskContext): Promise<unknown> {
    await recordRun(ctx.redis, depsOf(ctx).effects, ctx.taskId);
    return this.args;
  }
}

/** Always fails; dead-lettered (no retries). */
export class FailsToDlqTask extends BaseTask<{ why: string }, never> {
  static override taskName = 'FaultFailsToDlq';
  override dlqEligible = true;
  async execute(): Promise<never> {
    throw new Error(`always fails: ${this.args.why}`);
  }
}

/** Fans out `children` EchoTasks with a {@link FanInTask} callback. Returns the group id. */
export class FanOutTask extends BaseTask<{ children: number }, string> {
  static override taskName = 'FaultFanOut';
  async execute(ctx: TaskContext): Promise<string> {
    const children = Array.from({ length: this.args.children }, (_, i) => new EchoTask({ child: i }));
    return spawnWithCallback(ctx, children, new FanInTask({}));
  }
}

/** The fan-in callback: records `fanin|<number of child results>|ms` in the events list. */
export class FanInTask extends BaseTask<Record<string, never>, number> {
  static override taskName = 'FaultFanIn';
  async execute(ctx: TaskContext): Promise<number> {
    const { effects } = depsOf(ctx);
    const count = Object.keys(await ctx.groupResults()).length;
    await ctx.redis.command(['RPUSH', effects.events, `fanin|${count}|${Date.now()}`], {
      key: effects.events,
    });
    return count;
  }
}

/** Every task class of the fault apps. */
export const FAULT_TASKS = [
  RecordTask,
  TickTask,
  StallTask,
  EchoTask,
  FailsToDlqTask,
  FanOutTask,
  FanInTask,
] as const;

// Task classes shared by the core tests. Executions are recorded in memory per test.
import { ConcurrencyLimiter, LockedObjectType, MutexLock, RateLimiter, type BaseLock } from '@tasks/locks';
import { ExponentialBackoff } from '@tasks/retry';
import { BaseTask, type Priority, Size, type TaskContext } from '../src/index.js';

export const runs: Array<{ name: string; id: string; attempt: number; at: number; args: unknown }> = [];
export const record = (task: BaseTask<unknown, unknown>, ctx: TaskContext): void => {
  runs.push({ name: task.taskName, id: ctx.taskId, attempt: ctx.attempt, at: Date.now(), args: task.args });
};

export class Echo extends BaseTask<{ value: unknown }, unknown> {
  async execute(ctx: TaskContext): Promise<unknown> {
    record(this, ctx);
    return this.args.value;
  }
}

export class Ordered extends BaseTask<{ label: string; priority: Priority }, string> {
  constructor(args: { label: string; priority: Priority }) {
    super(args);
    this.priority = args.priority;
    this.size = Size.SMALL;
  }
  async execute(ctx: TaskContext): Promise<string> {
    record(this, ctx);
    return this.args.label;
  }
}

/** Fails `failures` times, then succeeds; retried after 100 ms, 200 ms, ... */
export class Flaky extends BaseTask<{ failures: number; key: string }, string> {
  override retryPolicy = new ExponentialBackoff({ baseDelaySeconds: 0.1, maxRetries: 3 });
  async execute(ctx: TaskContext): Promise<string> {
    record(this, ctx);
    if (ctx.attempt < this.args.failures) throw new Error(`flaky failure ${ctx.attempt}`);
    return `ok after ${ctx.attempt}`;
  }
}

export class AlwaysFailsDlq extends BaseTask<{ key: string }, never> {
  override retryPolicy = new ExponentialBackoff({ baseDelaySeconds: 0.05, maxRetries: 2 });
  override dlqEligible = true;
  async execute(ctx: TaskContext): Promise<never> {
    record(this, ctx);
    throw new TypeError(`boom ${ctx.attempt}`);
  }
}

export class AlwaysFails extends BaseTask<{ key: string }, never> {
  async execute(ctx: TaskContext): Promise<never> {
    record(this, ctx);
    throw new Error('dropped failure');
  }
}

/** Holds the job mutex `lock:mutex:job:<job>` (under the test prefix) while it runs. */
export class Guarded extends BaseTask<{ job: string; prefix: string }, string> {
  override get executionLocks(): BaseLock[] {
    return [new MutexLock(LockedObjectType.JOB, this.args.job, { prefix: this.args.prefix })];
  }
  async execute(ctx: TaskContext): Promise<string> {
    record(this, ctx);
    return 'guarded';
  }
}

/** Has an exhausted-able rate limiter and a mutex. */
export class Limited extends BaseTask<{ prefix: string }, string> {
  override get executionLocks(): BaseLock[] {
    return [
      new MutexLock(LockedObjectType.JOB, 'limited', { prefix: this.args.prefix }),
      new RateLimiter(LockedObjectType.TASK, 'Limited', {
        prefix: this.args.prefix,
        limit: 1,
        windowSeconds: 60,
      }),
      new ConcurrencyLimiter(LockedObjectType.TASK, 'Limited', { prefix: this.args.prefix, limit: 1 }),
    ];
  }
  async execute(ctx: TaskContext): Promise<string> {
    record(this, ctx);
    return 'limited';
  }
}

/** Sleeps `ms` (or until aborted when `abortable`). */
export class Slow extends BaseTask<{ ms: number; abortable?: boolean }, string> {
  async execute(ctx: TaskContext): Promise<string> {
    record(this, ctx);
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(resolve, this.args.ms);
      if (this.args.abortable) {
        ctx.signal.addEventListener('abort', () => {
          clearTimeout(timer);
          reject(ctx.signal.reason as Error);
        });
      }
    });
    return 'slept';
  }
}

export const ALL_TASKS = [Echo, Ordered, Flaky, AlwaysFailsDlq, AlwaysFails, Guarded, Limited, Slow];

// The quick start's tasks: several priorities and sizes, a retry, a DLQ candidate, a
// lock-guarded task, two periodic tasks (interval and cron) and a fan-out/fan-in job.
import { LockedObjectType, MutexLock } from '@tasks/locks';
import { ExponentialBackoff } from '@tasks/retry';
import { CronSchedule, IntervalSeconds } from '@tasks/schedules';
import { BaseTask, PeriodicBaseTask, Priority, Size, spawnWithCallback } from '@tasks/core';

export class ResizeImage extends BaseTask {
  priority = Priority.REALTIME;
  size = Size.SMALL;
  async execute() {
    return `${this.args.image} → ${this.args.width}px`;
  }
}

export class MonthlyReport extends BaseTask {
  priority = Priority.BACKGROUND;
  size = Size.LARGE;
  async execute() {
    await new Promise((r) => setTimeout(r, 50));
    return `report for ${this.args.month}`;
  }
}

/** Fails on its first attempt, succeeds on the retry; runs under a per-account mutex. */
export class SyncAccount extends BaseTask {
  retryPolicy = new ExponentialBackoff({ baseDelaySeconds: 0.2, maxRetries: 3 });
  get executionLocks() {
    return [
      new MutexLock(LockedObjectType.JOB, `account-${this.args.account}`, { prefix: this.args.lockPrefix }),
    ];
  }
  async execute(ctx) {
    if (ctx.attempt === 0) throw new Error('upstream timed out');
    return `account ${this.args.account} synced on attempt ${ctx.attempt}`;
  }
}

/** Always fails: after its retries it lands in the dead-letter queue. */
export class ChargeCard extends BaseTask {
  retryPolicy = new ExponentialBackoff({ baseDelaySeconds: 0.1, maxRetries: 2 });
  dlqEligible = true;
  async execute() {
    throw new Error('card declined');
  }
}

export class Heartbeat extends PeriodicBaseTask {
  static defaultSchedule = new IntervalSeconds(2);
  async execute() {
    return 'alive';
  }
}

export class CleanupCache extends PeriodicBaseTask {
  static defaultSchedule = new CronSchedule('*/3 * * * * *'); // every 3 s (seconds field)
  priority = Priority.BACKGROUND;
  async execute() {
    return 'cache cleaned';
  }
}

export class CountWords extends BaseTask {
  size = Size.SMALL;
  async execute() {
    return this.args.text.split(/\s+/).length;
  }
}

export class TotalWords extends BaseTask {
  async execute(ctx) {
    const counts = Object.values(await ctx.groupResults());
    return `${counts.length} documents, ${counts.reduce((a, b) => a + b, 0)} words`;
  }
}

export class IndexDocuments extends BaseTask {
  async execute(ctx) {
    const children = this.args.documents.map((text) => new CountWords({ text }));
    return spawnWithCallback(ctx, children, new TotalWords({}));
  }
}

export const ALL = [
  ResizeImage,
  MonthlyReport,
  SyncAccount,
  ChargeCard,
  Heartbeat,
  CleanupCache,
  CountWords,
  TotalWords,
  IndexDocuments,
];

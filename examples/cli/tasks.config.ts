// The config the `tasks` command loads from this directory (TypeScript: loaded through jiti).
import { defineConfig } from '@tasks/cli';
import { BaseTask, PeriodicBaseTask, Priority, Size, type TaskContext } from '@tasks/core';
import { LockedObjectType, MutexLock, type BaseLock } from '@tasks/locks';
import { CronSchedule } from '@tasks/schedules';

// main.mjs sets it so that every key of the example lives under its own prefix.
const prefix = process.env.EXAMPLE_PREFIX ?? 'example-cli';

export class Resize extends BaseTask<{ image: string; width: number }, string> {
  override priority = Priority.REALTIME;
  override size = Size.SMALL;
  async execute(): Promise<string> {
    return `${this.args.image} resized to ${this.args.width}px`;
  }
}

export class SendEmail extends BaseTask<{ to: string }, string> {
  override dlqEligible = true; // after its retries (configured below) it lands in the DLQ
  async execute(ctx: TaskContext): Promise<string> {
    if (this.args.to.endsWith('.invalid')) throw new Error(`mailbox ${this.args.to} does not exist`);
    return `sent to ${this.args.to} (attempt ${ctx.attempt})`;
  }
}

export class Reindex extends BaseTask<{ index: string }, { index: string; documents: number }> {
  override get executionLocks(): BaseLock[] {
    return [new MutexLock(LockedObjectType.JOB, `index-${this.args.index}`, { prefix })];
  }
  async execute(): Promise<{ index: string; documents: number }> {
    await new Promise((resolve) => setTimeout(resolve, 8000)); // long enough to be seen holding it
    return { index: this.args.index, documents: 4096 };
  }
}

export class NightlyReport extends PeriodicBaseTask<Record<string, never>, string> {
  static override defaultSchedule = new CronSchedule('0 2 * * *', { timezone: 'Europe/Zurich' });
  async execute(): Promise<string> {
    return 'report sent';
  }
}

export default defineConfig({
  tasks: [Resize, SendEmail, Reindex, NightlyReport],
  prefix,
  // Overrides change behaviour without code: one quick retry for e-mails.
  overrides: {
    tasks: { SendEmail: { retry: { kind: 'exponential', baseDelaySeconds: 0.1, maxRetries: 1 } } },
  },
});

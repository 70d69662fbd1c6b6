// The config the `tasks` command loads from this directory (TypeScript: loaded through jiti).
import { defineConfig } from '@tasks/cli';
import { BaseTask, Priority, type TaskContext } from '@tasks/core';

/** A long export: reports its progress, and stops when its signal aborts (cancel, shutdown). */
export class Export extends BaseTask<{ rows: number }, string> {
  async execute(ctx: TaskContext): Promise<string> {
    for (let done = 0; done < this.args.rows; done += 1000) {
      await ctx.progress({ done, of: this.args.rows });
      await new Promise((resolve) => setTimeout(resolve, 2000));
      ctx.signal.throwIfAborted(); // a cancel lands here
    }
    return `${this.args.rows} rows exported`;
  }
}

/** Background work, held back while its streams are paused. */
export class Thumbnail extends BaseTask<{ image: string }, string> {
  override priority = Priority.BACKGROUND;
  async execute(): Promise<string> {
    return `thumbnail of ${this.args.image}`;
  }
}

export default defineConfig({
  tasks: [Export, Thumbnail],
  prefix: process.env.EXAMPLE_PREFIX ?? 'example-cli-control', // main.mjs sets a prefix of its own
});

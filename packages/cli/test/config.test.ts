import { BaseTask } from '@tasks/core';
import { describe, expect, it } from 'vitest';
import { defineConfig, validateConfig } from '../src/config.js';
import { ConfigFileError } from '../src/errors.js';

class Send extends BaseTask<{ to: string }, string> {
  async execute(): Promise<string> {
    return `sent to ${this.args.to}`;
  }
}

const file = '/app/tasks.config.mjs';

describe('validateConfig', () => {
  it('accepts a typed config and loads its overrides', async () => {
    const config = defineConfig({
      tasks: [Send],
      prefix: 'app',
      overrides: { limits: { task: { Send: { concurrency_limit: 3 } } } },
    });
    const loaded = await validateConfig(file, config);
    expect(loaded.tasks).toEqual([Send]);
    expect(loaded.prefix).toBe('app');
    expect(loaded.overrides.limits('task', 'Send').concurrencyLimit).toBe(3);
  });

  it.each([
    [null, `Config error in ${file}: expected it to export an object like { tasks: [...] }, got null`],
    [
      { tasks: [Send], taks: 1 },
      `Config error in ${file}: taks: unknown field (expected one of tasks, redisUrl, prefix, overrides, dependencies, vos, deadLetterStore)`,
    ],
    [{}, `Config error in ${file}: tasks: is required: a list of task classes`],
    [
      { tasks: [] },
      `Config error in ${file}: tasks: expected a non-empty array of task classes, got an array`,
    ],
    [
      { tasks: [class NotATask {}] },
      `Config error in ${file}: tasks[0]: expected a class extending BaseTask, got the function NotATask`,
    ],
    [
      { tasks: [Send], redisUrl: 6379 },
      `Config error in ${file}: redisUrl: expected a string, got the number 6379`,
    ],
    [
      { tasks: [Send], vos: 'lhcb' },
      `Config error in ${file}: vos: expected an array of VO names (or a function returning one), got the string "lhcb"`,
    ],
    [
      { tasks: [Send], overrides: { tasks: { Send: { priority: 'urgent' } } } },
      `Config error in ${file}: overrides.tasks.Send.priority: expected one of realtime, normal, background, got "urgent"`,
    ],
    [
      { tasks: [Send], overrides: { periodic: { Other: { enabled: false } } } },
      `Config error in ${file}: overrides: names a task that is not in tasks: 'Other' (known: Send)`,
    ],
  ])('rejects %j', async (raw, message) => {
    const error = await validateConfig(file, raw).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigFileError);
    expect((error as Error).message).toBe(message);
  });

  it('says when a task class comes from another copy of @tasks/core', async () => {
    class Foreign {
      async execute(): Promise<void> {}
    }
    await expect(validateConfig(file, { tasks: [Foreign] })).rejects.toThrow(
      /tasks\[0\]: Foreign does not extend the BaseTask .* two copies of @tasks\/core/,
    );
  });
});

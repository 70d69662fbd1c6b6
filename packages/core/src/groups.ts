import { randomUUID } from 'node:crypto';
import type { RedisAdapter } from '@tasks/redis';
import { TaskConfigError } from './errors.js';
import type { Keyspace } from './keys.js';
import type { TaskPayload } from './payload.js';
import { GROUP_CHILD_DONE, GROUP_CHILD_FAILED, GROUP_CREATE } from './scripts.js';
import type { BaseTask, SpawnWithCallbackOptions, TaskContext } from './task.js';

/** @internal Builds a payload for a task (validated, encoded) and its stream index. */
export type PayloadBuilder = (
  task: BaseTask<unknown, unknown>,
  extra: Partial<TaskPayload>,
) => Promise<{ index: number; text: string; id: string }>;

/**
 * Fan-out / fan-in groups. State (`{prefix}:group:<id>`, its members and results) is kept
 * with a TTL; updates after it expired create nothing, so no counter ever leaks.
 */
export class Groups {
  constructor(
    private readonly redis: RedisAdapter,
    private readonly keys: Keyspace,
    private readonly build: PayloadBuilder,
    private readonly enqueue: (index: number, text: string) => Promise<unknown>,
    private readonly onFired: (groupId: string, outcome: 'succeeded' | 'failed') => void,
  ) {}

  #hash(groupId: string): string {
    return this.keys.key('group', groupId);
  }

  async spawn(
    parentId: string | null,
    children: ReadonlyArray<BaseTask<unknown, unknown>>,
    callback: BaseTask<unknown, unknown>,
    options: SpawnWithCallbackOptions = {},
  ): Promise<string> {
    const groupId = randomUUID();
    const ttlMs = options.ttlMs ?? 86_400_000;
    if (!Number.isInteger(ttlMs) || ttlMs <= 0)
      throw new TaskConfigError('spawnWithCallback.ttlMs', 'must be a positive integer');
    const parent = parentId ? { p: parentId } : {};
    const labels = { l: { callbackGroupId: groupId } };
    // Build (and so validate) everything before writing anything.
    const cb = await this.build(callback, { ...parent, ...labels });
    const failure = options.onFailure ? await this.build(options.onFailure, { ...parent, ...labels }) : null;
    const built = await Promise.all(children.map((child) => this.build(child, { ...parent, g: groupId })));
    if (built.length === 0) {
      await this.enqueue(cb.index, cb.text);
      this.onFired(groupId, 'succeeded');
      return groupId;
    }
    await this.redis.evalScript(
      GROUP_CREATE,
      [this.#hash(groupId), ...this.keys.streams],
      [
        built.length,
        cb.index,
        cb.text,
        failure ? failure.index : '',
        failure ? failure.text : '',
        ttlMs,
        ...built.flatMap((child) => [child.index, child.text]),
      ],
    );
    return groupId;
  }

  async childDone(groupId: string, childId: string, value: unknown): Promise<void> {
    const hash = this.#hash(groupId);
    const fired = await this.redis.evalScript(
      GROUP_CHILD_DONE,
      [hash, `${hash}:members`, `${hash}:results`, ...this.keys.streams],
      [childId, JSON.stringify(value)],
    );
    if (fired === 1) this.onFired(groupId, 'succeeded');
  }

  async childFailed(groupId: string, childId: string): Promise<void> {
    const fired = await this.redis.evalScript(
      GROUP_CHILD_FAILED,
      [this.#hash(groupId), ...this.keys.streams],
      [childId],
    );
    if (fired === 1) this.onFired(groupId, 'failed');
  }

  async results(groupId: string): Promise<Record<string, unknown>> {
    const key = `${this.#hash(groupId)}:results`;
    const flat = (await this.redis.command(['HGETALL', key], { key })) as string[];
    const out: Record<string, unknown> = {};
    for (let i = 0; i + 1 < flat.length; i += 2) out[String(flat[i])] = JSON.parse(String(flat[i + 1]));
    return out;
  }
}

/**
 * Fan-out / fan-in: submits `children` and, once every one of them has succeeded, the
 * `callback` — exactly once, even when children are redelivered. An empty list fires the
 * callback at once. A child that exhausts its retries marks the group failed and submits
 * `options.onFailure` (if given) instead; the group never hangs silently. The callback reads
 * the children's results with `ctx.groupResults()`. Group state expires after `ttlMs`.
 * @returns the group id.
 *
 * @example
 * ```ts
 * async execute(ctx: TaskContext) {
 *   await spawnWithCallback(ctx, files.map((f) => new Resize({ f })), new Publish({ album }));
 * }
 * ```
 */
export function spawnWithCallback(
  ctx: TaskContext,
  children: ReadonlyArray<BaseTask<unknown, unknown>>,
  callback: BaseTask<unknown, unknown>,
  options?: SpawnWithCallbackOptions,
): Promise<string> {
  const spawner = (ctx as TaskContext & { [GROUP_SPAWNER]?: GroupSpawner })[GROUP_SPAWNER];
  if (!spawner) throw new TypeError('spawnWithCallback needs the context of a running task (or of app.call)');
  return spawner(children, callback, options);
}

/** @internal */
export const GROUP_SPAWNER = Symbol('tasks.groupSpawner');
/** @internal */
export type GroupSpawner = (
  children: ReadonlyArray<BaseTask<unknown, unknown>>,
  callback: BaseTask<unknown, unknown>,
  options?: SpawnWithCallbackOptions,
) => Promise<string>;

/** @internal Lets `spawnWithCallback(ctx, ...)` reach the app that runs `ctx`. */
export function withGroupSpawner(ctx: TaskContext, spawner: GroupSpawner): TaskContext {
  Object.defineProperty(ctx, GROUP_SPAWNER, { value: spawner, enumerable: false });
  return ctx;
}

import { randomUUID } from 'node:crypto';
import type { RedisAdapter } from '@tasks/redis';
import type { Brokers } from './brokers.js';
import { TaskConfigError } from './errors.js';
import { encodeEvent, type TaskEventEmitter } from './events.js';
import type { Keyspace, ShardKeys } from './keys.js';
import { GROUP_CHILD_DONE, GROUP_CHILD_FAILED, GROUP_CREATE } from './group-scripts.js';
import type { TaskPayload } from './payload.js';
import type { Submitter } from './submitter.js';
import type { BaseTask, SpawnWithCallbackOptions, TaskContext } from './task.js';

/** Most groups the group index keeps (the ones expiring last). */
const GROUP_INDEX_CAP = 10_000;

/**
 * @internal Fan-out / fan-in groups. State (`{prefix}:group:<id>`, its members and results) is
 * kept with a TTL; updates after it expired create nothing, so no counter ever leaks. Each
 * child reports once: its success (idempotent under redelivery) or its final failure. With
 * shards, a group lives on the shard of its id, and its children and callbacks are given ids
 * of that shard, so creating it and each report are one script on one slot.
 */
export class Groups {
  constructor(
    private readonly redis: RedisAdapter,
    private readonly keys: Keyspace,
    private readonly submitter: Submitter,
    private readonly brokers: Brokers,
    private readonly events: TaskEventEmitter,
  ) {}

  #shard(groupId: string): ShardKeys {
    return this.keys.of(groupId);
  }

  #hash(groupId: string): string {
    return this.#shard(groupId).groupState(groupId);
  }

  #fired(groupId: string, outcome: 'succeeded' | 'failed'): void {
    this.events.emit('groupFired', { groupId, outcome });
  }

  async spawn(
    parentId: string | null,
    children: ReadonlyArray<BaseTask<unknown, unknown>>,
    callback: BaseTask<unknown, unknown>,
    options: SpawnWithCallbackOptions = {},
  ): Promise<string> {
    const groupId = randomUUID();
    const shard = this.keys.shardOf(groupId);
    const sk = this.keys.shards[shard] as ShardKeys;
    const ttlMs = options.ttlMs ?? 86_400_000;
    if (!Number.isInteger(ttlMs) || ttlMs <= 0)
      throw new TaskConfigError('spawnWithCallback.ttlMs', 'must be a positive integer');
    const parent = parentId ? { p: parentId } : {};
    const labels = { l: { callbackGroupId: groupId } };
    // Build (and so validate) everything before writing anything.
    const build = (task: BaseTask<unknown, unknown>, extra: Partial<TaskPayload>) =>
      this.submitter.build(task, extra, shard);
    const cb = await build(callback, { ...parent, ...labels });
    const failure = options.onFailure ? await build(options.onFailure, { ...parent, ...labels }) : null;
    const built = await Promise.all(children.map((child) => build(child, { ...parent, g: groupId })));
    if (built.length === 0) {
      const event = encodeEvent('submitted', {
        taskId: cb.payload.i,
        name: cb.payload.n,
        streamIndex: cb.index,
        delayed: false,
      });
      await this.brokers
        .shard(shard)
        .submit([{ index: cb.index, id: cb.payload.i, payload: cb.text, event: event.json }]);
      this.#fired(groupId, 'succeeded');
      return groupId;
    }
    await this.redis.evalScript(
      GROUP_CREATE,
      [sk.groupState(groupId), sk.live, ...sk.streams],
      [
        built.length,
        cb.index,
        cb.text,
        failure ? failure.index : '',
        failure ? failure.text : '',
        ttlMs,
        cb.payload.i,
        failure ? failure.payload.i : '',
        ...built.flatMap((child) => [child.index, child.payload.i, child.text]),
      ],
    );
    await this.#index(groupId, ttlMs);
    return groupId;
  }

  /**
   * Adds the group to the index dashboards list groups from (scored by when its state expires),
   * dropping expired groups and keeping at most `GROUP_INDEX_CAP` — so listing never scans.
   */
  async #index(groupId: string, ttlMs: number): Promise<void> {
    const key = this.keys.groupIndex();
    const now = Date.now();
    await this.redis.command(['ZADD', key, now + ttlMs, groupId], { key });
    await this.redis.command(['ZREMRANGEBYSCORE', key, '-inf', now], { key });
    await this.redis.command(['ZREMRANGEBYRANK', key, 0, -(GROUP_INDEX_CAP + 1)], { key });
  }

  /** Records a child's success (once, however often it is redelivered); fires the callback when all are done. */
  async childDone(groupId: string, childId: string, value: unknown): Promise<void> {
    const sk = this.#shard(groupId);
    const hash = sk.groupState(groupId);
    const fired = await this.redis.evalScript(
      GROUP_CHILD_DONE,
      [hash, `${hash}:members`, `${hash}:results`, sk.live, ...sk.streams],
      [childId, JSON.stringify(value)],
    );
    if (fired === 1) this.#fired(groupId, 'succeeded');
  }

  /** Marks the group failed (a child ended without success) and submits its failure callback, once. */
  async childFailed(groupId: string, childId: string): Promise<void> {
    const fired = await this.redis.evalScript(
      GROUP_CHILD_FAILED,
      [this.#hash(groupId), this.#shard(groupId).live, ...this.#shard(groupId).streams],
      [childId],
    );
    if (fired === 1) this.#fired(groupId, 'failed');
  }

  /** Every child's value, by child id. */
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

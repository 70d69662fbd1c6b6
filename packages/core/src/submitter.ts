import type { SubmitItem } from './broker.js';
import type { Brokers } from './brokers.js';
import { TaskConfigError } from './errors.js';
import { encodeEvent } from './events.js';
import { isOutage } from './outage.js';
import { assertPlainData, encodePayload, validateWithSchema, type TaskPayload } from './payload.js';
import type { AnyTask, TaskRegistry } from './registry.js';
import { Telemetry } from './telemetry.js';
import type { SubmitOptions, TaskHandle } from './task.js';
import { sleep } from './timing.js';

/** A validated task, ready to queue. */
export interface BuiltTask {
  /** The stream (0–8) it goes to. */
  readonly index: number;
  /** The encoded payload. */
  readonly text: string;
  readonly payload: TaskPayload;
}

/** One task of `submitMany`, with its options. */
export interface SubmitManyItem {
  readonly task: AnyTask;
  readonly options?: SubmitOptions;
}

/** Tasks per script call of a bulk submit (the calls are pipelined: one round trip in all). */
const CHUNK = 500;
const MAX_ID_LENGTH = 256;
/** How long a submit cut off by a Redis outage keeps re-sending (ids checked) before it rejects. */
const RESEND_WINDOW_MS = 5_000;

/**
 * @internal Validates tasks and puts them on their stream (or in the delayed set): the one
 * path by which `submit`, `submitMany`, `ctx.spawn`, groups and the scheduler build a task's
 * payload. A task goes to the shard its id belongs to; an id is drawn for the shard of its
 * `shardKey` (or `dedupKey`) when it has one.
 */
export class Submitter {
  constructor(
    private readonly registry: TaskRegistry,
    private readonly brokers: Brokers,
    private readonly maxPayloadBytes: number,
    private readonly handle: (id: string) => TaskHandle<unknown>,
    private readonly telemetry: Telemetry = Telemetry.off,
  ) {}

  /**
   * Validates `task` (registered class, plain-data args, its schema) and encodes its payload,
   * with an id of `shard` (any shard when omitted) unless `extra.i` gives one.
   */
  async build(task: AnyTask, extra: Partial<TaskPayload> = {}, shard?: number): Promise<BuiltTask> {
    const name = this.registry.nameOf(task);
    const args = await this.validate(name, task.args);
    const id = extra.i ?? this.brokers.keys.newId(shard);
    let payload: TaskPayload = { n: name, a: args ?? null, t: 0, s: Date.now(), ...extra, i: id };
    const index = this.registry.streamOf(task);
    if (this.telemetry.enabled) {
      const c = this.telemetry.submitted(payload, index);
      if (c) payload = { ...payload, c };
    }
    return { index, text: this.encode(payload), payload };
  }

  /** Checks arguments as `submit` does; returns them as the schema transformed them. */
  async validate(name: string, args: unknown): Promise<unknown> {
    const cls = this.registry.classOf(name);
    assertPlainData(name, args === undefined ? null : args);
    return cls.argsSchema ? validateWithSchema(name, cls.argsSchema, args) : args;
  }

  /** Encodes a payload under the app's size limit. @throws PayloadTooLargeError */
  encode(payload: TaskPayload): string {
    return encodePayload(payload, this.maxPayloadBytes);
  }

  /** Validates and queues a task (now, or at `at` / after `delayMs`); `parentId` records its parent. */
  async submit(task: AnyTask, options: SubmitOptions, parentId?: string): Promise<TaskHandle<unknown>> {
    const [handle] = await this.submitMany([{ task, options }], parentId);
    return handle as TaskHandle<unknown>;
  }

  /**
   * Validates every task first (nothing is queued when one is invalid), then queues them all in
   * pipelined script calls, one per shard and chunk. Returns a handle per task, in order (on the
   * existing task for a duplicate id or de-duplication key).
   */
  async submitMany(items: readonly SubmitManyItem[], parentId?: string): Promise<Array<TaskHandle<unknown>>> {
    const prepared = await Promise.all(items.map((item) => this.#prepare(item, parentId)));
    const byShard = new Map<number, Array<{ item: SubmitItem; at: number }>>();
    prepared.forEach((item, at) => {
      const shard = this.brokers.keys.shardOf(item.id);
      const list = byShard.get(shard) ?? [];
      list.push({ item, at });
      byShard.set(shard, list);
    });
    const duplicates: Array<string | null> = prepared.map(() => null);
    const calls: Array<Promise<void>> = [];
    for (const [shard, list] of byShard) {
      for (let i = 0; i < list.length; i += CHUNK) {
        const chunk = list.slice(i, i + CHUNK);
        calls.push(
          this.#submitChunk(
            shard,
            chunk.map((c) => c.item),
          ).then((replies) =>
            replies.forEach((same, k) => (duplicates[(chunk[k] as { at: number }).at] = same)),
          ),
        );
      }
    }
    await Promise.all(calls);
    return prepared.map((item, i) => this.handle(duplicates[i] ?? item.id));
  }

  /**
   * One chunk's script call. Queuing is idempotent by task id, so a call cut off by a Redis
   * outage (the connection closed mid-command, a restart still loading its data, a fail-over:
   * whether it ran is unknown) is sent again with every id checked — a task that did land is not
   * queued twice, one that did not is queued now — at once, then with a growing pause, for up to
   * {@link RESEND_WINDOW_MS}; after that the outage error is thrown.
   */
  async #submitChunk(shard: number, items: readonly SubmitItem[]): Promise<Array<string | null>> {
    const broker = this.brokers.shard(shard);
    try {
      return await broker.submit(items);
    } catch (error) {
      if (!isOutage(error)) throw error;
    }
    const checked = items.map((item) => ({ ...item, checkId: true }));
    const deadline = Date.now() + RESEND_WINDOW_MS;
    for (let pauseMs = 50; ; pauseMs = Math.min(pauseMs * 2, 1_000)) {
      try {
        return await broker.submit(checked);
      } catch (error) {
        if (!isOutage(error) || Date.now() + pauseMs > deadline) throw error;
      }
      await sleep(pauseMs);
    }
  }

  async #prepare(item: SubmitManyItem, parentId: string | undefined): Promise<SubmitItem> {
    const { task, options = {} } = item;
    if (options.labels) assertPlainData(task.taskName, options.labels, 'labels');
    if (options.id !== undefined) checkId(options.id, options.shardKey);
    const keys = this.brokers.keys;
    if (options.id !== undefined && options.dedupKey !== undefined && keys.shards.length > 1)
      throw new TaskConfigError(
        'submit.dedupKey',
        'with shards, give either an id or a dedupKey: both decide the shard',
      );
    const pinned = options.shardKey ?? options.dedupKey;
    const built = await this.build(
      task,
      {
        ...(options.id !== undefined ? { i: options.id } : {}),
        ...(parentId ? { p: parentId } : {}),
        ...(options.labels ? { l: options.labels } : {}),
      },
      pinned === undefined ? undefined : keys.shardOf(pinned),
    );
    const when =
      options.at !== undefined
        ? { at: options.at.getTime() }
        : options.delayMs !== undefined
          ? { delayMs: options.delayMs }
          : undefined;
    if (when && !Number.isFinite('at' in when ? when.at : when.delayMs))
      throw new TaskConfigError('submit.at', 'must be a valid date or delay');
    const p = built.payload;
    const event = encodeEvent('submitted', {
      taskId: p.i,
      name: p.n,
      streamIndex: built.index,
      delayed: !!when,
    });
    return {
      index: built.index,
      id: p.i,
      payload: built.text,
      event: event.json,
      ...(when ? { when } : {}),
      ...(options.id !== undefined ? { checkId: true } : {}),
      ...(options.dedupKey !== undefined
        ? { dedup: { key: options.dedupKey, windowMs: dedupWindow(options.dedupWindowMs) } }
        : {}),
    };
  }
}

function checkId(id: unknown, shardKey: string | undefined): void {
  if (typeof id !== 'string' || id === '' || id.length > MAX_ID_LENGTH || id.startsWith('entry:'))
    throw new TaskConfigError(
      'submit.id',
      `must be a non-empty string of at most ${MAX_ID_LENGTH} characters, not starting with 'entry:'`,
    );
  if (shardKey !== undefined)
    throw new TaskConfigError(
      'submit.shardKey',
      'give either an id or a shardKey: a custom id decides the shard',
    );
}

function dedupWindow(ms: number | undefined): number {
  const windowMs = ms ?? 60_000;
  if (!Number.isFinite(windowMs) || windowMs <= 0)
    throw new TaskConfigError('submit.dedupWindowMs', 'must be a positive number of ms');
  return windowMs;
}

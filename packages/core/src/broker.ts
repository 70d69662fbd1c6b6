import { RedisAdapterError, RedisOutOfMemoryError, type RedisAdapter, type RedisArg } from '@tasks/redis';
import { GROUP_CREATE_WHEN_FULL } from './group-create-script.js';
import {
  FETCH,
  FINISH,
  HEARTBEAT,
  PROGRESS,
  PROMOTE,
  RECLAIM,
  REQUEUE,
  SCHEDULE,
  STARTED,
  SUBMIT,
} from './broker-scripts.js';
import { CANCEL } from './control-scripts.js';
import { SIZES, type Size } from './enums.js';
import type { ShardKeys } from './keys.js';
import { payloadOf } from './payload.js';
import { CONSUMER_LEAVE, CONSUMERS_TIDY, WORKER_LEAVE, WORKER_REGISTER } from './worker-scripts.js';

/** What every shard's broker is configured with. */
export interface BrokerOptions {
  readonly resultTtlMs: number;
  readonly eventsMaxLen: number;
  /** How many finished tasks of each status are listed (`app.list`). */
  readonly historyMaxLen: number;
  /** The pub/sub channel workers hear cancel and pause requests on. */
  readonly control: string;
}

/** An entry read from a stream. */
export interface FetchedEntry {
  /** The shard of its stream. */
  readonly shard: number;
  /** Index (0–8) of its stream. */
  readonly streamIndex: number;
  readonly entryId: string;
  /** The raw payload text ('' when the entry had none). */
  readonly raw: string;
  /** How many times it was delivered (1 for a first delivery). */
  readonly deliveries: number;
}

/** An event as the transition scripts append it to the event stream. */
export interface EncodedEvent {
  readonly type: string;
  readonly json: string;
}

/** One delivery ended by {@link Broker.finish}. */
export interface FinishItem {
  /** Its stream entry ('' for a task that was never delivered). */
  readonly entryId: string;
  /** The id the outcome record is stored under. */
  readonly recordId: string;
  readonly recordJson: string;
  readonly status: 'succeeded' | 'failed' | 'dead-lettered' | 'cancelled';
  /** True to add the record to the dead-letter queue too. */
  readonly deadLetter: boolean;
  readonly event: EncodedEvent | null;
}

/** One task for {@link Broker.submit}. */
export interface SubmitItem {
  readonly index: number;
  readonly id: string;
  readonly payload: string;
  /** Not before this (a delay from now on the server clock, or an absolute time). */
  readonly when?: { readonly delayMs: number } | { readonly at: number };
  /** A caller-chosen id: a duplicate of a live or recently finished task is not queued again. */
  readonly checkId?: boolean;
  /** De-duplicate by this key within the window. */
  readonly dedup?: { readonly key: string; readonly windowMs: number };
  /** The `submitted` event's JSON. */
  readonly event: string;
}

/** Where a live task is, from the live index. */
export type TaskLocation =
  | { readonly state: 'queued'; readonly streamIndex: number; readonly entryId: string; readonly raw: string }
  | { readonly state: 'delayed'; readonly streamIndex: number; readonly raw: string };

/** Tasks parked on a lock that a finished run released: wake up to `count` of them. */
export interface WakeRequest {
  readonly lockKey: string;
  readonly count: number;
}

/** Where and when {@link Broker.schedule} puts a task. */
export interface ScheduleRequest {
  /** The stream the task goes to when due. */
  readonly streamIndex: number;
  readonly taskId: string;
  readonly payload: string;
  readonly when: { readonly delayMs: number } | { readonly at: number };
  /** The entry it came from, acked and deleted in the same step. */
  readonly ack: { readonly streamIndex: number; readonly entryId: string };
  /** Park the task on this lock, so the run that releases it wakes the task at once. */
  readonly parkOn?: string;
  readonly event: EncodedEvent;
}

function isNoGroup(error: unknown): boolean {
  return error instanceof RedisAdapterError && /NOGROUP/.test(error.message);
}

/**
 * The Redis Streams broker: nine streams (priority × size) read by one consumer group,
 * a delayed set, results, the dead-letter queue and the event stream — every transition one
 * script. It knows entries and keys, never what a task means.
 */
export class Broker {
  constructor(
    readonly redis: RedisAdapter,
    readonly keys: ShardKeys,
    readonly options: BrokerOptions,
  ) {}

  /** Creates the consumer group on every stream (from id 0, so nothing added before is skipped). */
  async ensureGroups(): Promise<void> {
    await Promise.all(
      this.keys.streams.map(async (stream) => {
        try {
          await this.redis.command(['XGROUP', 'CREATE', stream, this.keys.group, '0', 'MKSTREAM'], {
            key: stream,
          });
        } catch (error) {
          if (error instanceof RedisAdapterError && /BUSYGROUP/.test(error.message)) return;
          // A full Redis refuses XGROUP CREATE even when the group exists: a worker must still
          // start and drain it: a script that may run then creates the group only when missing.
          if (!(error instanceof RedisOutOfMemoryError)) throw error;
          await this.redis.evalScript(GROUP_CREATE_WHEN_FULL, [stream], [this.keys.group]);
        }
      }),
    );
  }

  /** Runs `op`, recreating the groups once if Redis lost them (restart, flush). */
  async withGroups<T>(op: () => Promise<T>): Promise<T> {
    try {
      return await op();
    } catch (error) {
      if (!isNoGroup(error)) throw error;
      await this.ensureGroups();
      return op();
    }
  }

  /**
   * Queues tasks (or delays them), indexing each as live, in one round trip. Returns, per
   * task, `null` when it was queued or the id of the task it duplicates.
   */
  async submit(items: readonly SubmitItem[]): Promise<Array<string | null>> {
    if (items.length === 0) return [];
    const k = this.keys;
    const keys = [k.delayed, k.delayedData, k.live, k.events, ...k.streams];
    const args: RedisArg[] = [this.options.eventsMaxLen, items.length];
    for (const item of items) {
      keys.push(k.result(item.id), item.dedup ? k.dedup(item.dedup.key) : k.live);
      const when = item.when;
      const at = !when
        ? ''
        : 'at' in when
          ? `a${Math.round(when.at)}`
          : `r${Math.max(0, Math.round(when.delayMs))}`;
      args.push(item.id, item.index, item.payload, item.checkId ? '1' : '0');
      args.push(item.dedup ? Math.max(1, Math.round(item.dedup.windowMs)) : '', at, item.event);
    }
    const reply = (await this.redis.evalScript(SUBMIT, keys, args)) as string[];
    return reply.map((same) => (same === '' ? null : String(same)));
  }

  /**
   * Moves a delivered task back to the delayed set (a retry, a reschedule), acking its entry and
   * parking it on a lock as asked, in the same step. Returns the run-at ms.
   */
  async schedule(request: ScheduleRequest): Promise<number> {
    const { when, ack, parkOn, event } = request;
    const [mode, value] = 'at' in when ? ['abs', when.at] : ['rel', Math.max(0, Math.round(when.delayMs))];
    const k = this.keys;
    const reply = await this.redis.evalScript(
      SCHEDULE,
      [
        k.delayed,
        k.delayedData,
        this.#stream(ack.streamIndex),
        k.events,
        parkOn ? k.parked(parkOn) : k.delayed,
        parkOn ? k.parkedTokens(parkOn) : k.delayed,
        k.live,
        this.#stream(request.streamIndex),
      ],
      [
        k.group,
        ack.entryId,
        request.streamIndex,
        request.taskId,
        mode,
        value,
        request.payload,
        parkOn ? '1' : '0',
        this.options.eventsMaxLen,
        event.type,
        event.json,
      ],
    );
    return Number(reply);
  }

  /**
   * Up to `count` new entries of one size, most urgent priority first, from the streams that are
   * not paused; `paused` lists the stream indexes of this size that are.
   */
  async fetch(
    size: Size,
    consumer: string,
    count: number,
  ): Promise<{ entries: FetchedEntry[]; paused: number[] }> {
    const streams = this.keys.streamsOfSize(size);
    const base = SIZES.indexOf(size) * 3;
    const reply = (await this.withGroups(() =>
      this.redis.evalScript(
        FETCH,
        [...streams, this.keys.paused],
        [this.keys.group, consumer, count, base, base + 1, base + 2],
      ),
    )) as Array<number | string>;
    const mask = Number(reply[0]);
    const paused = [0, 1, 2].filter((i) => (mask & (1 << i)) !== 0).map((i) => base + i);
    const entries: FetchedEntry[] = [];
    for (let i = 1; i + 2 < reply.length; i += 3) {
      entries.push({
        shard: this.keys.index,
        streamIndex: base + Number(reply[i]) - 1,
        entryId: String(reply[i + 1]),
        raw: String(reply[i + 2]),
        deliveries: 1,
      });
    }
    return { entries, paused };
  }

  /**
   * Blocks (on `connection`, a duplicate) until one of `streamIndexes` (of one size, not
   * paused) has a new entry, or `blockMs`.
   */
  async blockingRead(
    connection: RedisAdapter,
    streamIndexes: readonly number[],
    consumer: string,
    blockMs: number,
  ): Promise<FetchedEntry[]> {
    const streams = streamIndexes.map((i) => this.#stream(i));
    const args: RedisArg[] = ['XREADGROUP', 'GROUP', this.keys.group, consumer, 'COUNT', 1];
    args.push('BLOCK', blockMs, 'STREAMS', ...streams, ...streams.map(() => '>'));
    const reply = (await this.withGroups(() =>
      connection.command(args, { key: streams[0] as string }),
    )) as Array<[string, Array<[string, string[] | null]>]> | null;
    const entries: FetchedEntry[] = [];
    for (const [stream, items] of reply ?? []) {
      const streamIndex = this.keys.streams.indexOf(stream);
      for (const [entryId, fields] of items)
        entries.push({ shard: this.keys.index, streamIndex, entryId, raw: payloadOf(fields), deliveries: 1 });
    }
    return entries.sort((a, b) => a.streamIndex - b.streamIndex);
  }

  /**
   * Ends a batch of one stream's deliveries (ack, delete, outcome record, DLQ, events) and
   * wakes the tasks parked on the locks they released. Returns how many tasks it woke.
   */
  async finish(
    streamIndex: number,
    items: readonly FinishItem[],
    wake: readonly WakeRequest[],
  ): Promise<number> {
    if (items.length === 0 && wake.length === 0) return 0;
    const k = this.keys;
    const keys = [this.#stream(streamIndex), k.dlq, k.dlqData, k.events, k.delayed, k.delayedData, k.live];
    keys.push(k.history('succeeded'), k.history('failed'), k.history('cancelled'), k.cancels, k.progress);
    keys.push(...k.streams);
    const args: RedisArg[] = [k.group, this.options.resultTtlMs, this.options.eventsMaxLen];
    args.push(items.length, wake.length, this.options.historyMaxLen);
    for (const item of items) {
      keys.push(k.result(item.recordId), k.resultWait(item.recordId));
      args.push(item.entryId, item.recordId, item.recordJson, item.deadLetter ? '1' : '0', item.status);
      args.push(item.event?.type ?? '', item.event?.json ?? '');
    }
    for (const w of wake) {
      keys.push(k.parked(w.lockKey), k.parkedTokens(w.lockKey));
      args.push(w.count);
    }
    return Number(await this.redis.evalScript(FINISH, keys, args));
  }

  /** Claims entries idle longer than `minIdleMs` (their worker died), with their delivery counts. */
  async reclaim(
    streamIndex: number,
    consumer: string,
    minIdleMs: number,
    guardMs: number,
    count: number,
  ): Promise<FetchedEntry[]> {
    const stream = this.#stream(streamIndex);
    const reply = (await this.withGroups(() =>
      this.redis.evalScript(
        RECLAIM,
        [stream, this.keys.reclaimGuard(stream)],
        [this.keys.group, consumer, minIdleMs, count, guardMs],
      ),
    )) as Array<string | number>;
    const entries: FetchedEntry[] = [];
    for (let i = 0; i + 2 < reply.length; i += 3) {
      entries.push({
        shard: this.keys.index,
        streamIndex,
        entryId: String(reply[i]),
        raw: String(reply[i + 1]),
        deliveries: Number(reply[i + 2]),
      });
    }
    return entries;
  }

  /** Resets the idle time of running entries this consumer owns; returns the ids it lost. */
  async heartbeat(streamIndex: number, consumer: string, entryIds: readonly string[]): Promise<string[]> {
    if (entryIds.length === 0) return [];
    const stream = this.#stream(streamIndex);
    return (await this.redis.evalScript(
      HEARTBEAT,
      [stream],
      [this.keys.group, consumer, ...entryIds],
    )) as string[];
  }

  /** Promotes due delayed tasks; returns how many, and when the next one is due. */
  async promote(batch: number): Promise<{ promoted: number; nextDueMs: number | null; nowMs: number }> {
    const keys = [this.keys.delayed, this.keys.delayedData, this.keys.live, ...this.keys.streams];
    const [promoted, next, now] = (await this.redis.evalScript(PROMOTE, keys, [batch])) as [
      number,
      string,
      number,
    ];
    const nextDue = Number(next);
    return { promoted: Number(promoted), nextDueMs: nextDue >= 0 ? nextDue : null, nowMs: Number(now) };
  }

  /** Puts an entry back at the end of its stream (shutdown), acking the old one. */
  async requeue(streamIndex: number, entryId: string, payload: string, taskId: string): Promise<void> {
    await this.redis.evalScript(
      REQUEUE,
      [this.#stream(streamIndex), this.keys.live],
      [this.keys.group, entryId, payload, streamIndex, taskId],
    );
  }

  /** Appends the `started` events of runs that just began; returns the ids with a cancel request. */
  async started(runs: ReadonlyArray<{ readonly id: string; readonly json: string }>): Promise<string[]> {
    if (runs.length === 0) return [];
    const args: RedisArg[] = [this.options.eventsMaxLen];
    for (const run of runs) args.push(run.id, run.json);
    const reply = await this.redis.evalScript(STARTED, [this.keys.events, this.keys.cancels], args);
    return (reply as string[]).map(String);
  }

  /** Stores a running task's progress and appends the event. */
  async progress(taskId: string, json: string, event: EncodedEvent): Promise<void> {
    await this.redis.evalScript(
      PROGRESS,
      [this.keys.progress, this.keys.events],
      [taskId, json, this.options.eventsMaxLen, event.json],
    );
  }

  /** Where a live task is (queued or delayed, with its entry), or `null` when it is not live. */
  async locate(taskId: string): Promise<TaskLocation | null> {
    const k = this.keys;
    const where = await this.redis.command(['HGET', k.live, taskId], { key: k.live });
    if (typeof where !== 'string') return null;
    const bar = where.indexOf('|');
    const head = where.slice(0, bar);
    if (head === 'd') {
      const raw = await this.redis.command(['HGET', k.delayedData, taskId], { key: k.delayedData });
      return { state: 'delayed', streamIndex: Number(where.slice(bar + 1)), raw: String(raw ?? '') };
    }
    const streamIndex = Number(head);
    const entryId = where.slice(bar + 1);
    const stream = this.#stream(streamIndex);
    const found = (await this.redis.command(['XRANGE', stream, entryId, entryId], { key: stream })) as Array<
      [string, string[] | null]
    >;
    return { state: 'queued', streamIndex, entryId, raw: payloadOf(found[0]?.[1] ?? null) };
  }

  /**
   * Cancels a live task found at `location`: removed (queued or delayed) with its record
   * written, or — delivered already — signalled to the workers. `'moved'` when it was no longer
   * there.
   */
  async cancel(
    taskId: string,
    location: TaskLocation,
    recordJson: string,
    event: EncodedEvent,
  ): Promise<'cancelled' | 'signalled' | 'moved'> {
    const k = this.keys;
    const queued = location.state === 'queued';
    const reply = await this.redis.evalScript(
      CANCEL,
      [
        k.live,
        k.delayed,
        k.delayedData,
        this.#stream(location.streamIndex),
        k.result(taskId),
        k.resultWait(taskId),
        k.events,
        k.history('cancelled'),
        k.cancels,
      ],
      [
        taskId,
        queued ? `${location.streamIndex}|${location.entryId}` : `d|${location.streamIndex}`,
        k.group,
        queued ? location.entryId : '',
        recordJson,
        this.options.resultTtlMs,
        this.options.eventsMaxLen,
        event.json,
        this.options.historyMaxLen,
        this.options.control,
        `${location.streamIndex}|${taskId}`,
      ],
    );
    return String(reply) as 'cancelled' | 'signalled' | 'moved';
  }

  /**
   * Records a worker as alive in the registry `workers` (a key of this shard: call it on the
   * home shard) and reaps dead ones; returns the ids of the live workers.
   */
  register(workers: string, workerId: string, info: object, expiryMs: number): Promise<string[]> {
    return WORKER_REGISTER.run(
      this.redis,
      { workers, events: this.keys.events },
      { worker: workerId, info: JSON.stringify(info), expiryMs, maxlen: this.options.eventsMaxLen },
    );
  }

  /** Deletes this shard's idle, empty consumers of workers that are not alive. */
  async tidy(alive: readonly string[], expiryMs: number): Promise<void> {
    await CONSUMERS_TIDY.run(
      this.redis,
      {},
      { group: this.keys.group, expiryMs },
      { keys: this.keys.streams, args: alive },
    );
  }

  /** Removes a closing worker from the registry `workers` (call it on the home shard). */
  async leaveRegistry(workers: string, workerId: string): Promise<void> {
    await WORKER_LEAVE.run(
      this.redis,
      { workers, events: this.keys.events },
      { worker: workerId, maxlen: this.options.eventsMaxLen },
    );
  }

  /** Deletes a closing worker's consumers of this shard's streams that hold no pending entry. */
  async leaveConsumers(workerId: string): Promise<void> {
    await CONSUMER_LEAVE.run(
      this.redis,
      {},
      { group: this.keys.group, worker: workerId },
      { keys: this.keys.streams },
    );
  }

  #stream(index: number): string {
    return this.keys.streams[index] as string;
  }
}

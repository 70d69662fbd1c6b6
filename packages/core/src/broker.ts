import { RedisAdapterError, type RedisAdapter } from '@tasks/redis';
import { SIZES, type Size } from './enums.js';
import type { Keyspace } from './keys.js';
import { COMPLETE, DEAD_LETTER, FETCH, HEARTBEAT, PROMOTE, RECLAIM, REQUEUE, SCHEDULE } from './scripts.js';

/** An entry read from a stream. */
export interface FetchedEntry {
  /** Index (0–8) of its stream. */
  readonly streamIndex: number;
  readonly entryId: string;
  /** The raw payload text ('' when the entry had none). */
  readonly raw: string;
  /** How many times it was delivered (1 for a first delivery). */
  readonly deliveries: number;
}

/** One completed entry of a batch. */
export interface Completion {
  readonly entryId: string;
  readonly taskId: string;
  readonly resultJson: string;
}

function isNoGroup(error: unknown): boolean {
  return error instanceof RedisAdapterError && /NOGROUP/.test(error.message);
}

/**
 * The Redis Streams broker: nine streams (priority × size) read by one consumer group,
 * a delayed set, results and the dead-letter queue, every transition one script.
 */
export class Broker {
  constructor(
    readonly redis: RedisAdapter,
    readonly keys: Keyspace,
    readonly resultTtlMs: number,
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
          if (!(error instanceof RedisAdapterError && /BUSYGROUP/.test(error.message))) throw error;
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

  enqueue(streamIndex: number, payload: string): Promise<unknown> {
    const stream = this.keys.streams[streamIndex] as string;
    return this.redis.command(['XADD', stream, '*', 'p', payload], { key: stream });
  }

  /** Adds to the delayed set; with `ack`, acks and deletes that entry in the same step. Returns the run-at ms. */
  async schedule(
    streamIndex: number,
    taskId: string,
    when: { readonly delayMs: number } | { readonly at: number },
    payload: string,
    ack?: { readonly streamIndex: number; readonly entryId: string },
  ): Promise<number> {
    const source = this.keys.streams[ack?.streamIndex ?? streamIndex] as string;
    const [mode, value] = 'at' in when ? ['abs', when.at] : ['rel', Math.max(0, Math.round(when.delayMs))];
    const reply = await this.redis.evalScript(
      SCHEDULE,
      [this.keys.delayed, this.keys.delayedData, source],
      [this.keys.group, ack?.entryId ?? '', `${streamIndex}|${taskId}`, taskId, mode, value, payload],
    );
    return Number(reply);
  }

  /** Up to `count` new entries of one size, most urgent priority first. */
  async fetch(size: Size, consumer: string, count: number): Promise<FetchedEntry[]> {
    const streams = this.keys.streamsOfSize(size);
    const reply = (await this.withGroups(() =>
      this.redis.evalScript(FETCH, streams, [this.keys.group, consumer, count]),
    )) as Array<number | string>;
    const base = SIZES.indexOf(size) * 3;
    const entries: FetchedEntry[] = [];
    for (let i = 0; i + 2 < reply.length; i += 3) {
      entries.push({
        streamIndex: base + Number(reply[i]) - 1,
        entryId: String(reply[i + 1]),
        raw: String(reply[i + 2]),
        deliveries: 1,
      });
    }
    return entries;
  }

  /** Blocks (on `connection`, a duplicate) until one size's streams have a new entry, or `blockMs`. */
  async blockingRead(
    connection: RedisAdapter,
    size: Size,
    consumer: string,
    blockMs: number,
  ): Promise<FetchedEntry[]> {
    const streams = this.keys.streamsOfSize(size);
    const reply = (await this.withGroups(() =>
      connection.command(
        [
          'XREADGROUP',
          'GROUP',
          this.keys.group,
          consumer,
          'COUNT',
          1,
          'BLOCK',
          blockMs,
          'STREAMS',
          ...streams,
          '>',
          '>',
          '>',
        ],
        { key: streams[0] as string },
      ),
    )) as Array<[string, Array<[string, string[] | null]>]> | null;
    const entries: FetchedEntry[] = [];
    for (const [stream, items] of reply ?? []) {
      const streamIndex = this.keys.streams.indexOf(stream);
      for (const [entryId, fields] of items)
        entries.push({ streamIndex, entryId, raw: payloadOf(fields), deliveries: 1 });
    }
    return entries.sort((a, b) => a.streamIndex - b.streamIndex);
  }

  /** Acks, deletes and stores the results of a batch of one stream's entries. */
  async complete(streamIndex: number, batch: readonly Completion[]): Promise<void> {
    if (batch.length === 0) return;
    const keys = [this.keys.streams[streamIndex] as string];
    const args: Array<string | number> = [this.keys.group, this.resultTtlMs];
    for (const item of batch) {
      keys.push(this.keys.result(item.taskId), this.keys.resultWait(item.taskId));
      args.push(item.entryId, item.resultJson);
    }
    await this.redis.evalScript(COMPLETE, keys, args);
  }

  /** Dead-letters an entry (and stores the task's final result when it has an id). */
  async deadLetter(
    streamIndex: number,
    entryId: string,
    dlqId: string,
    record: unknown,
    result: { readonly taskId: string; readonly json: string } | null,
  ): Promise<void> {
    const taskId = result?.taskId ?? dlqId;
    await this.redis.evalScript(
      DEAD_LETTER,
      [
        this.keys.streams[streamIndex] as string,
        this.keys.dlq,
        this.keys.dlqData,
        this.keys.result(taskId),
        this.keys.resultWait(taskId),
      ],
      [this.keys.group, entryId, dlqId, JSON.stringify(record), result?.json ?? '', this.resultTtlMs],
    );
  }

  /** Reclaims entries idle longer than `minIdleMs`; poison entries go to the DLQ. */
  async reclaim(
    streamIndex: number,
    consumer: string,
    minIdleMs: number,
    maxDeliveries: number,
    guardMs: number,
    count: number,
  ): Promise<FetchedEntry[]> {
    const stream = this.keys.streams[streamIndex] as string;
    const reply = (await this.withGroups(() =>
      this.redis.evalScript(
        RECLAIM,
        [stream, this.keys.reclaimGuard(stream), this.keys.dlq, this.keys.dlqData],
        [this.keys.group, consumer, minIdleMs, count, maxDeliveries, guardMs],
      ),
    )) as Array<string | number>;
    const entries: FetchedEntry[] = [];
    for (let i = 0; i + 2 < reply.length; i += 3) {
      entries.push({
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
    const stream = this.keys.streams[streamIndex] as string;
    return (await this.redis.evalScript(
      HEARTBEAT,
      [stream],
      [this.keys.group, consumer, ...entryIds],
    )) as string[];
  }

  /** Promotes due delayed tasks; returns how many, and when the next one is due. */
  async promote(batch: number): Promise<{ promoted: number; nextDueMs: number | null; nowMs: number }> {
    const keys = [
      this.keys.delayed,
      this.keys.delayedData,
      this.keys.dlq,
      this.keys.dlqData,
      ...this.keys.streams,
    ];
    const [promoted, next, now] = (await this.redis.evalScript(PROMOTE, keys, [batch])) as [
      number,
      string,
      number,
    ];
    const nextDue = Number(next);
    return { promoted: Number(promoted), nextDueMs: nextDue >= 0 ? nextDue : null, nowMs: Number(now) };
  }

  /** Puts an entry back at the end of its stream (shutdown), acking the old one. */
  async requeue(streamIndex: number, entryId: string, payload: string): Promise<void> {
    await this.redis.evalScript(
      REQUEUE,
      [this.keys.streams[streamIndex] as string],
      [this.keys.group, entryId, payload],
    );
  }
}

function payloadOf(fields: string[] | null): string {
  if (!fields) return '';
  for (let i = 0; i + 1 < fields.length; i += 2) if (fields[i] === 'p') return fields[i + 1] ?? '';
  return '';
}

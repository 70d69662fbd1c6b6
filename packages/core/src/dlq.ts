import { randomUUID } from 'node:crypto';
import type { RedisAdapter } from '@tasks/redis';
import type { TaskErrorRecord } from './errors.js';
import type { Keyspace } from './keys.js';
import { decodePayload, type TaskPayload } from './payload.js';
import type { TaskHandle } from './task.js';

/** One dead-lettered task (or undecodable entry), with why it got there. */
export interface DeadLetterEntry {
  /** DLQ id: the task id, or `entry:<id>` / `poison:<id>` for entries without a usable payload. */
  readonly id: string;
  readonly reason: string;
  readonly taskId: string | null;
  readonly taskName: string | null;
  readonly args: unknown;
  /** Every attempt's error. */
  readonly errors: readonly TaskErrorRecord[];
  /** When it was dead-lettered (ms since epoch). */
  readonly at: number;
  /** The raw payload, as it was in the stream. */
  readonly payload: string;
}

interface StoredRecord {
  id?: string;
  reason?: string;
  payload?: string;
  errors?: TaskErrorRecord[];
  at?: number;
}

/**
 * The dead-letter queue (kept in Redis under the app's prefix): tasks that exhausted their
 * retries (when `dlqEligible`), poison entries over the delivery cap, undecodable entries
 * and unknown task names — each with its reason. Nothing is acked and lost.
 */
export class DeadLetterQueue {
  constructor(
    private readonly redis: RedisAdapter,
    private readonly keys: Keyspace,
    private readonly enqueue: (payload: TaskPayload) => Promise<TaskHandle<unknown>>,
  ) {}

  /** How many entries it holds. */
  async size(): Promise<number> {
    return Number(await this.redis.command(['ZCARD', this.keys.dlq], { key: this.keys.dlq }));
  }

  /** Entries, oldest first. */
  async list(options: { limit?: number; offset?: number } = {}): Promise<DeadLetterEntry[]> {
    const offset = options.offset ?? 0;
    const limit = options.limit ?? 50;
    const ids = (await this.redis.command(['ZRANGE', this.keys.dlq, offset, offset + limit - 1], {
      key: this.keys.dlq,
    })) as string[];
    if (ids.length === 0) return [];
    const raws = (await this.redis.command(['HMGET', this.keys.dlqData, ...ids], {
      key: this.keys.dlqData,
    })) as Array<string | null>;
    return ids.map((id, i) => parseEntry(id, raws[i] ?? null));
  }

  /** One entry, or `null`. */
  async get(id: string): Promise<DeadLetterEntry | null> {
    const raw = await this.redis.command(['HGET', this.keys.dlqData, id], { key: this.keys.dlqData });
    return typeof raw === 'string' ? parseEntry(id, raw) : null;
  }

  /**
   * Submits the entry's task again as a new attempt series (new task id, attempt 0, labelled
   * `replayOf`) and removes it from the DLQ.
   * @throws Error when the entry has no decodable payload or names an unknown task.
   */
  async replay(id: string): Promise<TaskHandle<unknown>> {
    const entry = await this.get(id);
    if (!entry) throw new Error(`No dead-letter entry '${id}'`);
    const original = decodePayload(entry.payload);
    const handle = await this.enqueue({
      i: randomUUID(),
      n: original.n,
      a: original.a,
      t: 0,
      s: Date.now(),
      l: { ...(original.l ?? {}), replayOf: original.i },
      ...(original.p ? { p: original.p } : {}),
    });
    await this.purge(id);
    return handle;
  }

  /** Removes one entry (or all with no id); returns how many went. */
  async purge(id?: string): Promise<number> {
    if (id !== undefined) {
      const removed = Number(await this.redis.command(['ZREM', this.keys.dlq, id], { key: this.keys.dlq }));
      await this.redis.command(['HDEL', this.keys.dlqData, id], { key: this.keys.dlqData });
      return removed;
    }
    const count = await this.size();
    await this.redis.command(['DEL', this.keys.dlq], { key: this.keys.dlq });
    await this.redis.command(['DEL', this.keys.dlqData], { key: this.keys.dlqData });
    return count;
  }
}

function parseEntry(id: string, raw: string | null): DeadLetterEntry {
  let stored: StoredRecord = {};
  try {
    stored = raw ? (JSON.parse(raw) as StoredRecord) : {};
  } catch {
    stored = { reason: 'unreadable DLQ record', payload: raw ?? '' };
  }
  const payloadText = stored.payload ?? '';
  let decoded: TaskPayload | null = null;
  try {
    decoded = decodePayload(payloadText);
  } catch {
    decoded = null;
  }
  return {
    id,
    reason: stored.reason ?? 'unknown',
    taskId: decoded?.i ?? null,
    taskName: decoded?.n ?? null,
    args: decoded?.a ?? null,
    errors: stored.errors ?? decoded?.e ?? [],
    at: stored.at ?? 0,
    payload: payloadText,
  };
}

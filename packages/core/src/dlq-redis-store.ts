import type { RedisAdapter } from '@tasks/redis';
import {
  deadLetterEntryOf,
  matchesDeadLetterFilter,
  type DeadLetterEntry,
  type DeadLetterFilter,
  type DeadLetterQuery,
  type DeadLetterStore,
  type ReplayClaim,
} from './dlq-store.js';
import { DLQ_CLAIM_REPLAY, DLQ_FINISH_REPLAY, DLQ_REMOVE_FORWARDED } from './dlq-scripts.js';
import type { Keyspace, ShardKeys } from './keys.js';

/** An entry read from the Redis DLQ with the exact record text it was stored as, and its shard. */
export interface RedisDeadLetter {
  readonly entry: DeadLetterEntry;
  readonly text: string;
  /** The index of the shard whose DLQ holds it. */
  readonly shard: number;
}

/** Entries read per round trip when a filter has to look at entries one by one. */
const SCAN_CHUNK = 200;

/**
 * The default dead-letter store: per shard, a sorted set (`{prefix}:dlq`, DLQ id by
 * dead-letter time) and a hash of records (`{prefix}:dlq:data`), written by the broker's
 * scripts atomically with each task's ack. A replayed entry is removed (the Redis store keeps
 * no replay history); claims of replays in progress live in `{prefix}:dlq:replays` beside it.
 * With several shards, listings merge the shards by time. Without persistence in Redis, a
 * restart loses it: configure an external store (`@tasks/dlq-postgres`) to keep entries.
 *
 * @example
 * ```ts
 * const store = app.dlq.store; // the RedisDeadLetterStore when no deadLetterStore was given
 * console.log(await store.size({ taskName: 'SendEmail' }));
 * ```
 */
export class RedisDeadLetterStore implements DeadLetterStore {
  constructor(
    private readonly redis: RedisAdapter,
    private readonly keys: Keyspace,
  ) {}

  /** Adds entries, each on the shard of its id (an entry already there is overwritten with the same record). */
  async add(entries: readonly DeadLetterEntry[]): Promise<void> {
    for (const entry of entries) {
      const k = this.keys.of(entry.id);
      await this.redis.command(['HSET', k.dlqData, entry.id, JSON.stringify(entry.record)], {
        key: k.dlqData,
      });
      await this.redis.command(['ZADD', k.dlq, entry.at, entry.id], { key: k.dlq });
    }
  }

  /** One entry, or `null`. */
  async get(id: string): Promise<DeadLetterEntry | null> {
    return (await this.#find(id))?.entry ?? null;
  }

  /** A page of entries, oldest first. Name, reason and time filters read the entries in chunks. */
  async list(query: DeadLetterQuery): Promise<DeadLetterEntry[]> {
    const offset = query.offset ?? 0;
    const limit = query.limit ?? 50;
    if (query.replayed === true || limit <= 0) return [];
    if (!hasEntryFilter(query)) return (await this.#page(offset, limit)).map((found) => found.entry);
    const matching: DeadLetterEntry[] = [];
    for (const k of this.keys.shards)
      await this.#scan(k, (entry) => {
        if (matchesDeadLetterFilter(entry, { ...query, replayed: 'all' })) matching.push(entry);
      });
    return matching.sort((a, b) => a.at - b.at).slice(offset, offset + limit);
  }

  /** How many entries match. */
  async size(filter: DeadLetterFilter = {}): Promise<number> {
    if (filter.replayed === true) return 0;
    let count = 0;
    for (const k of this.keys.shards) {
      if (!hasEntryFilter(filter))
        count += Number(await this.redis.command(['ZCARD', k.dlq], { key: k.dlq }));
      else
        await this.#scan(k, (entry) => {
          if (matchesDeadLetterFilter(entry, { ...filter, replayed: 'all' })) count += 1;
        });
    }
    return count;
  }

  /** Claims an entry for a replay (see `DeadLetterStore.claimReplay`). */
  async claimReplay(id: string, replayTaskId: string, staleAfterMs: number): Promise<ReplayClaim> {
    const found = await this.#find(id);
    if (!found) return { status: 'missing' };
    const k = this.keys.shards[found.shard] as ShardKeys;
    const { code, taskId } = await DLQ_CLAIM_REPLAY.run(
      this.redis,
      { data: k.dlqData, replays: replaysKey(k) },
      { id, taskId: replayTaskId, staleMs: staleAfterMs },
    );
    if (code === DLQ_CLAIM_REPLAY.codes.BUSY) return { status: 'busy', replayTaskId: taskId };
    if (code !== DLQ_CLAIM_REPLAY.codes.CLAIMED) return { status: 'missing' };
    return { status: 'claimed', entry: { ...found.entry, replayTaskId: taskId }, replayTaskId: taskId };
  }

  /** Removes the replayed entry and its claim. */
  async finishReplay(id: string): Promise<void> {
    const found = await this.#find(id);
    if (!found) return;
    const k = this.keys.shards[found.shard] as ShardKeys;
    await DLQ_FINISH_REPLAY.run(this.redis, { dlq: k.dlq, data: k.dlqData, replays: replaysKey(k) }, { id });
  }

  /** Removes one entry (or all with no id); returns how many went. */
  async purge(id?: string): Promise<number> {
    if (id !== undefined) {
      const found = await this.#find(id);
      if (!found) return 0;
      const k = this.keys.shards[found.shard] as ShardKeys;
      const removed = Number(await this.redis.command(['ZREM', k.dlq, id], { key: k.dlq }));
      await this.redis.command(['HDEL', k.dlqData, id], { key: k.dlqData });
      await this.redis.command(['HDEL', replaysKey(k), id], { key: replaysKey(k) });
      return removed;
    }
    const count = await this.size();
    for (const k of this.keys.shards)
      for (const key of [k.dlq, k.dlqData, replaysKey(k)]) await this.redis.command(['DEL', key], { key });
    return count;
  }

  /** The oldest entries (across shards) with their exact record text: what the forwarder moves. */
  oldest(count: number): Promise<RedisDeadLetter[]> {
    return this.#page(0, count);
  }

  /**
   * Removes forwarded entries, each only if its record is still the text that was read (an id
   * dead-lettered again meanwhile stays, to be forwarded next). Returns how many went.
   */
  async removeForwarded(items: readonly RedisDeadLetter[]): Promise<number> {
    let removed = 0;
    for (const k of this.keys.shards) {
      const mine = items.filter((item) => item.shard === k.index);
      if (mine.length === 0) continue;
      removed += await DLQ_REMOVE_FORWARDED.run(
        this.redis,
        { dlq: k.dlq, data: k.dlqData, replays: replaysKey(k) },
        {},
        { args: mine.flatMap((item) => [item.entry.id, item.text]) },
      );
    }
    return removed;
  }

  /** A page of the shards' queues merged by time. */
  async #page(offset: number, limit: number): Promise<RedisDeadLetter[]> {
    if (limit <= 0) return [];
    const single = this.keys.shards.length === 1;
    const rows: Array<{ shard: number; id: string; at: number }> = [];
    for (const k of this.keys.shards) {
      const flat = (await this.redis.command(
        ['ZRANGE', k.dlq, single ? offset : 0, offset + limit - 1, 'WITHSCORES'],
        { key: k.dlq },
      )) as unknown[];
      for (let i = 0; i + 1 < flat.length; i += 2)
        rows.push({ shard: k.index, id: String(flat[i]), at: Number(flat[i + 1]) });
    }
    const page = single ? rows : rows.sort((a, b) => a.at - b.at).slice(offset, offset + limit);
    const out: RedisDeadLetter[] = [];
    for (const k of this.keys.shards) {
      const ids = page.filter((row) => row.shard === k.index).map((row) => row.id);
      out.push(...(await this.#read(k, ids)));
    }
    const order = new Map(page.map((row, i) => [`${row.shard}|${row.id}`, i]));
    return out.sort(
      (a, b) => (order.get(`${a.shard}|${a.entry.id}`) ?? 0) - (order.get(`${b.shard}|${b.entry.id}`) ?? 0),
    );
  }

  /** The shard holding an entry (its id's own shard first), with the entry. */
  async #find(id: string): Promise<RedisDeadLetter | null> {
    const home = this.keys.of(id);
    for (const k of [home, ...this.keys.shards.filter((s) => s !== home)]) {
      const [found] = await this.#read(k, [id]);
      if (found) return found;
    }
    return null;
  }

  async #read(k: ShardKeys, ids: readonly string[]): Promise<RedisDeadLetter[]> {
    if (ids.length === 0) return [];
    const [raws, claims] = await Promise.all([
      this.redis.command(['HMGET', k.dlqData, ...ids], { key: k.dlqData }),
      this.redis.command(['HMGET', replaysKey(k), ...ids], { key: replaysKey(k) }),
    ]);
    const out: RedisDeadLetter[] = [];
    ids.forEach((id, i) => {
      const raw = (raws as Array<string | null>)[i] ?? null;
      if (raw === null) return; // removed between the two reads
      const claim = (claims as Array<string | null>)[i] ?? null;
      const replayTaskId = claim === null ? null : claim.slice(0, claim.lastIndexOf('|'));
      out.push({
        entry: deadLetterEntryOf(id, raw, { replayTaskId, replayedAt: null }),
        text: raw,
        shard: k.index,
      });
    });
    return out;
  }

  /** Visits every entry of one shard, oldest first. */
  async #scan(k: ShardKeys, visit: (entry: DeadLetterEntry) => void): Promise<void> {
    for (let start = 0; ; start += SCAN_CHUNK) {
      const ids = (
        (await this.redis.command(['ZRANGE', k.dlq, start, start + SCAN_CHUNK - 1], {
          key: k.dlq,
        })) as unknown[]
      ).map(String);
      for (const found of await this.#read(k, ids)) visit(found.entry);
      if (ids.length < SCAN_CHUNK) return;
    }
  }
}

/** Replay claims of a shard's DLQ: DLQ id → "<replay task id>|<claimed at ms>". */
function replaysKey(k: ShardKeys): string {
  return k.key('dlq', 'replays');
}

function hasEntryFilter(filter: DeadLetterFilter): boolean {
  return (
    filter.taskName !== undefined ||
    filter.reason !== undefined ||
    filter.since !== undefined ||
    filter.until !== undefined
  );
}

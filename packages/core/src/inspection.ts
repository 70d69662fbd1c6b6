import type { RedisAdapter } from '@tasks/redis';
import { PRIORITIES, SIZES, type Priority, type Size } from './enums.js';
import type { TaskErrorRecord } from './errors.js';
import type { Keyspace, ShardKeys } from './keys.js';
import { decodePayload, payloadOf, type TaskPayload } from './payload.js';
import { decodeRecord, type TaskResultRecord } from './records.js';

/** What every view of a live task says. */
interface LiveTask {
  readonly id: string;
  readonly name: string;
  readonly priority: Priority;
  readonly size: Size;
  /** 0 for the first run, then 1, 2, ... for retries. */
  readonly attempt: number;
  /** First submission time (ms since the epoch). */
  readonly submittedAt: number;
  readonly labels: Readonly<Record<string, string>>;
  readonly parentId: string | null;
  /** Its arguments (`undefined` when its entry could not be read). */
  readonly args?: unknown;
  /** The fan-in group it belongs to, or `null`. */
  readonly groupId?: string | null;
  /** Errors of its earlier attempts (a task waiting for a retry), oldest first. */
  readonly errors?: readonly TaskErrorRecord[];
}

/** A task as `app.inspect(id)` sees it. */
export type TaskInspection =
  | (LiveTask & {
      readonly state: 'queued';
      readonly entryId: string;
      /** How many tasks of its stream are ahead of it (`null` when more than 10 000). */
      readonly position: number | null;
    })
  | (LiveTask & {
      readonly state: 'delayed';
      /** When it is due (server clock, ms since the epoch). */
      readonly dueAt: number;
    })
  | (LiveTask & {
      readonly state: 'running';
      readonly entryId: string;
      /** The worker it was delivered to. */
      readonly worker: string;
      /** When its run began (from the worker's last heartbeat; `null` until then). */
      readonly since: number | null;
      /** Keys of the locks it holds (from the worker's last heartbeat). */
      readonly locks: readonly string[];
      /** The last value it reported with `ctx.progress`, or `null`. */
      readonly progress: unknown;
      /** How many times its entry was delivered. */
      readonly deliveries: number;
    })
  | { readonly state: TaskResultRecord['status']; readonly id: string; readonly record: TaskResultRecord };

/** Every task state `app.list` can list, in the order a task usually meets them. */
export const TASK_LIST_STATES = [
  'queued',
  'delayed',
  'running',
  'succeeded',
  'failed',
  'dead-lettered',
  'cancelled',
] as const;

/** Task states `app.list` can list. */
export type TaskListState = (typeof TASK_LIST_STATES)[number];

/** Options of `app.list`. */
export interface ListOptions {
  readonly state: TaskListState;
  /** Most items per page. Default 50, at most 1 000. */
  readonly limit?: number;
  /** The `cursor` of the previous page. */
  readonly cursor?: string | null;
}

/** One task of a list. */
export interface TaskSummary {
  readonly id: string;
  readonly name: string;
  readonly state: TaskListState;
  readonly attempt: number;
  readonly submittedAt: number;
  readonly labels: Readonly<Record<string, string>>;
  /** Queued, running: its stream; delayed: where it goes. */
  readonly priority?: Priority;
  readonly size?: Size;
  /** Delayed: when it is due. */
  readonly dueAt?: number;
  /** Running: its worker. */
  readonly worker?: string;
  /** Finished: when, and why (failures). */
  readonly finishedAt?: number;
  readonly reason?: string | null;
}

/** A page of `app.list`. */
export interface TaskPage {
  readonly items: readonly TaskSummary[];
  /** Pass it back for the next page; `null` at the end. */
  readonly cursor: string | null;
}

const POSITION_CAP = 10_000;

function streamOf(index: number): { priority: Priority; size: Size } {
  return { priority: PRIORITIES[index % 3] as Priority, size: SIZES[Math.floor(index / 3)] as Size };
}

function liveFields(id: string, p: TaskPayload | null, index: number): LiveTask {
  return {
    id,
    name: p?.n ?? '?',
    ...streamOf(index),
    attempt: p?.t ?? 0,
    submittedAt: p?.s ?? 0,
    labels: p?.l ?? {},
    parentId: p?.p ?? null,
    ...(p ? { args: p.a } : {}),
    groupId: p?.g ?? null,
    ...(p?.e?.length ? { errors: p.e } : {}),
  };
}

function tryDecode(raw: unknown): TaskPayload | null {
  try {
    return typeof raw === 'string' ? decodePayload(raw) : null;
  } catch {
    return null;
  }
}

/** @internal Reads where tasks are: by id, and by state, a page at a time (no scan). */
export class Inspector {
  constructor(
    private readonly redis: RedisAdapter,
    private readonly keys: Keyspace,
  ) {}

  async #cmd(args: Array<string | number>, key: string): Promise<unknown> {
    return this.redis.command(args, { key });
  }

  /** Where a task is now, or its outcome; `null` for an id no task has. */
  async inspect(id: string): Promise<TaskInspection | null> {
    const k = this.keys.of(id);
    const where = await this.#cmd(['HGET', k.live, id], k.live);
    if (typeof where === 'string') {
      const bar = where.indexOf('|');
      if (where.startsWith('d|')) return this.#delayed(k, id, Number(where.slice(2)));
      return this.#queuedOrRunning(k, id, Number(where.slice(0, bar)), where.slice(bar + 1));
    }
    const raw = await this.#cmd(['GET', k.result(id)], k.result(id));
    const record = typeof raw === 'string' ? decodeRecord(raw) : null;
    return record ? { state: record.status, id, record } : null;
  }

  async #delayed(k: ShardKeys, id: string, index: number): Promise<TaskInspection | null> {
    const [score, raw] = await Promise.all([
      this.#cmd(['ZSCORE', k.delayed, `${index}|${id}`], k.delayed),
      this.#cmd(['HGET', k.delayedData, id], k.delayedData),
    ]);
    return { ...liveFields(id, tryDecode(raw), index), state: 'delayed', dueAt: Number(score ?? 0) };
  }

  async #queuedOrRunning(k: ShardKeys, id: string, index: number, entryId: string): Promise<TaskInspection> {
    const stream = k.streams[index] as string;
    const [found, pending] = await Promise.all([
      this.#cmd(['XRANGE', stream, entryId, entryId], stream) as Promise<Array<[string, string[] | null]>>,
      this.#cmd(['XPENDING', stream, k.group, entryId, entryId, 1], stream).catch(() => []) as Promise<
        Array<[string, string, number, number]>
      >,
    ]);
    const payload = tryDecode(payloadOf(found[0]?.[1] ?? null));
    const base = liveFields(id, payload, index);
    const delivered = pending[0];
    if (!delivered)
      return { ...base, state: 'queued', entryId, position: await this.#position(k, stream, entryId) };
    const worker = String(delivered[1]);
    const [record, progress] = await Promise.all([
      this.#cmd(['HGET', this.keys.workers, worker], this.keys.workers),
      this.#cmd(['HGET', k.progress, id], k.progress),
    ]);
    const run = workerTask(record, id);
    return {
      ...base,
      state: 'running',
      entryId,
      worker,
      since: run?.since ?? null,
      locks: run?.locks ?? [],
      progress: typeof progress === 'string' ? (JSON.parse(progress) as unknown) : null,
      deliveries: Number(delivered[3]),
    };
  }

  /** The last entry id the consumer group delivered from `stream` ('0-0' before any). */
  async #lastDelivered(k: ShardKeys, stream: string): Promise<string> {
    const groups = (await this.#cmd(['XINFO', 'GROUPS', stream], stream).catch(() => [])) as unknown[][];
    const group = groups.find((g) => String(g[g.indexOf('name') + 1]) === k.group);
    return group ? String(group[group.indexOf('last-delivered-id') + 1]) : '0-0';
  }

  /** Undelivered entries ahead of `entryId` in its stream (after the group's last delivered id). */
  async #position(k: ShardKeys, stream: string, entryId: string): Promise<number | null> {
    const last = await this.#lastDelivered(k, stream);
    const ahead = (await this.#cmd(
      ['XRANGE', stream, `(${last}`, `(${entryId}`, 'COUNT', POSITION_CAP + 1],
      stream,
    )) as unknown[];
    return ahead.length > POSITION_CAP ? null : ahead.length;
  }

  /**
   * A page of tasks in `state`. With several shards, queued and running tasks are listed
   * shard by shard (each shard's streams most urgent first); delayed and finished ones are
   * merged across shards in time order.
   */
  async list(options: ListOptions): Promise<TaskPage> {
    const limit = Math.min(Math.max(1, Math.floor(options.limit ?? 50)), 1_000);
    const cursor = options.cursor ?? null;
    switch (options.state) {
      case 'queued':
      case 'running':
        return this.#listStreams(options.state, limit, cursor);
      case 'delayed':
        return this.#listMerged(
          limit,
          cursor,
          'asc',
          (k) => k.delayed,
          (k, members) => this.#delayedItems(k, members),
        );
      case 'dead-lettered':
        return this.#listMerged(
          limit,
          cursor,
          'asc',
          (k) => k.dlq,
          (k, members) => this.#finishedItems(k, members, 'dead-lettered', true),
        );
      default: {
        const state = options.state;
        return this.#listMerged(
          limit,
          cursor,
          'desc',
          (k) => k.history(state),
          (k, members) => this.#finishedItems(k, members, state, false),
        );
      }
    }
  }

  /** Queued (undelivered) or running (delivered, not acked) entries, shard by shard, stream by stream. */
  async #listStreams(state: 'queued' | 'running', limit: number, cursor: string | null): Promise<TaskPage> {
    const shards = this.keys.shards;
    const match = cursor ? /^(\d+)\.(\d+)\/(.*)$/.exec(cursor) : null;
    const [startShard, startIndex, startAfter] = match
      ? [Number(match[1]), Number(match[2]), match[3] ?? '']
      : [0, 0, ''];
    const items: TaskSummary[] = [];
    for (let shard = startShard; shard < shards.length; shard++) {
      const k = shards[shard] as ShardKeys;
      for (let index = shard === startShard ? startIndex : 0; index < k.streams.length; index++) {
        const stream = k.streams[index] as string;
        const first = shard === startShard && index === startIndex;
        const from = first && startAfter ? `(${startAfter}` : '-';
        const left = limit - items.length;
        const entries =
          state === 'running'
            ? await this.#pendingEntries(k, stream, from, left)
            : await this.#undelivered(k, stream, from, left);
        for (const [entryId, raw, worker] of entries) {
          const p = tryDecode(raw);
          items.push({
            id: p?.i ?? `entry:${entryId}`,
            name: p?.n ?? '?',
            state,
            attempt: p?.t ?? 0,
            submittedAt: p?.s ?? 0,
            labels: p?.l ?? {},
            ...streamOf(index),
            ...(worker ? { worker } : {}),
          });
          if (items.length === limit) return { items, cursor: `${shard}.${index}/${entryId}` };
        }
      }
    }
    return { items, cursor: null };
  }

  async #undelivered(
    k: ShardKeys,
    stream: string,
    from: string,
    count: number,
  ): Promise<Array<[string, string, string?]>> {
    const last = await this.#lastDelivered(k, stream);
    const start = from === '-' || compareIds(from.slice(1), last) < 0 ? `(${last}` : from;
    const rows = (await this.#cmd(['XRANGE', stream, start, '+', 'COUNT', count], stream)) as Array<
      [string, string[] | null]
    >;
    return rows.map(([id, fields]) => [id, payloadOf(fields)]);
  }

  async #pendingEntries(
    k: ShardKeys,
    stream: string,
    from: string,
    count: number,
  ): Promise<Array<[string, string, string?]>> {
    const pending = (await this.#cmd(['XPENDING', stream, k.group, from, '+', count], stream).catch(
      () => [],
    )) as Array<[string, string, number, number]>;
    const out: Array<[string, string, string?]> = [];
    for (const [entryId, consumer] of pending) {
      const rows = (await this.#cmd(['XRANGE', stream, entryId, entryId], stream)) as Array<
        [string, string[] | null]
      >;
      out.push([String(entryId), payloadOf(rows[0]?.[1] ?? null), String(consumer)]);
    }
    return out;
  }

  /**
   * A page of a sorted set kept per shard, merged in score order: the cursor holds each
   * shard's offset (`"120"` with one shard, `"40,38,42"` with three), so a page costs one
   * `limit`-long range per shard, never a scan.
   */
  async #listMerged(
    limit: number,
    cursor: string | null,
    order: 'asc' | 'desc',
    keyOf: (k: ShardKeys) => string,
    itemsOf: (k: ShardKeys, members: ReadonlyArray<[string, number]>) => Promise<Array<TaskSummary | null>>,
  ): Promise<TaskPage> {
    const shards = this.keys.shards;
    const offsets = shards.map((_, i) =>
      Math.max(0, Math.floor(Number((cursor ?? '').split(',')[i] ?? 0)) || 0),
    );
    const ranges = await Promise.all(
      shards.map(async (k, i) => {
        const key = keyOf(k);
        const offset = offsets[i] as number;
        const flat = (await this.#cmd(
          [order === 'asc' ? 'ZRANGE' : 'ZREVRANGE', key, offset, offset + limit - 1, 'WITHSCORES'],
          key,
        )) as string[];
        const members: Array<[string, number]> = [];
        for (let j = 0; j + 1 < flat.length; j += 2) members.push([String(flat[j]), Number(flat[j + 1])]);
        return members;
      }),
    );
    // Merge: take the `limit` first members by score over every shard.
    const taken = shards.map(() => 0);
    const chosen: Array<Array<[string, number]>> = shards.map(() => []);
    for (let n = 0; n < limit; n++) {
      let best = -1;
      for (let i = 0; i < shards.length; i++) {
        const next = ranges[i]?.[taken[i] as number];
        if (!next) continue;
        const current = best < 0 ? undefined : ranges[best]?.[taken[best] as number];
        if (!current || (order === 'asc' ? next[1] < current[1] : next[1] > current[1])) best = i;
      }
      if (best < 0) break;
      (chosen[best] as Array<[string, number]>).push(
        ranges[best]?.[taken[best] as number] as [string, number],
      );
      taken[best] = (taken[best] as number) + 1;
    }
    const perShard = await Promise.all(
      shards.map((k, i) =>
        (chosen[i] as unknown[]).length
          ? itemsOf(k, chosen[i] as Array<[string, number]>)
          : Promise.resolve<Array<TaskSummary | null>>([]),
      ),
    );
    // Back in merged order.
    const byMember = new Map<string, TaskSummary | null>();
    shards.forEach((_, i) =>
      (chosen[i] as Array<[string, number]>).forEach(([member], j) =>
        byMember.set(`${i}|${member}`, perShard[i]?.[j] ?? null),
      ),
    );
    const merged: Array<[number, string, number]> = [];
    chosen.forEach((list, i) => list.forEach(([member, score]) => merged.push([i, member, score])));
    merged.sort((a, b) => (order === 'asc' ? a[2] - b[2] : b[2] - a[2]));
    const items = merged
      .map(([i, member]) => byMember.get(`${i}|${member}`) ?? null)
      .filter((item): item is TaskSummary => item !== null);
    const count = taken.reduce((a, b) => a + b, 0);
    const more =
      count === limit &&
      ranges.some((r, i) => (r?.length ?? 0) > (taken[i] as number) || r?.length === limit);
    return {
      items,
      cursor: more ? offsets.map((o, i) => o + (taken[i] as number)).join(',') : null,
    };
  }

  async #delayedItems(
    k: ShardKeys,
    members: ReadonlyArray<[string, number]>,
  ): Promise<Array<TaskSummary | null>> {
    const ids = members.map(([m]) => m.slice(m.indexOf('|') + 1));
    const raws = (await this.#cmd(['HMGET', k.delayedData, ...ids], k.delayedData)) as Array<string | null>;
    return members.map(([member, dueAt], i): TaskSummary => {
      const p = tryDecode(raws[i]);
      return {
        id: ids[i] as string,
        name: p?.n ?? '?',
        state: 'delayed',
        attempt: p?.t ?? 0,
        submittedAt: p?.s ?? 0,
        labels: p?.l ?? {},
        ...streamOf(Number(member.slice(0, member.indexOf('|'))) || 0),
        dueAt,
      };
    });
  }

  /** Finished tasks' summaries (null where the result expired). */
  async #finishedItems(
    k: ShardKeys,
    members: ReadonlyArray<[string, number]>,
    state: TaskListState,
    dlq: boolean,
  ): Promise<Array<TaskSummary | null>> {
    const ids = members.map(([id]) => id);
    const raws = dlq
      ? ((await this.#cmd(['HMGET', k.dlqData, ...ids], k.dlqData)) as Array<string | null>)
      : ((await this.#cmd(['MGET', ...ids.map((id) => k.result(id))], k.result(ids[0] as string))) as Array<
          string | null
        >);
    return ids.map((id, i) => {
      const record = raws[i] ? decodeRecord(raws[i]) : null;
      if (!record) return null; // its result expired
      return {
        id,
        name: record.name,
        state,
        attempt: record.attempts - 1,
        submittedAt: record.submittedAt,
        labels: record.labels,
        finishedAt: record.finishedAt,
        reason: record.reason,
      };
    });
  }
}

function workerTask(record: unknown, id: string): { since: number; locks: string[] } | null {
  if (typeof record !== 'string') return null;
  try {
    const worker = JSON.parse(record) as { tasks?: unknown };
    // The record went through Lua's cjson, which writes an empty array as `{}`.
    const tasks = Array.isArray(worker.tasks)
      ? (worker.tasks as Array<{ id: string; since: number; locks?: unknown }>)
      : [];
    const task = tasks.find((t) => t.id === id);
    return task
      ? { since: task.since, locks: Array.isArray(task.locks) ? (task.locks as string[]) : [] }
      : null;
  } catch {
    return null;
  }
}

/** Compares stream ids `ms-seq`. */
function compareIds(a: string, b: string): number {
  const [am = 0, as = 0] = a.split('-').map(Number);
  const [bm = 0, bs = 0] = b.split('-').map(Number);
  return am - bm || as - bs;
}

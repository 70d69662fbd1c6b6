import type { RedisAdapter } from '@tasks/redis';
import type { TaskEvents } from './events.js';
import type { Keyspace } from './keys.js';
import { untilAborted } from './timing.js';

/** One event read from the app's event stream. */
export interface StreamedEvent<E extends keyof TaskEvents = keyof TaskEvents> {
  /**
   * Its stream id (with several shards, a cursor over every shard's stream): pass it as
   * `from` to resume after it.
   */
  readonly id: string;
  readonly type: E;
  /** When it was appended (server clock, ms since the epoch). */
  readonly at: number;
  readonly data: TaskEvents[E];
}

/** Options of `app.events()`. */
export interface EventsOptions {
  /**
   * Where to start: `'$'` (default) only events appended from now on, `'0'` everything the
   * stream still holds, or the `id` of an event to resume after it.
   */
  readonly from?: string;
  /** Ends the iteration. */
  readonly signal?: AbortSignal;
  /** How long one blocking read waits before it looks again, in ms. Default 5 000. */
  readonly blockMs?: number;
}

/**
 * @internal Iterates the app's event stream from any process, on a connection of its own
 * (closed when the iteration ends). The stream is capped (`eventsMaxLen`): a reader that
 * falls further behind than that misses the oldest events. With several shards each shard
 * has its own stream, read on a connection each; events of one shard come in order, events
 * of different shards in the order they arrive, and an event's `id` is then a cursor over
 * every shard (`"<id of shard 0>,<id of shard 1>,…"`) that `from` resumes after.
 */
export async function* readEvents(
  redis: RedisAdapter,
  keys: Keyspace,
  options: EventsOptions = {},
): AsyncGenerator<StreamedEvent, void, undefined> {
  const signal = options.signal;
  const blockMs = options.blockMs ?? 5_000;
  const shards = keys.shards;
  const from = options.from ?? '$';
  const parts = from.split(',');
  const last = await Promise.all(
    shards.map(async (k, i) => {
      const start = parts.length === shards.length ? (parts[i] as string) : from;
      if (start !== '$') return start;
      // Pin "now" to an id, so nothing appended between two reads is skipped.
      const tail = (await redis.command(['XREVRANGE', k.events, '+', '-', 'COUNT', 1], {
        key: k.events,
      })) as Array<[string, unknown]>;
      return tail[0]?.[0] ?? '0-0';
    }),
  );
  const connections: RedisAdapter[] = [];
  type Reply = Array<[string, Array<[string, string[]]>]> | null;
  const reads = new Map<number, Promise<[number, Reply]>>();
  try {
    for (let i = 0; i < shards.length; i++) connections.push(await redis.duplicate());
    while (!signal?.aborted) {
      shards.forEach((k, i) => {
        if (reads.has(i)) return;
        const read = (connections[i] as RedisAdapter).command(
          ['XREAD', 'COUNT', 500, 'BLOCK', blockMs, 'STREAMS', k.events, last[i] as string],
          { key: k.events },
        ) as Promise<Reply>;
        reads.set(
          i,
          read.then((reply) => [i, reply]),
        );
      });
      const race = Promise.race(reads.values());
      const done = signal ? await untilAborted(race, signal, null) : await race;
      if (!done) break;
      const [shard, reply] = done;
      reads.delete(shard);
      for (const [, entries] of reply ?? []) {
        for (const [id, fields] of entries) {
          last[shard] = id;
          yield decode(shards.length === 1 ? id : last.join(','), id, fields);
        }
      }
    }
  } finally {
    for (const read of reads.values()) read.catch(() => undefined); // blocked reads end with their connection
    await Promise.all(connections.map((c) => c.close().catch(() => undefined)));
  }
}

function decode(cursor: string, id: string, fields: readonly string[]): StreamedEvent {
  const type = fields[fields.indexOf('e') + 1] as keyof TaskEvents;
  let data: unknown = null;
  try {
    data = JSON.parse(String(fields[fields.indexOf('d') + 1])) as unknown;
  } catch {
    data = null;
  }
  return { id: cursor, type, at: Number(id.split('-')[0]), data: data as TaskEvents[keyof TaskEvents] };
}

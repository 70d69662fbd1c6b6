import type { RedisAdapter } from '@tasks/redis';
import { PRIORITIES, SIZES, streamIndex } from './enums.js';
import type { Keyspace } from './keys.js';

/** Queue depths and workers, as `app.status()` reports them. */
export interface AppStatus {
  /**
   * Per stream (priority × size, summed over the app's shards): queued entries (`length`),
   * delivered and not yet acked (`pending`), and whether it is paused.
   */
  readonly streams: ReadonlyArray<{
    priority: string;
    size: string;
    length: number;
    pending: number;
    paused: boolean;
  }>;
  readonly delayed: number;
  /** How many shards the app's task state is spread over (`shards` of the app). */
  readonly shards: number;
  /** Entries delivered to a worker and not yet acknowledged. */
  readonly running: number;
  readonly deadLettered: number;
  /** Live workers (a worker whose heartbeat stopped is reaped by the others). */
  readonly workers: ReadonlyArray<{
    id: string;
    host: string;
    pid: number;
    running: number;
    /** Its last heartbeat (server clock, ms since the epoch). */
    lastSeen: number;
    /** The sizes it serves. */
    sizes?: readonly string[];
    /** Its running tasks, as of its last heartbeat: id, name, attempt, start time and held lock keys. */
    tasks?: ReadonlyArray<{
      id: string;
      name: string;
      attempt: number;
      since: number;
      locks?: readonly string[];
    }>;
  }>;
  /** The scheduler holding the leader lease, or `null` when none does. */
  readonly scheduler: {
    readonly leader: string;
    readonly fencingToken: number;
    readonly leaseMs: number;
  } | null;
}

/** @internal Reads an app's status: a handful of commands, no scan. */
export async function readStatus(redis: RedisAdapter, keys: Keyspace): Promise<AppStatus> {
  const paused = new Set(
    ((await redis.command(['SMEMBERS', keys.paused], { key: keys.paused })) as string[]).map(Number),
  );
  const sum = (values: readonly unknown[]): number => values.reduce<number>((a, v) => a + Number(v), 0);
  const streams = await Promise.all(
    SIZES.flatMap((size) =>
      PRIORITIES.map(async (priority) => {
        const index = streamIndex(priority, size);
        const counts = await Promise.all(
          keys.shards.map(async (k) => {
            const key = k.streams[index] as string;
            const [length, pending] = await Promise.all([
              redis.command(['XLEN', key], { key }),
              redis.command(['XPENDING', key, k.group], { key }).catch(() => [0]),
            ]);
            return [Number(length), Number((pending as unknown[])[0] ?? 0)] as const;
          }),
        );
        return {
          priority,
          size,
          length: sum(counts.map((c) => c[0])),
          pending: sum(counts.map((c) => c[1])),
          paused: paused.has(index),
        };
      }),
    ),
  );
  const leaderKey = keys.schedulerLeader;
  const [delayed, deadLettered, workersRaw, leader, leaseMs] = await Promise.all([
    Promise.all(keys.shards.map((k) => redis.command(['ZCARD', k.delayed], { key: k.delayed }))).then(sum),
    Promise.all(keys.shards.map((k) => redis.command(['ZCARD', k.dlq], { key: k.dlq }))).then(sum),
    redis.command(['HGETALL', keys.workers], { key: keys.workers }),
    redis.command(['GET', leaderKey], { key: leaderKey }),
    redis.command(['PTTL', leaderKey], { key: leaderKey }),
  ]);
  const lease = typeof leader === 'string' ? /^(.*)\|(\d+)$/.exec(leader) : null;
  return {
    streams,
    delayed: Number(delayed),
    shards: keys.shards.length,
    running: streams.reduce((sum, s) => sum + s.pending, 0),
    deadLettered: Number(deadLettered),
    workers: parseWorkers(workersRaw as string[]),
    scheduler: lease
      ? { leader: lease[1] ?? '', fencingToken: Number(lease[2]), leaseMs: Math.max(0, Number(leaseMs)) }
      : null,
  };
}

function parseWorkers(flat: readonly string[]): AppStatus['workers'] {
  const workers: Array<AppStatus['workers'][number]> = [];
  for (let i = 1; i < flat.length; i += 2) {
    try {
      workers.push(JSON.parse(String(flat[i])) as AppStatus['workers'][number]);
    } catch {
      // a corrupted worker record is left out (and reaped by the workers)
    }
  }
  return workers;
}

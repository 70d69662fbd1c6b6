import { keySlot, RedisOutOfMemoryError, type RedisAdapter } from '@tasks/redis';
import { ShardLayoutError } from './errors.js';
import type { Keyspace } from './keys.js';

/**
 * @internal Makes sure every process of an app uses the same shard count: the first one
 * records it (`{prefix}:layout`), the others compare. Checked once per app instance, before
 * its first submit, worker or scheduler.
 */
export class LayoutCheck {
  #checked: Promise<void> | undefined;

  constructor(
    private readonly redis: RedisAdapter,
    private readonly keys: Keyspace,
  ) {}

  /** Resolves when the layout agrees. @throws ShardLayoutError when it does not. */
  ensure(): Promise<void> {
    this.#checked ??= this.#check().catch((error: unknown) => {
      this.#checked = undefined; // a Redis failure is retried on the next call
      throw error;
    });
    return this.#checked;
  }

  async #check(): Promise<void> {
    const key = this.keys.layout;
    const shards = this.keys.shards.length;
    let stored: unknown;
    try {
      stored = await this.redis.command(['SET', key, shards, 'NX', 'GET'], { key });
    } catch (error) {
      // A full Redis refuses even this SET: read what is stored, so a worker still starts there
      // and drains it (a layout not recorded yet is recorded by a later start).
      if (!(error instanceof RedisOutOfMemoryError)) throw error;
      stored = await this.redis.command(['GET', key], { key });
    }
    if (stored !== null && Number(stored) !== shards)
      throw new ShardLayoutError(this.keys.prefix, Number(stored), shards, key);
  }
}

/** Where one shard of an app lives on a Redis Cluster. */
export interface ShardPlacement {
  readonly shard: number;
  /** The shard's hash tag, e.g. `{tasks:1}`. */
  readonly tag: string;
  readonly slot: number;
  /** The master serving the slot (`host:port`), or `null` when no node claims it. */
  readonly master: string | null;
}

/**
 * @internal Which master serves each shard (`CLUSTER SLOTS`), and a warning when shards
 * share a master while others have none of the app's shards — the app then does not use
 * every master. `null` off a cluster.
 */
export async function shardPlacement(
  redis: RedisAdapter,
  keys: Keyspace,
): Promise<{ placement: ShardPlacement[]; masters: number; warning: string | null } | null> {
  if (!redis.isCluster) return null;
  const ranges = (await redis.command(['CLUSTER', 'SLOTS'])) as Array<
    [number, number, [string, number, ...unknown[]]]
  >;
  const masters = new Set(ranges.map((r) => `${String(r[2][0])}:${Number(r[2][1])}`));
  const placement = keys.shards.map((k): ShardPlacement => {
    const slot = keySlot(k.tag);
    const range = ranges.find((r) => Number(r[0]) <= slot && slot <= Number(r[1]));
    return {
      shard: k.index,
      tag: k.tag,
      slot,
      master: range ? `${String(range[2][0])}:${Number(range[2][1])}` : null,
    };
  });
  const used = new Set(placement.map((p) => p.master));
  const want = Math.min(keys.shards.length, masters.size);
  const warning =
    keys.shards.length > 1 && used.size < want
      ? `The app's ${keys.shards.length} shards use ${used.size} of the cluster's ${masters.size} masters ` +
        `(${placement.map((p) => `${p.tag} on ${p.master ?? 'no node'}`).join(', ')}): ` +
        'its load is not spread over every master. Give each master an equal, contiguous slot range ' +
        '(as `redis-cli --cluster create` does), or choose shards as a multiple of the number of masters.'
      : null;
  return { placement, masters: masters.size, warning };
}

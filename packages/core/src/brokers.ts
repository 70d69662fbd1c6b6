import type { RedisAdapter } from '@tasks/redis';
import { Broker, type BrokerOptions } from './broker.js';
import type { Keyspace } from './keys.js';

/**
 * @internal The broker of every shard of an app (one with a single shard): a task's
 * transitions all run on the shard its id belongs to.
 */
export class Brokers {
  /** One per shard, in shard order; `all[0]` is the home shard's. */
  readonly all: readonly Broker[];

  constructor(
    redis: RedisAdapter,
    readonly keys: Keyspace,
    options: BrokerOptions,
  ) {
    this.all = keys.shards.map((shard) => new Broker(redis, shard, options));
  }

  /** The home shard's broker (app-wide keys: the worker registry, the scheduler). */
  get home(): Broker {
    return this.all[0] as Broker;
  }

  /** The broker of shard `index`. */
  shard(index: number): Broker {
    const broker = this.all[index];
    if (!broker) throw new RangeError(`No shard ${index} (the app has ${this.all.length})`);
    return broker;
  }

  /** The broker of the shard a task id belongs to. */
  of(taskId: string): Broker {
    return this.all[this.keys.shardOf(taskId)] as Broker;
  }

  /** The shared options (TTLs, caps). */
  get options(): BrokerOptions {
    return this.home.options;
  }
}

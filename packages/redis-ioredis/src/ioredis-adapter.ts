import {
  createRedisAdapter,
  RedisConfigError,
  type RedisAdapter,
  type RedisArg,
  type RedisDriver,
} from '@tasks/redis';
import { Cluster, Redis, type ClusterNode, type ClusterOptions, type RedisOptions } from 'ioredis';

/** Startup nodes (and options) of a Redis Cluster the adapter should create and own. */
export interface IoredisClusterInput {
  readonly cluster: readonly ClusterNode[];
  readonly options?: ClusterOptions;
}

/**
 * An ioredis `Redis` or `Cluster` you own, a `redis://` URL, ioredis options, or
 * `{ cluster: startupNodes, options? }` for a cluster the adapter creates.
 */
export type IoredisAdapterInput = Redis | Cluster | string | RedisOptions | IoredisClusterInput;

type Client = Redis | Cluster;

/**
 * Creates a `RedisAdapter` over ioredis.
 *
 * - Given a `Redis` or `Cluster` instance, the adapter uses it and never closes it; it only
 *   closes the extra connections it opens itself (subscriber, duplicates).
 * - Given a URL, options, or `{ cluster: startupNodes }`, it creates the client (a `Redis`
 *   or a `Cluster`), owns it, and closes it in `close()`.
 *   Such clients use `maxRetriesPerRequest: null`, so commands wait through a reconnect.
 *
 * ioredis' `keyPrefix` is refused: use the `prefix` option of the @tasks package instead,
 * so that script keys and SCAN patterns stay consistent.
 * @throws RedisConfigError for a client or options with `keyPrefix`.
 *
 * @example
 * ```ts
 * import { Redis } from 'ioredis';
 * import { createIoredisAdapter } from '@tasks/redis-ioredis';
 * const redis = createIoredisAdapter(new Redis('redis://127.0.0.1:6379'));
 * console.log(await redis.time());
 * ```
 */
export function createIoredisAdapter(input: IoredisAdapterInput): RedisAdapter {
  if (input instanceof Redis || input instanceof Cluster)
    return createRedisAdapter(new IoredisDriver(input, false));
  if (typeof input === 'object' && 'cluster' in input) {
    const given = input.options ?? {};
    if (given.keyPrefix || given.redisOptions?.keyPrefix) throw keyPrefixError();
    const clusterOptions = { ...given, redisOptions: { maxRetriesPerRequest: null, ...given.redisOptions } };
    return createRedisAdapter(
      new IoredisDriver(
        new Cluster([...input.cluster], clusterOptions as ConstructorParameters<typeof Cluster>[1]),
        true,
      ),
    );
  }
  const options: RedisOptions = typeof input === 'string' ? {} : (input);
  if (options.keyPrefix) throw keyPrefixError();
  const merged = { maxRetriesPerRequest: null, ...options } as RedisOptions & { replyMapping?: 'legacy' };
  const client = typeof input === 'string' ? new Redis(input, merged) : new Redis(merged);
  return createRedisAdapter(new IoredisDriver(client, true));
}

function keyPrefixError(): RedisConfigError {
  return new RedisConfigError(
    'ioredis keyPrefix is not supported by @tasks: remove it and pass `prefix` to the @tasks API instead',
  );
}

class IoredisDriver implements RedisDriver {
  readonly clientName = 'ioredis';
  readonly isCluster: boolean;
  readonly #client: Client;
  readonly #owned: boolean;

  constructor(client: Client, owned: boolean) {
    this.isCluster = client instanceof Cluster;
    if (client.options.keyPrefix) throw keyPrefixError();
    this.#client = client;
    this.#owned = owned;
    // A connection this adapter owns reports failures through the commands that hit them;
    // without a listener ioredis would also print every reconnection error.
    if (owned) client.on('error', () => undefined);
  }

  send(args: readonly RedisArg[], _key: string | undefined, buffers: boolean): Promise<unknown> {
    const [command, ...rest] = args;
    const name = String(command);
    // ioredis finds the keys of every command itself and routes cluster commands by them.
    return buffers ? this.#client.callBuffer(name, rest) : this.#client.call(name, rest);
  }

  async duplicate(): Promise<RedisDriver> {
    const copy = duplicateClient(this.#client);
    const driver = new IoredisDriver(copy, true);
    await waitReady(copy);
    return driver;
  }

  async openSubscriber(onMessage: (channel: string, message: string) => void): Promise<{
    subscribe(channel: string): Promise<void>;
    unsubscribe(channel: string): Promise<void>;
    close(): Promise<void>;
  }> {
    const subscriber = duplicateClient(this.#client);
    subscriber.on('error', () => undefined); // reconnects by itself; failures reach SUBSCRIBE callers
    subscriber.on('message', (channel: string, message: string) => onMessage(channel, message));
    await waitReady(subscriber);
    return {
      subscribe: async (channel) => {
        await subscriber.subscribe(channel);
      },
      unsubscribe: async (channel) => {
        await subscriber.unsubscribe(channel);
      },
      close: async () => {
        subscriber.disconnect();
      },
    };
  }

  async masters(): Promise<Array<(args: readonly RedisArg[]) => Promise<unknown>>> {
    const nodes = this.#client instanceof Cluster ? this.#client.nodes('master') : [this.#client];
    return nodes.map((node) => (args: readonly RedisArg[]) => node.call(String(args[0]), args.slice(1)));
  }

  async close(): Promise<void> {
    if (!this.#owned) return;
    const client = this.#client;
    if (client.status === 'end') return;
    try {
      await withTimeout(client.quit(), 2000);
    } catch {
      // Not connected (or QUIT did not answer in time): drop the connection instead.
    }
    client.disconnect();
  }
}

function duplicateClient(client: Client): Client {
  return client instanceof Cluster ? client.duplicate() : client.duplicate();
}

function waitReady(client: Client): Promise<void> {
  if (client.status === 'ready') return Promise.resolve();
  return new Promise((resolve, reject) => {
    const onReady = (): void => {
      client.off('error', onError);
      resolve();
    };
    const onError = (error: Error): void => {
      client.off('ready', onReady);
      client.disconnect();
      reject(error);
    };
    client.once('ready', onReady);
    client.once('error', onError);
  });
}

async function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      promise,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error('timeout')), ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

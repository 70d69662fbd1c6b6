import {
  createRedisAdapter,
  describeEndpoint,
  maskRedisUrl,
  RedisConfigError,
  type ConnectionWatcher,
  type RedisAdapter,
  type RedisAdapterOptions,
  type RedisArg,
  type RedisDriver,
} from '@tasks/redis';
import { Cluster, Command, Redis, type ClusterNode, type ClusterOptions, type RedisOptions } from 'ioredis';
import { GuardedConnector } from './guarded-connector.js';

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

/** Options of the adapter itself (the client's options go in the first argument). */
export type IoredisAdapterOptions = RedisAdapterOptions;

type Client = Redis | Cluster;
type Corkable = { cork(): void; uncork(): void };

/**
 * Commands issued in one tick leave in batches of at most this many per `writev`: enough to
 * cut the system calls (the dominant cost of a small command on a loopback socket), small
 * enough that Redis starts on the first batch while Node is still writing the next.
 */
const WRITE_BATCH = 12;

/**
 * Creates a `RedisAdapter` over ioredis.
 *
 * - Given a `Redis` or `Cluster` instance, the adapter uses it and never closes it; it only
 *   closes the extra connections it opens itself (subscriber, duplicates). It listens to the
 *   client's `'error'` events to report connection problems through its commands.
 * - Given a URL, options, or `{ cluster: startupNodes }`, it creates the client (a `Redis`
 *   or a `Cluster`), owns it, and closes it in `close()`.
 *   Such clients use `maxRetriesPerRequest: null`: a command waits through a reconnect, up to
 *   `commandTimeoutMs`.
 *
 * Every command settles within `options.commandTimeoutMs` (default 10 s): an unreachable
 * Redis gives `RedisUnreachableError` (at once when the address never answered), wrong
 * credentials `RedisAuthError`, a server that is not Redis `RedisProtocolError` — messages
 * name the address with any password masked.
 *
 * ioredis' `keyPrefix` is refused: use the `prefix` option of the @tasks package instead,
 * so that script keys and SCAN patterns stay consistent.
 * @throws RedisConfigError for a client or options with `keyPrefix`, or a bad `commandTimeoutMs`.
 *
 * @example
 * ```ts
 * import { Redis } from 'ioredis';
 * import { createIoredisAdapter } from '@tasks/redis-ioredis';
 * const client = new Redis('redis://127.0.0.1:6379');
 * const redis = createIoredisAdapter(client, { commandTimeoutMs: 5_000 });
 * console.log(await redis.time());
 * client.disconnect();
 * ```
 */
export function createIoredisAdapter(
  input: IoredisAdapterInput,
  options: IoredisAdapterOptions = {},
): RedisAdapter {
  if (input instanceof Redis || input instanceof Cluster)
    return createRedisAdapter(new IoredisDriver(input, false, targetOf(input)), options);
  if (typeof input === 'object' && 'cluster' in input) {
    const given = input.options ?? {};
    if (given.keyPrefix || given.redisOptions?.keyPrefix) throw keyPrefixError();
    const clusterOptions = {
      ...given,
      redisOptions: { maxRetriesPerRequest: null, Connector: GuardedConnector, ...given.redisOptions },
    };
    const cluster = new Cluster(
      [...input.cluster],
      clusterOptions as ConstructorParameters<typeof Cluster>[1],
    );
    return createRedisAdapter(new IoredisDriver(cluster, true, clusterTarget(input.cluster)), options);
  }
  const clientOptions: RedisOptions = typeof input === 'string' ? {} : input;
  if (clientOptions.keyPrefix) throw keyPrefixError();
  // Sentinel set-ups keep ioredis' own connector, which finds the master.
  const guard = clientOptions.sentinels ? {} : { Connector: GuardedConnector };
  const merged = { maxRetriesPerRequest: null, ...guard, ...clientOptions } as RedisOptions & {
    replyMapping?: 'legacy';
  };
  const client = typeof input === 'string' ? new Redis(input, merged) : new Redis(merged);
  const target = typeof input === 'string' ? maskRedisUrl(input) : targetOf(client);
  return createRedisAdapter(new IoredisDriver(client, true, target), options);
}

/** Where a client connects, without credentials. */
function targetOf(client: Client): string {
  if (!(client instanceof Cluster)) return describeEndpoint(client.options);
  const nodes = client.nodes().map((node) => describeEndpoint(node.options));
  return `cluster ${nodes.length > 0 ? nodes.join(', ') : '(nodes not discovered yet)'}`;
}

function clusterTarget(nodes: readonly ClusterNode[]): string {
  const shown = nodes.map((node) =>
    typeof node === 'object'
      ? describeEndpoint(node)
      : typeof node === 'number'
        ? `127.0.0.1:${node}`
        : maskRedisUrl(node),
  );
  return `cluster ${shown.join(', ')}`;
}

function keyPrefixError(): RedisConfigError {
  return new RedisConfigError(
    'ioredis keyPrefix is not supported by @tasks: remove it and pass `prefix` to the @tasks API instead',
  );
}

class IoredisDriver implements RedisDriver {
  readonly clientName = 'ioredis';
  readonly isCluster: boolean;
  readonly target: string;
  readonly #client: Client;
  readonly #owned: boolean;
  /** Commands written since the socket(s) were corked; 0 when not corked. */
  #pending = 0;
  #corked: Corkable[] = [];

  constructor(client: Client, owned: boolean, target: string) {
    this.isCluster = client instanceof Cluster;
    if (client.options.keyPrefix) throw keyPrefixError();
    this.#client = client;
    this.#owned = owned;
    this.target = target;
  }

  isReady(): boolean {
    return this.#client.status === 'ready';
  }

  watch(watcher: ConnectionWatcher): void {
    // Failures reach the caller through the commands they affect; with this listener
    // ioredis also stops printing every reconnection error.
    this.#client.on('error', (error: unknown) => watcher.error(error));
    this.#client.on('ready', () => watcher.ready());
  }

  send(args: readonly RedisArg[], _key: string | undefined, buffers: boolean): Promise<unknown> {
    this.#coalesceWrite();
    // ioredis finds the keys of every command itself and routes cluster commands by them.
    const command = new Command(String(args[0]), args.slice(1), { replyEncoding: buffers ? null : 'utf8' });
    return this.#client.sendCommand(command) as Promise<unknown>;
  }

  /**
   * Write coalescing: the first command of a tick corks the socket(s) and the end of the tick
   * uncorks them, so the commands issued in between (typically the follow-ups of every reply
   * read in one socket read) leave together in `writev` calls of up to {@link WRITE_BATCH}.
   * Order, routing and replies are unchanged; only the number of system calls drops.
   */
  #coalesceWrite(): void {
    if (this.#pending > 0) {
      if (++this.#pending <= WRITE_BATCH) return;
      for (const stream of this.#corked) {
        stream.uncork();
        stream.cork();
      }
      this.#pending = 1;
      return;
    }
    const streams = this.#streams();
    if (streams.length === 0) return;
    this.#pending = 1;
    this.#corked = streams;
    for (const stream of streams) stream.cork();
    process.nextTick(() => {
      this.#pending = 0;
      for (const stream of streams) stream.uncork();
    });
  }

  /** The sockets of the connected node(s); none while (re)connecting. */
  #streams(): Corkable[] {
    const client = this.#client;
    if (!(client instanceof Cluster))
      return client.status === 'ready' && client.stream ? [client.stream] : [];
    const streams: Corkable[] = [];
    for (const node of client.nodes('master'))
      if (node.status === 'ready' && node.stream) streams.push(node.stream);
    return streams;
  }

  async duplicate(): Promise<RedisDriver> {
    const copy = duplicateClient(this.#client);
    const driver = new IoredisDriver(copy, true, this.target);
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

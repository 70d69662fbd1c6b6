import {
  createRedisAdapter,
  RedisConfigError,
  type RedisAdapter,
  type RedisArg,
  type RedisDriver,
} from '@tasks/redis';
import {
  createClient,
  createCluster,
  RESP_TYPES,
  type RedisClientOptions,
  type RedisClusterOptions,
} from 'redis';

type Args = ReadonlyArray<string | Buffer>;
type PubSubListener = (message: string, channel: string) => void;

/** The part of a node-redis client (or cluster) the driver uses, whatever its generics. */
interface Common {
  readonly isOpen: boolean;
  readonly options?: { keyPrefix?: unknown } | undefined;
  on(event: 'error', listener: (error: Error) => void): unknown;
  connect(): Promise<unknown>;
  close(): Promise<void>;
  destroy(): void;
  subscribe(channel: string, listener: PubSubListener): Promise<void>;
  unsubscribe(channel: string, listener: PubSubListener): Promise<void>;
}
interface AnyClient extends Common {
  sendCommand(args: Args, options?: object): Promise<unknown>;
  duplicate(): AnyClient;
}
interface AnyCluster extends Common {
  readonly masters: readonly unknown[];
  sendCommand(
    firstKey: string | undefined,
    isReadonly: boolean,
    args: Args,
    options?: object,
  ): Promise<unknown>;
  nodeClient(node: never): Promise<AnyClient>;
  duplicate(): AnyCluster;
}

/**
 * A connected node-redis client or cluster you own, a `redis://` URL, client options
 * (`{ url, RESP, ... }`) or cluster options (`{ rootNodes, ... }`).
 */
export type NodeRedisAdapterInput = object | string;

const STRING_MAPPING = {
  [RESP_TYPES.MAP]: Array,
  [RESP_TYPES.SET]: Array,
  [RESP_TYPES.DOUBLE]: String,
  [RESP_TYPES.BIG_NUMBER]: String,
  [RESP_TYPES.BLOB_STRING]: String,
  [RESP_TYPES.SIMPLE_STRING]: String,
  [RESP_TYPES.VERBATIM_STRING]: String,
} as const;
const BUFFER_MAPPING = {
  ...STRING_MAPPING,
  [RESP_TYPES.BLOB_STRING]: Buffer,
  [RESP_TYPES.SIMPLE_STRING]: Buffer,
} as const;

function isCluster(value: object): value is AnyCluster {
  return (
    'masters' in value &&
    'nodeClient' in value &&
    typeof (value as { sendCommand?: unknown }).sendCommand === 'function'
  );
}

function isClient(value: object): value is AnyClient {
  return (
    !isCluster(value) &&
    typeof (value as { sendCommand?: unknown }).sendCommand === 'function' &&
    'isOpen' in value
  );
}

/**
 * Creates a `RedisAdapter` over node-redis (the `redis` package, v5 or v6).
 *
 * - Given a client or cluster, it must already be connected (`await client.connect()`); the
 *   adapter uses it and never closes it, closing only the connections it opens itself.
 * - Given a URL or options, it creates and connects the client lazily, owns it, and closes
 *   it in `close()`.
 *
 * Replies are the same whatever RESP version the client speaks. On a cluster, commands are
 * routed by their key (`options.key` of `command`, the first key of a script).
 * node-redis' `keyPrefix` is refused: use the `prefix` option of the @tasks package.
 * @throws RedisConfigError for a client that is not connected, or one with `keyPrefix`.
 *
 * @example
 * ```ts
 * import { createClient } from 'redis';
 * import { createNodeRedisAdapter } from '@tasks/redis-node';
 * const client = await createClient({ url: 'redis://127.0.0.1:6379' }).connect();
 * const redis = createNodeRedisAdapter(client);
 * ```
 */
export function createNodeRedisAdapter(input: NodeRedisAdapterInput): RedisAdapter {
  if (typeof input !== 'string' && (isClient(input) || isCluster(input))) {
    if (!input.isOpen) {
      throw new RedisConfigError(
        'The node-redis client passed to createNodeRedisAdapter is not connected: await client.connect() first',
      );
    }
    return createRedisAdapter(new NodeRedisDriver(input, false));
  }
  const options = typeof input === 'string' ? { url: input } : (input as Record<string, unknown>);
  if ('keyPrefix' in options && options.keyPrefix) throw keyPrefixError();
  const client =
    'rootNodes' in options
      ? (createCluster(options as unknown as RedisClusterOptions) as unknown as AnyCluster)
      : (createClient(options as RedisClientOptions) as unknown as AnyClient);
  return createRedisAdapter(new NodeRedisDriver(client, true));
}

function keyPrefixError(): RedisConfigError {
  return new RedisConfigError(
    'node-redis keyPrefix is not supported by @tasks: remove it and pass `prefix` to the @tasks API',
  );
}

type Send = (args: readonly RedisArg[], key: string | undefined, buffers: boolean) => Promise<unknown>;

class NodeRedisDriver implements RedisDriver {
  readonly clientName = 'node-redis';
  readonly isCluster: boolean;
  readonly #client: AnyClient | AnyCluster;
  readonly #owned: boolean;
  #connecting: Promise<unknown> | undefined;
  #closed = false;

  constructor(client: AnyClient | AnyCluster, owned: boolean) {
    this.isCluster = isCluster(client);
    if ((client as { options?: { keyPrefix?: unknown } }).options?.keyPrefix) throw keyPrefixError();
    this.#client = client;
    this.#owned = owned;
    if (owned) {
      // An owned client reports connection errors through the adapter's commands, not as
      // unhandled 'error' events.
      client.on('error', () => undefined);
    }
  }

  readonly send: Send = async (args, key, buffers) => {
    await this.#ready();
    const strings = args.map((a) => (typeof a === 'number' ? String(a) : a));
    const typeMapping = buffers ? BUFFER_MAPPING : STRING_MAPPING;
    const client = this.#client;
    if (isCluster(client)) return client.sendCommand(key, false, strings, { typeMapping });
    return client.sendCommand(strings, { typeMapping });
  };

  async duplicate(): Promise<RedisDriver> {
    await this.#ready();
    const copy: AnyClient | AnyCluster = this.#client.duplicate();
    const driver = new NodeRedisDriver(copy, true);
    await driver.#ready();
    return driver;
  }

  async openSubscriber(onMessage: (channel: string, message: string) => void): Promise<{
    subscribe(channel: string): Promise<void>;
    unsubscribe(channel: string): Promise<void>;
    close(): Promise<void>;
  }> {
    const driver = (await this.duplicate()) as NodeRedisDriver;
    const subscriber = driver.#client;
    const listener = (message: string, channel: string): void => onMessage(channel, message);
    return {
      subscribe: (channel) => subscriber.subscribe(channel, listener),
      unsubscribe: (channel) => subscriber.unsubscribe(channel, listener),
      close: () => driver.close(),
    };
  }

  async masters(): Promise<Array<(args: readonly RedisArg[]) => Promise<unknown>>> {
    await this.#ready();
    const client = this.#client;
    if (!isCluster(client)) return [(args) => this.send(args, undefined, false)];
    return client.masters.map((master) => async (args: readonly RedisArg[]) => {
      const node = await client.nodeClient(master as never);
      return node.sendCommand(
        args.map((a) => (typeof a === 'number' ? String(a) : a)),
        { typeMapping: STRING_MAPPING },
      );
    });
  }

  async close(): Promise<void> {
    if (!this.#owned) return;
    this.#closed = true;
    const client = this.#client;
    if (!client.isOpen) return;
    try {
      await client.close();
    } catch {
      client.destroy();
    }
  }

  async #ready(): Promise<void> {
    const client = this.#client;
    if (client.isOpen) return;
    if (!this.#owned || this.#closed) throw new Error('the node-redis client is closed');
    this.#connecting ??= client.connect().finally(() => {
      this.#connecting = undefined;
    });
    await this.#connecting;
  }
}

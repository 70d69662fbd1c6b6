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
import {
  createClient,
  createCluster,
  RESP_TYPES,
  type RedisClientOptions,
  type RedisClusterOptions,
} from 'redis';

type Args = ReadonlyArray<string | Buffer>;

/** The options of a client or cluster that say where it connects. */
interface ClientOptionsSeen {
  readonly keyPrefix?: unknown;
  readonly url?: string;
  readonly socket?: { readonly host?: string; readonly port?: number; readonly path?: string };
  readonly rootNodes?: ReadonlyArray<ClientOptionsSeen>;
}
type PubSubListener = (message: string, channel: string) => void;

/** The part of a node-redis client (or cluster) the driver uses, whatever its generics. */
interface Common {
  readonly isOpen: boolean;
  readonly isReady: boolean;
  readonly options?: ClientOptionsSeen | undefined;
  on(event: string, listener: (error: Error) => void): unknown;
  off(event: string, listener: (error: Error) => void): unknown;
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

/** Options of the adapter itself (the client's options go in the first argument). */
export type NodeRedisAdapterOptions = RedisAdapterOptions;

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
 *   adapter uses it and never closes it, closing only the connections it opens itself. It
 *   listens to the client's `'error'` events to report connection problems through its
 *   commands.
 * - Given a URL or options, it creates and connects the client lazily, owns it, and closes
 *   it in `close()`.
 *
 * Every command settles within `options.commandTimeoutMs` (default 10 s): an unreachable
 * Redis gives `RedisUnreachableError` (at once when the address never answered), wrong
 * credentials `RedisAuthError`, a server that is not Redis `RedisProtocolError` — messages
 * name the address with any password masked.
 *
 * Replies are the same whatever RESP version the client speaks. On a cluster, commands are
 * routed by their key (`options.key` of `command`, the first key of a script).
 * node-redis' `keyPrefix` is refused: use the `prefix` option of the @tasks package.
 * @throws RedisConfigError for a client that is not connected, one with `keyPrefix`, or a bad
 * `commandTimeoutMs`.
 *
 * @example
 * ```ts
 * import { createClient } from 'redis';
 * import { createNodeRedisAdapter } from '@tasks/redis-node';
 * const client = await createClient({ url: 'redis://127.0.0.1:6379' }).connect();
 * const redis = createNodeRedisAdapter(client, { commandTimeoutMs: 5_000 });
 * console.log(await redis.time());
 * await client.close();
 * ```
 */
export function createNodeRedisAdapter(
  input: NodeRedisAdapterInput,
  options: NodeRedisAdapterOptions = {},
): RedisAdapter {
  if (typeof input !== 'string' && (isClient(input) || isCluster(input))) {
    if (!input.isOpen) {
      throw new RedisConfigError(
        'The node-redis client passed to createNodeRedisAdapter is not connected: await client.connect() first',
      );
    }
    return createRedisAdapter(new NodeRedisDriver(input, false, targetOf(input.options ?? {})), options);
  }
  const clientOptions = typeof input === 'string' ? { url: input } : (input as Record<string, unknown>);
  if ('keyPrefix' in clientOptions && clientOptions.keyPrefix) throw keyPrefixError();
  const client =
    'rootNodes' in clientOptions
      ? (createCluster(clientOptions as unknown as RedisClusterOptions) as unknown as AnyCluster)
      : (createClient(clientOptions as RedisClientOptions) as unknown as AnyClient);
  return createRedisAdapter(new NodeRedisDriver(client, true, targetOf(clientOptions)), options);
}

/** Where the options point, without credentials. */
function targetOf(options: ClientOptionsSeen): string {
  if (options.rootNodes) return `cluster ${options.rootNodes.map((node) => targetOf(node)).join(', ')}`;
  if (options.url) return maskRedisUrl(options.url);
  return describeEndpoint(options.socket ?? {});
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
  readonly target: string;
  readonly #client: AnyClient | AnyCluster;
  readonly #owned: boolean;
  #connecting: Promise<unknown> | undefined;
  #closed = false;

  constructor(client: AnyClient | AnyCluster, owned: boolean, target: string) {
    this.isCluster = isCluster(client);
    if (client.options?.keyPrefix) throw keyPrefixError();
    this.#client = client;
    this.#owned = owned;
    this.target = target;
    // Until the adapter watches it, an owned client must not crash the process with an
    // unhandled 'error' event (node-redis emits one per failed reconnection).
    if (owned) client.on('error', () => undefined);
  }

  isReady(): boolean {
    return this.#client.isReady;
  }

  watch(watcher: ConnectionWatcher): void {
    this.#client.on('error', (error: unknown) => watcher.error(error));
    // A client says 'ready'; a cluster says 'connect' (and 'node-ready' per node).
    for (const event of this.isCluster ? ['connect', 'node-ready'] : ['ready'])
      this.#client.on(event, () => watcher.ready());
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
    const driver = new NodeRedisDriver(copy, true, this.target);
    try {
      await driver.#ready();
    } catch (error) {
      copy.destroy(); // it would go on reconnecting forever
      throw error;
    }
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
    if (!client.isReady) {
      client.destroy(); // still (re)connecting: nothing to flush, and close() would wait for it
      return;
    }
    try {
      await client.close();
    } catch {
      client.destroy();
    }
  }

  /**
   * Connects an owned client on first use. The first attempt settles with the first
   * connection error (node-redis' own `connect()` would wait forever while it retries);
   * the client keeps retrying in the background.
   */
  async #ready(): Promise<void> {
    const client = this.#client;
    // A cluster reports itself open before its slots are known: commands sent meanwhile fail
    // ("The client is offline"), so they wait for the connect in progress.
    if (this.#connecting) await this.#connecting;
    if (client.isOpen) return;
    if (!this.#owned || this.#closed) throw new Error('the node-redis client is closed');
    this.#connecting ??= new Promise<void>((resolve, reject) => {
      const onError = (error: Error): void => {
        client.off('error', onError);
        reject(error);
      };
      client.on('error', onError);
      client.connect().then(
        () => {
          client.off('error', onError);
          resolve();
        },
        (error: unknown) => {
          client.off('error', onError);
          reject(error instanceof Error ? error : new Error(String(error)));
        },
      );
    }).finally(() => {
      this.#connecting = undefined;
    });
    await this.#connecting;
  }
}

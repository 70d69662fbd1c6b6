/**
 * A Lua script defined once, with its key count and precomputed SHA1 (see `defineScript`).
 * Any object of this shape runs with {@link RedisAdapter.evalScript}.
 */
export interface LuaScript {
  /** A short name for error messages. */
  readonly name: string;
  /**
   * Number of `KEYS` the script takes (every other argument goes to `ARGV`), or `null` for a
   * script taking any number of keys (batch scripts).
   */
  readonly numberOfKeys: number | null;
  /** The script body, as sent to Redis. */
  readonly lua: string;
  /** Lower-case hex SHA1 of `lua`, as Redis computes it for `EVALSHA`. */
  readonly sha1: string;
}

/** An argument to a Redis command. Numbers are sent as their decimal text. */
export type RedisArg = string | number | Buffer;

/**
 * A reply normalised to one shape whatever the client and RESP version:
 * integers as `number`, bulk and simple strings as `string` (or `Buffer` when asked for),
 * nil as `null`, arrays (and RESP3 sets and maps, flattened to `[k, v, ...]`) as arrays.
 * RESP3 doubles come back as strings and booleans as `1`/`0`, exactly as over RESP2.
 */
export type RedisReply = number | string | Buffer | null | RedisReply[];

/** Options of {@link RedisAdapter.command}. */
export interface CommandOptions {
  /** A key the command touches: on a cluster the command is routed to the node owning it. */
  readonly key?: string;
  /** Return bulk strings as `Buffer`s instead of UTF-8 strings. Default `false`. */
  readonly buffers?: boolean;
}

/** Stops a subscription made with {@link RedisAdapter.subscribe}. Idempotent. */
export type Unsubscribe = () => Promise<void>;

/**
 * The contract every @tasks package is written against. Adapters (`@tasks/redis-ioredis`,
 * `@tasks/redis-node`) implement it over one client library; a third party can add one by
 * passing the conformance suite of `@tasks/testing`.
 *
 * Guarantees: replies are normalised ({@link RedisReply}); every client failure is a
 * `RedisAdapterError` with the client's error as `cause`; every call settles within
 * `commandTimeoutMs` (default 10 s) even while Redis is unreachable, with a typed error
 * (`RedisUnreachableError`, `RedisAuthError`, `RedisProtocolError`, `RedisTimeoutError`) that
 * names where Redis was expected without any password; scripts run by hash with a transparent
 * NOSCRIPT fallback; on a cluster, commands and scripts are routed by key.
 */
export interface RedisAdapter {
  /** The client library behind this adapter, e.g. `'ioredis'`. */
  readonly clientName: string;
  /** True when connected to a Redis Cluster. */
  readonly isCluster: boolean;
  /**
   * Where the adapter connects, for messages and logs: the URL with its password masked,
   * `host:port`, a socket path, or a cluster's startup nodes. Never a password.
   */
  readonly target: string;
  /**
   * Runs one command. On a cluster, pass `options.key` (or rely on the client's own key
   * detection) so that it is routed to the right node.
   * @throws RedisAdapterError on any client or server error.
   */
  command(args: readonly RedisArg[], options?: CommandOptions): Promise<RedisReply>;
  /**
   * Runs a script by its SHA1 (`EVALSHA`), sending its body (`EVAL`) only when the server
   * does not know it (after a restart, a failover or `SCRIPT FLUSH`). All `keys` must hash
   * to one slot on a cluster (see `hashTagged`/`companionKey`).
   * @throws RedisAdapterError, including for errors raised inside the script.
   */
  evalScript(
    script: LuaScript,
    keys: readonly string[],
    args: readonly RedisArg[],
    options?: Pick<CommandOptions, 'buffers'>,
  ): Promise<RedisReply>;
  /** The Redis server's clock, in milliseconds since the Unix epoch (`TIME`). */
  time(): Promise<number>;
  /**
   * A new adapter on its own connection, for blocking reads (`XREADGROUP ... BLOCK`) that
   * must not stall other commands. The caller owns it and must `close()` it.
   */
  duplicate(): Promise<RedisAdapter>;
  /**
   * Subscribes `listener` to `channel` on a dedicated subscriber connection that the
   * adapter opens on first use (and closes in `close()`).
   */
  subscribe(channel: string, listener: (message: string) => void): Promise<Unsubscribe>;
  /** Publishes `message` on `channel`; resolves to the number of receivers Redis reports. */
  publish(channel: string, message: string): Promise<number>;
  /**
   * Iterates over every key matching the glob `pattern` (every master on a cluster).
   * Keys may repeat, as with `SCAN`.
   */
  scan(pattern: string, count?: number): AsyncIterable<string>;
  /**
   * Closes what this adapter opened: its subscriber connection, and the client itself only
   * when the adapter was built from a URL or options. A client passed in by the user is
   * never closed. Idempotent.
   */
  close(): Promise<void>;
}

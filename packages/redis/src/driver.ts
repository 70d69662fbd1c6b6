import type { RedisArg } from './types.js';

/** A connection in subscribe mode, opened by a driver for {@link RedisAdapter.subscribe}. */
export interface SubscriberConnection {
  subscribe(channel: string): Promise<void>;
  unsubscribe(channel: string): Promise<void>;
  close(): Promise<void>;
}

/**
 * What an adapter package implements for one client library: raw sends and connection
 * management only. Everything else (reply normalisation, error wrapping, scripts and the
 * NOSCRIPT fallback, server time, pub/sub fan-out, SCAN) is written once in
 * {@link createRedisAdapter}.
 */
/** Connection events a driver reports to its adapter (see {@link RedisDriver.watch}). */
export interface ConnectionWatcher {
  /** A connection-level error of the client (refused, authentication, protocol...). */
  error(error: unknown): void;
  /** The client is connected and ready for commands (again). */
  ready(): void;
}

export interface RedisDriver {
  readonly clientName: string;
  readonly isCluster: boolean;
  /**
   * Where the client connects, for messages: a URL with its password masked
   * (`maskRedisUrl`), `host:port`, a socket path, or a cluster's startup nodes. Never a
   * password.
   */
  readonly target: string;
  /** True while the client is connected and ready (its commands are not queued offline). */
  isReady(): boolean;
  /**
   * Registers the adapter's watcher: the driver calls it for every connection error and
   * every time the client becomes ready. Called once, right after construction.
   */
  watch(watcher: ConnectionWatcher): void;
  /**
   * Sends one command and returns the client's raw reply. `key` routes it on a cluster;
   * `buffers` asks for bulk strings as Buffers. Throws the client's own error.
   */
  send(args: readonly RedisArg[], key: string | undefined, buffers: boolean): Promise<unknown>;
  /** A new, connected driver on its own connection(s), owned by the caller. */
  duplicate(): Promise<RedisDriver>;
  /** Opens a subscriber connection delivering every message to `onMessage`. */
  openSubscriber(onMessage: (channel: string, message: string) => void): Promise<SubscriberConnection>;
  /** One send function per master node (a single one for a standalone server), for SCAN. */
  masters(): Promise<Array<(args: readonly RedisArg[]) => Promise<unknown>>>;
  /** Closes the client if this driver owns it; never a client the user passed in. */
  close(): Promise<void>;
}

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
export interface RedisDriver {
  readonly clientName: string;
  readonly isCluster: boolean;
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

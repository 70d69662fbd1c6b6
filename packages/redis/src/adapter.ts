import { blockingMs, classifyConnectionError, type ConnectionProblem } from './connection.js';
import type { RedisDriver, SubscriberConnection } from './driver.js';
import {
  isOutOfMemoryReply,
  RedisAdapterError,
  RedisAuthError,
  RedisOutOfMemoryError,
  RedisConfigError,
  RedisProtocolError,
  RedisTimeoutError,
  RedisTlsError,
  RedisUnreachableError,
} from './errors.js';
import { normalizeReply, reshapeReply } from './normalize.js';
import { PendingCommands } from './pending.js';
import type { LuaScript } from './script.js';
import type { CommandOptions, RedisAdapter, RedisArg, RedisReply, Unsubscribe } from './types.js';

/** Default of {@link RedisAdapterOptions.commandTimeoutMs}: 10 seconds. */
export const DEFAULT_COMMAND_TIMEOUT_MS = 10_000;

/** Options of {@link createRedisAdapter} (and of the adapter packages' factories). */
export interface RedisAdapterOptions {
  /**
   * How long any command (and `duplicate()`, `subscribe()`) may wait for its reply, in ms,
   * while Redis is unreachable or silent; past it, it rejects with `RedisUnreachableError`
   * (not connected) or `RedisTimeoutError` (connected, no reply). Blocking reads get their
   * `BLOCK` time on top. `Infinity` waits forever. Default {@link DEFAULT_COMMAND_TIMEOUT_MS}.
   */
  readonly commandTimeoutMs?: number;
}

function commandName(args: readonly RedisArg[]): string {
  const first = args[0];
  return first === undefined ? '(empty)' : String(first).toUpperCase();
}

function isNoScript(error: unknown): boolean {
  return error instanceof Error && error.message.includes('NOSCRIPT');
}

function checkTimeout(value: number | undefined): number {
  if (value === undefined) return DEFAULT_COMMAND_TIMEOUT_MS;
  if (value === Infinity || (Number.isFinite(value) && value > 0)) return value;
  throw new RedisConfigError(
    `commandTimeoutMs must be a positive number of milliseconds (or Infinity), got ${String(value)}`,
  );
}

/**
 * Builds a full {@link RedisAdapter} from a client-specific {@link RedisDriver}. Adapter
 * packages call this; applications use `createIoredisAdapter` / `createNodeRedisAdapter`.
 *
 * Every command is bounded by `commandTimeoutMs`. Connection problems become typed errors
 * naming where Redis was expected (never a password): `RedisAuthError` and
 * `RedisProtocolError` fail every waiting command at once, as does `RedisUnreachableError`
 * before the first successful connection (a wrong address fails fast); once connected, a lost
 * connection is waited for up to `commandTimeoutMs` so that a Redis restart is ridden through.
 * @throws RedisConfigError for a bad `commandTimeoutMs`.
 *
 * @example
 * ```ts
 * const adapter = createRedisAdapter(myDriver, { commandTimeoutMs: 5_000 });
 * ```
 */
export function createRedisAdapter(driver: RedisDriver, options: RedisAdapterOptions = {}): RedisAdapter {
  return new DriverAdapter(driver, checkTimeout(options.commandTimeoutMs));
}

class DriverAdapter implements RedisAdapter {
  readonly clientName: string;
  readonly isCluster: boolean;
  readonly target: string;
  readonly #driver: RedisDriver;
  readonly #pending: PendingCommands;
  readonly #listeners = new Map<string, Set<(message: string) => void>>();
  #subscriber: Promise<SubscriberConnection> | undefined;
  #closed = false;
  /** True once the client has been ready at least once. */
  #everReady: boolean;
  /** The last connection problem since the client was last ready. */
  #lastProblem: ConnectionProblem | undefined;
  /** A problem that fails commands at once (until the client is ready again). */
  #fatal: { problem: ConnectionProblem; error: unknown } | undefined;

  constructor(driver: RedisDriver, commandTimeoutMs: number) {
    this.#driver = driver;
    this.clientName = driver.clientName;
    this.isCluster = driver.isCluster;
    this.target = driver.target;
    this.#everReady = driver.isReady();
    this.#pending = new PendingCommands(commandTimeoutMs, (name, ms) => this.#expired(name, ms));
    driver.watch({ error: (error) => this.#onConnectionError(error), ready: () => this.#onReady() });
  }

  async command(args: readonly RedisArg[], options?: CommandOptions): Promise<RedisReply> {
    const buffers = options?.buffers ?? false;
    const name = commandName(args);
    if (this.#closed) throw this.#closedError(name);
    try {
      const raw = await this.#send(name, args, options?.key, buffers);
      return reshapeReply(name, normalizeReply(raw, buffers));
    } catch (error) {
      throw this.#wrap(name, error);
    }
  }

  async evalScript(
    script: LuaScript,
    keys: readonly string[],
    args: readonly RedisArg[],
    options?: Pick<CommandOptions, 'buffers'>,
  ): Promise<RedisReply> {
    if (script.numberOfKeys !== null && keys.length !== script.numberOfKeys) {
      throw new RangeError(`Script ${script.name} takes ${script.numberOfKeys} keys, got ${keys.length}`);
    }
    const buffers = options?.buffers ?? false;
    if (this.#closed) throw this.#closedError(`EVALSHA ${script.name}`);
    const command: RedisArg[] = ['EVALSHA', script.sha1, keys.length];
    for (const k of keys) command.push(k);
    for (const a of args) command.push(a);
    const key = keys[0];
    try {
      return normalizeReply(await this.#send(`EVALSHA ${script.name}`, command, key, buffers), buffers);
    } catch (error) {
      if (!isNoScript(error)) throw this.#wrap(`EVALSHA ${script.name}`, error);
    }
    command[0] = 'EVAL';
    command[1] = script.lua;
    try {
      return normalizeReply(await this.#send(`EVAL ${script.name}`, command, key, buffers), buffers);
    } catch (error) {
      throw this.#wrap(`EVAL ${script.name}`, error);
    }
  }

  async time(): Promise<number> {
    const reply = await this.command(['TIME']);
    if (!Array.isArray(reply) || reply.length !== 2) {
      throw new RedisAdapterError('TIME', this.clientName, new Error(`unexpected reply ${String(reply)}`));
    }
    return Number(reply[0]) * 1000 + Math.floor(Number(reply[1]) / 1000);
  }

  async duplicate(): Promise<RedisAdapter> {
    const opening = this.#driver.duplicate();
    try {
      const driver = await this.#bounded(opening, 'DUPLICATE');
      return new DriverAdapter(driver, this.#pending.timeoutMs);
    } catch (error) {
      // Timed out: a connection that opens later is closed, never leaked.
      opening
        .then(
          (late) => late.close(),
          () => undefined,
        )
        .catch(() => undefined);
      throw this.#wrap('DUPLICATE', error);
    }
  }

  async subscribe(channel: string, listener: (message: string) => void): Promise<Unsubscribe> {
    const connection = await this.#subscriberConnection();
    let set = this.#listeners.get(channel);
    if (!set) {
      set = new Set();
      this.#listeners.set(channel, set);
      try {
        await this.#bounded(connection.subscribe(channel), 'SUBSCRIBE');
      } catch (error) {
        this.#listeners.delete(channel);
        throw this.#wrap('SUBSCRIBE', error);
      }
    }
    set.add(listener);
    let active = true;
    return async () => {
      if (!active) return;
      active = false;
      const current = this.#listeners.get(channel);
      if (!current) return;
      current.delete(listener);
      if (current.size > 0) return;
      this.#listeners.delete(channel);
      if (this.#closed) return;
      try {
        await this.#bounded(connection.unsubscribe(channel), 'UNSUBSCRIBE');
      } catch (error) {
        throw this.#wrap('UNSUBSCRIBE', error);
      }
    };
  }

  async publish(channel: string, message: string): Promise<number> {
    return Number(await this.command(['PUBLISH', channel, message], { key: channel }));
  }

  async *scan(pattern: string, count = 500): AsyncIterable<string> {
    let masters: Array<(args: readonly RedisArg[]) => Promise<unknown>>;
    try {
      masters = await this.#bounded(this.#driver.masters(), 'SCAN');
    } catch (error) {
      throw this.#wrap('SCAN', error);
    }
    for (const send of masters) {
      let cursor = '0';
      do {
        let reply: RedisReply;
        try {
          const raw = await this.#bounded(send(['SCAN', cursor, 'MATCH', pattern, 'COUNT', count]), 'SCAN');
          reply = normalizeReply(raw, false);
        } catch (error) {
          throw this.#wrap('SCAN', error);
        }
        const [next, keys] = reply as [string, string[]];
        cursor = String(next);
        yield* keys;
      } while (cursor !== '0');
    }
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#listeners.clear();
    const subscriber = this.#subscriber;
    this.#subscriber = undefined;
    try {
      if (subscriber) await (await subscriber).close();
    } catch {
      // The subscriber never connected or is already gone: nothing left to close.
    }
    try {
      await this.#driver.close();
    } catch (error) {
      throw new RedisAdapterError('CLOSE', this.clientName, error);
    } finally {
      this.#pending.rejectAll((name) => this.#closedError(name));
      this.#pending.dispose();
    }
  }

  /** Sends through the driver, failing at once on a known fatal problem, else bounded. */
  #send(
    name: string,
    args: readonly RedisArg[],
    key: string | undefined,
    buffers: boolean,
  ): Promise<unknown> {
    const fatal = this.#fatal;
    if (fatal) return Promise.reject(this.#problemError(name, fatal.problem, fatal.error));
    return this.#pending.track(this.#driver.send(args, key, buffers), name, blockingMs(name, args) ?? 0);
  }

  #bounded<T>(promise: Promise<T>, name: string): Promise<T> {
    const fatal = this.#fatal;
    if (fatal) {
      promise.catch(() => undefined);
      return Promise.reject(this.#problemError(name, fatal.problem, fatal.error));
    }
    return this.#pending.track(promise, name);
  }

  #onConnectionError(error: unknown): void {
    const problem = classifyConnectionError(error);
    if (!problem || this.#closed) return;
    this.#lastProblem = problem;
    // A refused connection after a successful one is waited for (Redis restarting); a wrong
    // address, wrong credentials or a server that is not Redis will not fix themselves soon.
    // A connection that opened and then broke is waited for too: a more telling error (the
    // protocol error of an HTTP server that answered and hung up) usually follows it.
    if (problem.kind === 'unreachable' && (this.#everReady || !problem.connectFailed)) return;
    this.#fatal = { problem, error };
    this.#pending.rejectAll((name) => this.#problemError(name, problem, error));
  }

  #onReady(): void {
    this.#everReady = true;
    this.#fatal = undefined;
    this.#lastProblem = undefined;
  }

  #expired(name: string, waitedMs: number): Error {
    if (this.#driver.isReady()) return new RedisTimeoutError(name, this.clientName, this.target, waitedMs);
    const last = this.#lastProblem;
    const reason = `no connection within ${waitedMs} ms (commandTimeoutMs)${last ? `; last error: ${last.reason}` : ''}`;
    return new RedisUnreachableError(name, this.clientName, this.target, reason, new Error(reason));
  }

  #problemError(name: string, problem: ConnectionProblem, cause: unknown): RedisAdapterError {
    const args = [name, this.clientName, this.target, problem.reason, cause] as const;
    if (problem.kind === 'auth') return new RedisAuthError(...args);
    if (problem.kind === 'protocol') return new RedisProtocolError(...args);
    if (problem.kind === 'tls') return new RedisTlsError(...args);
    return new RedisUnreachableError(...args);
  }

  #closedError(name: string): RedisAdapterError {
    return new RedisAdapterError(name, this.clientName, new Error('the adapter is closed'));
  }

  /** The typed error for anything a send threw. */
  #wrap(name: string, error: unknown): RedisAdapterError {
    if (error instanceof RedisAdapterError) return error;
    if (this.#closed) return new RedisAdapterError(name, this.clientName, error);
    const problem = classifyConnectionError(error);
    if (problem) return this.#problemError(name, problem, error);
    if (isOutOfMemoryReply(error))
      return new RedisOutOfMemoryError(name, this.clientName, this.target, error);
    return new RedisAdapterError(name, this.clientName, error);
  }

  #subscriberConnection(): Promise<SubscriberConnection> {
    if (this.#closed) return Promise.reject(this.#closedError('SUBSCRIBE'));
    if (this.#subscriber) return this.#subscriber;
    const opening = this.#driver.openSubscriber((channel, message) => {
      for (const listener of this.#listeners.get(channel) ?? []) listener(message);
    });
    this.#subscriber = this.#bounded(opening, 'SUBSCRIBE').catch((error: unknown) => {
      this.#subscriber = undefined;
      // Timed out: a connection that opens later is closed, never leaked.
      opening
        .then(
          (late) => late.close(),
          () => undefined,
        )
        .catch(() => undefined);
      throw this.#wrap('SUBSCRIBE', error);
    });
    return this.#subscriber;
  }
}

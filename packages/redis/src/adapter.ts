import type { RedisDriver, SubscriberConnection } from './driver.js';
import { RedisAdapterError } from './errors.js';
import { normalizeReply, reshapeReply } from './normalize.js';
import type { LuaScript } from './script.js';
import type { CommandOptions, RedisAdapter, RedisArg, RedisReply, Unsubscribe } from './types.js';

function commandName(args: readonly RedisArg[]): string {
  const first = args[0];
  return first === undefined ? '(empty)' : String(first).toUpperCase();
}

function isNoScript(error: unknown): boolean {
  return error instanceof Error && error.message.includes('NOSCRIPT');
}

/**
 * Builds a full {@link RedisAdapter} from a client-specific {@link RedisDriver}. Adapter
 * packages call this; applications use `createIoredisAdapter` / `createNodeRedisAdapter`.
 */
export function createRedisAdapter(driver: RedisDriver): RedisAdapter {
  return new DriverAdapter(driver);
}

class DriverAdapter implements RedisAdapter {
  readonly clientName: string;
  readonly isCluster: boolean;
  readonly #driver: RedisDriver;
  readonly #listeners = new Map<string, Set<(message: string) => void>>();
  #subscriber: Promise<SubscriberConnection> | undefined;
  #closed = false;

  constructor(driver: RedisDriver) {
    this.#driver = driver;
    this.clientName = driver.clientName;
    this.isCluster = driver.isCluster;
  }

  async command(args: readonly RedisArg[], options?: CommandOptions): Promise<RedisReply> {
    const buffers = options?.buffers ?? false;
    const name = commandName(args);
    try {
      return reshapeReply(
        name,
        normalizeReply(await this.#driver.send(args, options?.key, buffers), buffers),
      );
    } catch (error) {
      throw new RedisAdapterError(name, this.clientName, error);
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
    const command: RedisArg[] = ['EVALSHA', script.sha1, keys.length];
    for (const k of keys) command.push(k);
    for (const a of args) command.push(a);
    const key = keys[0];
    try {
      return normalizeReply(await this.#driver.send(command, key, buffers), buffers);
    } catch (error) {
      if (!isNoScript(error)) throw new RedisAdapterError(`EVALSHA ${script.name}`, this.clientName, error);
    }
    command[0] = 'EVAL';
    command[1] = script.lua;
    try {
      return normalizeReply(await this.#driver.send(command, key, buffers), buffers);
    } catch (error) {
      throw new RedisAdapterError(`EVAL ${script.name}`, this.clientName, error);
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
    try {
      return new DriverAdapter(await this.#driver.duplicate());
    } catch (error) {
      throw new RedisAdapterError('DUPLICATE', this.clientName, error);
    }
  }

  async subscribe(channel: string, listener: (message: string) => void): Promise<Unsubscribe> {
    const connection = await this.#subscriberConnection();
    let set = this.#listeners.get(channel);
    if (!set) {
      set = new Set();
      this.#listeners.set(channel, set);
      try {
        await connection.subscribe(channel);
      } catch (error) {
        this.#listeners.delete(channel);
        throw new RedisAdapterError('SUBSCRIBE', this.clientName, error);
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
        await connection.unsubscribe(channel);
      } catch (error) {
        throw new RedisAdapterError('UNSUBSCRIBE', this.clientName, error);
      }
    };
  }

  async publish(channel: string, message: string): Promise<number> {
    return Number(await this.command(['PUBLISH', channel, message], { key: channel }));
  }

  async *scan(pattern: string, count = 500): AsyncIterable<string> {
    let masters: Array<(args: readonly RedisArg[]) => Promise<unknown>>;
    try {
      masters = await this.#driver.masters();
    } catch (error) {
      throw new RedisAdapterError('SCAN', this.clientName, error);
    }
    for (const send of masters) {
      let cursor = '0';
      do {
        let reply: RedisReply;
        try {
          reply = normalizeReply(await send(['SCAN', cursor, 'MATCH', pattern, 'COUNT', count]), false);
        } catch (error) {
          throw new RedisAdapterError('SCAN', this.clientName, error);
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
    }
  }

  #subscriberConnection(): Promise<SubscriberConnection> {
    if (this.#closed)
      return Promise.reject(
        new RedisAdapterError('SUBSCRIBE', this.clientName, new Error('adapter is closed')),
      );
    this.#subscriber ??= this.#driver
      .openSubscriber((channel, message) => {
        for (const listener of this.#listeners.get(channel) ?? []) listener(message);
      })
      .catch((error: unknown) => {
        this.#subscriber = undefined;
        throw new RedisAdapterError('SUBSCRIBE', this.clientName, error);
      });
    return this.#subscriber;
  }
}

import type {
  CommandOptions,
  LuaScript,
  RedisAdapter,
  RedisArg,
  RedisReply,
  Unsubscribe,
} from '@tasks/redis';

/**
 * A {@link RedisAdapter} that opens the real one on first use, so the app can be built (and
 * commands that never touch Redis, like `schedules`, can run) without connecting.
 */
export class LazyAdapter implements RedisAdapter {
  readonly isCluster = false;
  /** Where it connects (the masked URL). */
  readonly target: string;
  readonly #open: () => Promise<RedisAdapter>;
  #real: Promise<RedisAdapter> | undefined;
  #name = 'unconnected';

  constructor(target: string, open: () => Promise<RedisAdapter>) {
    this.target = target;
    this.#open = open;
  }

  get clientName(): string {
    return this.#name;
  }

  /** The real adapter, opened now if needed. */
  real(): Promise<RedisAdapter> {
    this.#real ??= this.#open().then((adapter) => {
      this.#name = adapter.clientName;
      return adapter;
    });
    return this.#real;
  }

  async command(args: readonly RedisArg[], options?: CommandOptions): Promise<RedisReply> {
    return (await this.real()).command(args, options);
  }

  async evalScript(
    script: LuaScript,
    keys: readonly string[],
    args: readonly RedisArg[],
    options?: Pick<CommandOptions, 'buffers'>,
  ): Promise<RedisReply> {
    return (await this.real()).evalScript(script, keys, args, options);
  }

  async time(): Promise<number> {
    return (await this.real()).time();
  }

  async duplicate(): Promise<RedisAdapter> {
    return (await this.real()).duplicate();
  }

  async subscribe(channel: string, listener: (message: string) => void): Promise<Unsubscribe> {
    return (await this.real()).subscribe(channel, listener);
  }

  async publish(channel: string, message: string): Promise<number> {
    return (await this.real()).publish(channel, message);
  }

  async *scan(pattern: string, count?: number): AsyncIterable<string> {
    yield* (await this.real()).scan(pattern, count);
  }

  /** Closes the real adapter if it was opened. */
  async close(): Promise<void> {
    const real = this.#real;
    if (real) await (await real).close();
  }
}

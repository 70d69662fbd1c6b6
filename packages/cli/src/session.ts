import { createTaskApp, type TaskApp } from '@tasks/core';
import { isTasksError, maskRedisUrl, type RedisAdapter } from '@tasks/redis';
import { validateConfig, type LoadedConfig } from './config.js';
import { findConfigFile, importConfigModule, CONFIG_FILE_NAMES } from './config-load.js';
import { checkRedisUrl, pingBounded, resolveClient } from './connect.js';
import { ConfigFileError, UsageError, stringField } from './errors.js';
import { LazyAdapter } from './lazy-adapter.js';
import { Output, type CliIo } from './output.js';

/** The global options, parsed. */
export interface GlobalOptions {
  readonly config: string | undefined;
  readonly redisUrl: string | undefined;
  readonly client: string | undefined;
  readonly prefix: string | undefined;
  readonly connectTimeoutMs: number;
  readonly json: boolean;
  readonly debug: boolean;
}

const DEFAULT_REDIS_URL = 'redis://127.0.0.1:6379';
const CLOSE_TIMEOUT_MS = 1_500;

/**
 * What a command works with: the loaded config, the app built from it (on a Redis adapter
 * that connects on first use), the output, and a bounded connect.
 */
export class Session {
  readonly io: CliIo;
  readonly out: Output;
  readonly options: GlobalOptions;
  readonly config: LoadedConfig | null;
  readonly app: TaskApp;
  readonly redisUrl: string;
  /** Where the URL came from: `--redis-url`, `TASKS_REDIS_URL`, `config` or `default`. */
  readonly redisUrlSource: string;
  readonly prefix: string;
  readonly #adapter: LazyAdapter;
  #connected: Promise<RedisAdapter> | undefined;

  private constructor(io: CliIo, options: GlobalOptions, config: LoadedConfig | null) {
    this.io = io;
    this.options = options;
    this.out = new Output(io, options.json);
    this.config = config;
    const { url, source } = redisUrlOf(options, io, config);
    checkRedisUrl(url, source, config?.file ?? null);
    this.redisUrl = url;
    this.redisUrlSource = source;
    this.prefix = options.prefix ?? config?.prefix ?? 'tasks';
    this.#adapter = new LazyAdapter(maskRedisUrl(url), async () =>
      (await resolveClient(options.client)).factory(url),
    );
    this.app = buildApp(this, this.#adapter);
  }

  /**
   * Loads the config file (required or optional, as the command says) and builds the app.
   * @throws ConfigFileError, UsageError
   */
  static async open(io: CliIo, options: GlobalOptions, config: 'required' | 'optional'): Promise<Session> {
    const file = findConfigFile(io.cwd, options.config);
    if (file === null && config === 'required')
      throw new ConfigFileError(
        null,
        null,
        `No config file: create ${CONFIG_FILE_NAMES.join(', ')} in ${io.cwd}, or pass --config <file> (see tasks --help)`,
      );
    const loaded = file === null ? null : await validateConfig(file, await importConfigModule(file));
    return new Session(io, options, loaded);
  }

  /** The connected adapter, after a bounded connect (`--connect-timeout-ms`). @throws RedisConnectionError */
  redis(): Promise<RedisAdapter> {
    const timeoutMs = this.options.connectTimeoutMs;
    this.#connected ??= (async () => {
      const real = await this.#adapter.real();
      await pingBounded(real, this.redisUrl, this.redisUrlSource, timeoutMs);
      return real;
    })();
    return this.#connected;
  }

  /** The Redis URL with its password masked, for messages. */
  get shownUrl(): string {
    return maskRedisUrl(this.redisUrl);
  }

  /** Closes the connection (bounded: a client stuck reconnecting is dropped). */
  async close(): Promise<void> {
    this.out.endProgress();
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, CLOSE_TIMEOUT_MS).unref();
    });
    await Promise.race([this.#adapter.close().catch(() => undefined), timeout]);
    clearTimeout(timer);
  }
}

function redisUrlOf(
  options: GlobalOptions,
  io: CliIo,
  config: LoadedConfig | null,
): { url: string; source: string } {
  if (options.redisUrl !== undefined) return { url: options.redisUrl, source: '--redis-url' };
  const fromEnv = io.env.TASKS_REDIS_URL;
  if (fromEnv) return { url: fromEnv, source: 'TASKS_REDIS_URL' };
  if (config?.redisUrl !== undefined) return { url: config.redisUrl, source: 'config' };
  return { url: DEFAULT_REDIS_URL, source: 'default' };
}

function buildApp(session: Session, redis: RedisAdapter): TaskApp {
  const config = session.config;
  try {
    return createTaskApp({
      redis,
      tasks: config?.tasks ?? [],
      prefix: session.prefix,
      logger: session.out.logger(),
      ...(config ? { config: config.overrides, dependencies: config.dependencies } : {}),
      ...(config?.deadLetterStore ? { deadLetterStore: config.deadLetterStore } : {}),
    });
  } catch (error) {
    if (!isTasksError(error)) throw error;
    const path = stringField(error, 'path');
    const label = `Invalid configuration at ${path}: `;
    const problem = error.message.startsWith(label) ? error.message.slice(label.length) : error.message;
    const aboutPrefix = path === 'prefix' || error.code === 'REDIS_CONFIG';
    if (aboutPrefix && session.options.prefix !== undefined)
      throw new UsageError(`Bad --prefix: ${problem}`, { cause: error });
    throw new ConfigFileError(config?.file ?? null, aboutPrefix ? 'prefix' : path || null, problem, {
      cause: error,
    });
  }
}

import { isTasksError, maskRedisUrl, type RedisAdapter } from '@tasks/redis';
import { ConfigFileError, RedisConnectionError, UsageError, describeThrown } from './errors.js';

/** The Redis client libraries the CLI can drive. */
export const CLIENT_NAMES = ['ioredis', 'node-redis'] as const;

/** `'ioredis'` or `'node-redis'`. */
export type ClientName = (typeof CLIENT_NAMES)[number];

/** Builds an adapter (that owns its connection) from a URL. */
export type AdapterFactory = (url: string) => RedisAdapter;

/** What to install for each client: the adapter and the client library (both optional peers). */
const INSTALL_HINT: Readonly<Record<ClientName, string>> = {
  ioredis: 'npm install @tasks/redis-ioredis ioredis',
  'node-redis': 'npm install @tasks/redis-node redis',
};

function isMissingModule(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND';
}

/**
 * The adapter factory of one client, imported on demand: the adapters and client libraries
 * are optional peer dependencies, so a node-redis project never installs ioredis (or the
 * reverse). `null` when the adapter or its client is not installed.
 */
async function loadFactory(name: ClientName): Promise<AdapterFactory | null> {
  try {
    if (name === 'ioredis') {
      const { createIoredisAdapter } = await import('@tasks/redis-ioredis');
      return (url) => createIoredisAdapter(url);
    }
    const { createNodeRedisAdapter } = await import('@tasks/redis-node');
    return (url) => createNodeRedisAdapter(url);
  } catch (error) {
    if (isMissingModule(error)) return null;
    throw error;
  }
}

/**
 * The adapter factory of the requested client, else of the first one installed (ioredis,
 * then node-redis), found by importing it.
 * @throws UsageError for an unknown client name; ConfigFileError when it is not installed.
 */
export async function resolveClient(
  requested: string | undefined,
): Promise<{ name: ClientName; factory: AdapterFactory }> {
  if (requested !== undefined && !(CLIENT_NAMES as readonly string[]).includes(requested))
    throw new UsageError(`--client must be one of ${CLIENT_NAMES.join(', ')}, got '${requested}'`);
  const candidates = requested ? [requested as ClientName] : CLIENT_NAMES;
  for (const name of candidates) {
    const factory = await loadFactory(name);
    if (factory) return { name, factory };
  }
  const hint = candidates.map((name) => INSTALL_HINT[name]).join(', or ');
  throw new ConfigFileError(
    null,
    null,
    requested
      ? `The ${requested} client is not installed: ${INSTALL_HINT[requested as ClientName]}`
      : `No Redis client is installed next to @tasks/cli: ${hint}`,
  );
}

/**
 * Checks that Redis answers a `PING` through the adapter within `timeoutMs`. The adapter
 * reports a refused connection, wrong credentials or a server that is not Redis at once; a
 * host that never answers is cut off here. `source` says where the URL came from.
 * @throws RedisConnectionError
 */
export async function pingBounded(
  adapter: RedisAdapter,
  url: string,
  source: string,
  timeoutMs: number,
): Promise<void> {
  const shown = maskRedisUrl(url);
  const from = urlSourceNote(source);
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      const message =
        `Redis at ${shown} did not answer within ${timeoutMs} ms (--connect-timeout-ms). ` +
        `Check that Redis is running there and reachable. ${from}`;
      reject(new RedisConnectionError('REDIS_UNREACHABLE', shown, message));
    }, timeoutMs);
  });
  try {
    await Promise.race([adapter.command(['PING']), timeout]);
  } catch (error) {
    if (error instanceof RedisConnectionError) throw error;
    const code = isTasksError(error) ? error.code : 'REDIS_UNREACHABLE';
    const message = `${describeAdapterError(error)} ${from}`;
    throw new RedisConnectionError(code, shown, message, { cause: error });
  } finally {
    clearTimeout(timer);
  }
}

/** Where the URL came from, for messages about it. */
function urlSourceNote(source: string): string {
  if (source === 'default')
    return '(No URL was given, so the default was used: set --redis-url, TASKS_REDIS_URL or redisUrl in the config.)';
  return `(URL from ${source === 'config' ? "the config's redisUrl" : source}.)`;
}

function describeAdapterError(error: unknown): string {
  return error instanceof Error ? error.message.replace(/\s+/g, ' ').trim() : describeThrown(error);
}

/**
 * Checks a Redis URL and says where it came from when it is bad.
 * @throws UsageError (from the command line or environment) or ConfigFileError (from the config).
 */
export function checkRedisUrl(url: string, source: string, configFile: string | null): void {
  let protocol: string;
  try {
    protocol = new URL(url).protocol;
  } catch {
    protocol = '';
  }
  if (['redis:', 'rediss:', 'unix:', 'redis+unix:'].includes(protocol)) return;
  const problem = `not a Redis URL: '${maskRedisUrl(url)}' (expected redis://host:port)`;
  if (source === 'config') throw new ConfigFileError(configFile, 'redisUrl', problem);
  throw new UsageError(`${source} is ${problem}`);
}

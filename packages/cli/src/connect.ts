import { Socket } from 'node:net';
import type { RedisAdapter } from '@tasks/redis';
import { ConfigFileError, RedisUnreachableError, UsageError, describeThrown } from './errors.js';
import { redactUrl } from './format.js';

/** The Redis client libraries the CLI can drive. */
export const CLIENT_NAMES = ['ioredis', 'node-redis'] as const;

/** `'ioredis'` or `'node-redis'`. */
export type ClientName = (typeof CLIENT_NAMES)[number];

/** Builds an adapter (that owns its connection) from a URL. */
export type AdapterFactory = (url: string) => RedisAdapter;

const INSTALL_HINT: Readonly<Record<ClientName, string>> = {
  ioredis: 'npm install ioredis',
  'node-redis': 'npm install redis',
};

async function loadFactory(name: ClientName): Promise<AdapterFactory | null> {
  try {
    if (name === 'ioredis') {
      const { createIoredisAdapter } = await import('@tasks/redis-ioredis');
      return (url) => createIoredisAdapter(url);
    }
    const { createNodeRedisAdapter } = await import('@tasks/redis-node');
    return (url) => createNodeRedisAdapter(url);
  } catch (error) {
    if ((error as { code?: unknown }).code === 'ERR_MODULE_NOT_FOUND') return null;
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
  const hint = candidates.map((name) => INSTALL_HINT[name]).join(' or ');
  throw new ConfigFileError(
    null,
    null,
    requested
      ? `The ${requested} client is not installed: ${INSTALL_HINT[requested as ClientName]}`
      : `No Redis client is installed: ${hint}`,
  );
}

/**
 * Checks that something accepts TCP connections at the URL's host and port within
 * `timeoutMs`, before any client is created: a refused port fails at once, with the reason.
 * URLs that are not `redis://` or `rediss://` (unix sockets) pass unchecked.
 * @throws RedisUnreachableError
 */
export function probeRedis(url: string, timeoutMs: number): Promise<void> {
  return probeTcp(url, timeoutMs, redactUrl(url));
}

/**
 * Checks that Redis answers a `PING` through the adapter within `timeoutMs` (auth and
 * protocol problems show here). Never hangs: clients that retry forever are cut off.
 * @throws RedisUnreachableError
 */
export async function pingBounded(adapter: RedisAdapter, url: string, timeoutMs: number): Promise<void> {
  const shown = redactUrl(url);
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new RedisUnreachableError(shown, `no answer to PING within ${timeoutMs} ms`)),
      timeoutMs,
    );
  });
  try {
    await Promise.race([adapter.command(['PING']), timeout]);
  } catch (error) {
    if (error instanceof RedisUnreachableError) throw error;
    throw new RedisUnreachableError(shown, describeThrown(error), { cause: error });
  } finally {
    clearTimeout(timer);
  }
}

function probeTcp(url: string, timeoutMs: number, shown: string): Promise<void> {
  const parsed = new URL(url);
  if (parsed.protocol !== 'redis:' && parsed.protocol !== 'rediss:') return Promise.resolve();
  const host = parsed.hostname.replace(/^\[|\]$/g, '') || '127.0.0.1';
  const port = Number(parsed.port || 6379);
  return new Promise((resolve, reject) => {
    const socket = new Socket();
    const done = (error?: RedisUnreachableError): void => {
      socket.destroy();
      if (error) reject(error);
      else resolve();
    };
    socket.setTimeout(timeoutMs, () =>
      done(new RedisUnreachableError(shown, `no TCP connection within ${timeoutMs} ms`)),
    );
    socket.once('error', (error: NodeJS.ErrnoException) =>
      done(new RedisUnreachableError(shown, socketReason(error), { cause: error })),
    );
    socket.connect(port, host, () => done());
  });
}

function socketReason(error: NodeJS.ErrnoException): string {
  if (error.code === 'ECONNREFUSED') return 'connection refused (ECONNREFUSED): nothing listens there';
  if (error.code === 'ENOTFOUND') return 'unknown host (ENOTFOUND)';
  return describeThrown(error);
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
  const problem = `not a Redis URL: '${redactUrl(url)}' (expected redis://host:port)`;
  if (source === 'config') throw new ConfigFileError(configFile, 'redisUrl', problem);
  throw new UsageError(`${source} is ${problem}`);
}

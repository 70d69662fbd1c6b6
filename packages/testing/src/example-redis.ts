import { rawCommand, startRedisServer } from './redis-server.js';

/** A Redis for the examples and the quick start, and how to let go of it. */
export interface ExampleRedis {
  readonly url: string;
  /** True when the example started this server itself (it may then use any key). */
  readonly throwaway: boolean;
  stop(): Promise<void>;
}

/**
 * Finds a Redis for an example: `TASKS_REDIS_URL` when set; otherwise `127.0.0.1:6379` when
 * something answers there (examples then write only under their own key prefix); otherwise a
 * throwaway `redis-server` on a free loopback port, stopped by `stop()`. When no
 * `redis-server` is installed it prints how to install one and exits with status 1.
 */
export async function exampleRedis(): Promise<ExampleRedis> {
  const fromEnv = process.env.TASKS_REDIS_URL;
  if (fromEnv) return { url: fromEnv, throwaway: false, stop: async () => undefined };
  const reply = await rawCommand(6379, 'PING', 300);
  if (reply?.startsWith('+PONG'))
    return { url: 'redis://127.0.0.1:6379', throwaway: false, stop: async () => undefined };
  try {
    const server = await startRedisServer();
    console.log(
      `(no Redis answers on 127.0.0.1:6379: started a throwaway redis-server on port ${server.port})`,
    );
    return { url: server.url, throwaway: true, stop: () => server.destroy() };
  } catch (error) {
    console.error(error instanceof Error ? error.message : String(error));
    console.error(
      'Install Redis (Debian/Ubuntu: `sudo apt-get install -y redis-server`; macOS: `brew install redis`), ' +
        'or point TASKS_REDIS_URL at a running server.',
    );
    process.exit(1);
  }
}

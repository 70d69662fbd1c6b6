// Finds a Redis for the examples: TASKS_REDIS_URL when set; otherwise the default address when
// something answers there; otherwise a throwaway redis-server of our own on a free loopback port.
import { rawCommand, startRedisServer } from '@tasks/testing';

export async function redisForExamples() {
  if (process.env.TASKS_REDIS_URL) return { url: process.env.TASKS_REDIS_URL, stop: async () => {} };
  const reply = await rawCommand(6379, 'PING', 300);
  if (reply?.startsWith('+PONG')) return { url: 'redis://127.0.0.1:6379', stop: async () => {} };
  try {
    const server = await startRedisServer();
    console.log(`(no Redis on 127.0.0.1:6379: started a throwaway redis-server on port ${server.port})`);
    return { url: server.url, stop: () => server.destroy() };
  } catch (error) {
    console.error(String(error.message ?? error));
    console.error(
      'Install Redis with `sudo apt-get install -y redis-server` (or `brew install redis`), or set TASKS_REDIS_URL.',
    );
    process.exit(1);
  }
}

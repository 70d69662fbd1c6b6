// A submit whose command is cut off (its connection closed while Redis holds the command) is
// sent again with its id checked until it lands: the task is queued exactly once, even when
// the connection is cut off twice in a row.
import type { RedisAdapter } from '@tasks/redis';
import { createIoredisAdapter } from '@tasks/redis-ioredis';
import { createNodeRedisAdapter } from '@tasks/redis-node';
import { startRedisServer, waitUntil, type RedisServer } from '@tasks/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BaseTask, createTaskApp } from '../src/index.js';

class Note extends BaseTask<{ text: string }, string> {
  async execute(): Promise<string> {
    return this.args.text;
  }
}

const quiet = { info: () => undefined, warn: () => undefined, error: () => undefined };

describe.each([
  { name: 'ioredis', connect: (url: string): RedisAdapter => createIoredisAdapter(url) },
  { name: 'node-redis', connect: (url: string): RedisAdapter => createNodeRedisAdapter(url) },
])('a submit cut off by Redis on $name', ({ connect }) => {
  let server: RedisServer;
  let redis: RedisAdapter;
  let admin: RedisAdapter;
  beforeAll(async () => {
    server = await startRedisServer();
    redis = connect(server.url);
    admin = createIoredisAdapter(server.url);
  });
  afterAll(async () => {
    await redis.close();
    await admin.close();
    await server.destroy();
  });

  /** The id of the connection whose script call Redis holds (paused), once there is one. */
  const heldScriptClient = async (): Promise<string> => {
    let id: string | undefined;
    await waitUntil(async () => {
      const list = String(await admin.command(['CLIENT', 'LIST']));
      const held = list.split('\n').find((line) => / flags=\w*b/.test(line) && / cmd=eval/.test(line));
      id = held?.match(/^id=(\d+)/)?.[1];
      return id !== undefined;
    }, 20_000);
    return id as string;
  };

  it('is queued exactly once after its connection was closed twice mid-command', async () => {
    const app = createTaskApp({ redis, prefix: '{cutoff}', tasks: [Note], logger: quiet });
    await app.submit(new Note({ text: 'first' })); // connected, layout recorded, scripts loaded
    await admin.command(['CLIENT', 'PAUSE', '30000', 'WRITE']);
    try {
      const submitted = app.submit(new Note({ text: 'once' }));
      const outcome = submitted.then(
        (handle) => ({ handle, error: null }),
        (error: unknown) => ({ handle: null, error }),
      );
      for (let cut = 0; cut < 2; cut++) {
        const id = await heldScriptClient();
        await admin.command(['CLIENT', 'KILL', 'ID', id]);
      }
      await heldScriptClient(); // sent a third time, still held by the pause
      await admin.command(['CLIENT', 'UNPAUSE']);
      const { handle, error } = await outcome;
      expect(error).toBeNull();
      const status = await app.status();
      expect(status.streams.reduce((sum, s) => sum + s.length, 0)).toBe(2);
      expect((await app.inspect(handle?.id ?? ''))?.state).toBe('queued');
    } finally {
      await admin.command(['CLIENT', 'UNPAUSE']);
      await app.close();
    }
  });
});

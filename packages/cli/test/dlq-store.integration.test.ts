// `tasks dlq list|show|replay|purge` over an external store (PostgreSQL, in a schema of this
// run that is dropped afterwards): the verbs see what was dead-lettered in Redis, forwarded
// on the way, and a replay is bookkept in the store.
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { BaseTask, createTaskApp } from '@tasks/core';
import { createPostgresDeadLetterStore } from '@tasks/dlq-postgres';
import { createIoredisAdapter } from '@tasks/redis-ioredis';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { FIXTURES, json, runTasks, useRedis } from './helpers.js';

/** The fixture config's `Fail` (same name): always throws, dead-lettered after one attempt. */
class Fail extends BaseTask<{ reason: string }, never> {
  override dlqEligible = true;
  async execute(): Promise<never> {
    throw new Error(`boom: ${this.args.reason}`);
  }
}

const r = useRedis('cli-dlqpg');
const schema = `tasks_dlq_cli_${randomBytes(5).toString('hex')}`;
const pgUrl = process.env.TASKS_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const store = createPostgresDeadLetterStore({ connection: pgUrl, schema });
const env = { TASKS_DLQ_SCHEMA: schema };
const config = ['--config', join(FIXTURES, 'dlq-postgres', 'tasks.config.mjs')];

afterAll(async () => {
  // Dropping needs plain SQL: the store never drops anything.
  const client = new pg.Client({ connectionString: pgUrl });
  await client.connect();
  await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  await client.end();
  await store.close();
});

describe('tasks dlq over PostgreSQL', () => {
  it('lists, shows, replays and purges entries kept in PostgreSQL', async () => {
    await store.migrate();
    const prefix = r.prefix();
    const redis = createIoredisAdapter(r.url);
    const app = createTaskApp({ redis, tasks: [Fail], prefix, deadLetterStore: store });
    const worker = app.createWorker({ blockMs: 200 });
    void worker.run();
    const handle = await app.submit(new Fail({ reason: 'card' }));
    await handle.result({ timeoutMs: 20_000 }).catch(() => undefined);
    await worker.close();
    await app.close();
    const cli = [...r.cli(prefix), ...config];

    const list = await runTasks(['dlq', 'list', '--json', ...cli], { env });
    expect(list.code, list.stderr).toBe(0);
    expect(json<Array<{ id: string; args: unknown }>>(list)).toMatchObject([
      { id: handle.id, args: { reason: 'card' } },
    ]);
    // The entry is in PostgreSQL, not in Redis.
    expect(await store.size()).toBe(1);
    const check = createIoredisAdapter(r.url);
    const key = `{${prefix}}:dlq`;
    expect(Number(await check.command(['ZCARD', key], { key }))).toBe(0);
    await check.close();

    const shown = await runTasks(['dlq', 'show', handle.id, ...cli], { env });
    expect(shown.stdout).toMatch(/boom: card/);
    const replayed = await runTasks(['dlq', 'replay', handle.id, '--json', ...cli], { env });
    expect(replayed.code, replayed.stderr).toBe(0);
    const { taskId } = json<{ taskId: string }>(replayed);
    expect((await store.list({ replayed: true })).map((e) => e.replayTaskId)).toEqual([taskId]);
    const again = await runTasks(['dlq', 'replay', handle.id, ...cli], { env });
    expect(again.code).toBe(1);
    expect((await runTasks(['dlq', 'list', ...cli], { env })).stdout).toBe(
      'The dead-letter queue is empty.\n',
    );
    expect(json(await runTasks(['dlq', 'purge', handle.id, '--json', ...cli], { env }))).toEqual({
      purged: 1,
    });
    expect(await store.size({ replayed: 'all' })).toBe(0);
  });
});

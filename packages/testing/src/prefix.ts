import { randomBytes } from 'node:crypto';
import type { RedisAdapter } from '@tasks/redis';

/**
 * A key prefix unique to one test (or file), so tests sharing a Redis never see each
 * other's keys: `t:<label>:<random>`.
 */
export function testPrefix(label = 'test'): string {
  return `t:${label.replace(/[^A-Za-z0-9_-]/g, '_')}:${randomBytes(5).toString('hex')}`;
}

function escapeGlob(text: string): string {
  return text.replace(/[*?[\]\\]/g, (c) => `\\${c}`);
}

/**
 * Deletes every key that starts with `prefix` (on every master of a cluster) and returns
 * how many were deleted. Never flushes a database: only this test's keys go.
 */
export async function deleteKeysWithPrefix(adapter: RedisAdapter, prefix: string): Promise<number> {
  const seen = new Set<string>();
  for await (const key of adapter.scan(`${escapeGlob(prefix)}*`)) seen.add(key);
  // Keys whose hash tag sits after the prefix start with '{'.
  for await (const key of adapter.scan(`{${escapeGlob(prefix)}*`)) seen.add(key);
  let deleted = 0;
  for (const key of seen) deleted += Number(await adapter.command(['DEL', key], { key }));
  return deleted;
}

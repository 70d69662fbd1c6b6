// `tasks doctor`, the Redis warnings of `tasks status`, and `--redis-checks strict`, against
// Redis servers configured as a user's might be.
import { rawCommand, startRedisServer, type RedisServer } from '@tasks/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { json, runTasks } from './helpers.js';

interface DoctorJson {
  version: string;
  findings: Array<{ check: string; level: string; message: string; source: string; value?: string }>;
}

describe('tasks doctor', () => {
  let evicting: RedisServer;
  let healthy: RedisServer;
  beforeAll(async () => {
    [evicting, healthy] = await Promise.all([
      startRedisServer({ args: ['--maxmemory', '64mb', '--maxmemory-policy', 'allkeys-lru'] }),
      startRedisServer({ args: ['--appendonly', 'yes'] }),
    ]);
  });
  afterAll(async () => {
    await Promise.all([evicting.destroy(), healthy.destroy()]);
  });

  it('prints every finding, and exits 1 on an evicting policy and no persistence', async () => {
    const result = await runTasks(['doctor', '--json', '--redis-url', evicting.url]);
    expect(result.code).toBe(1);
    const report = json<DoctorJson>(result);
    expect(report.version).toMatch(/^\d+\.\d+/);
    const eviction = report.findings.find((f) => f.check === 'eviction-policy');
    expect(eviction).toMatchObject({ level: 'warning', value: 'allkeys-lru', source: 'CONFIG GET' });
    expect(eviction?.message).toMatch(/evict ANY key.*lock/);
    expect(report.findings.find((f) => f.check === 'persistence')).toMatchObject({ level: 'warning' });
    const table = await runTasks(['doctor', '--redis-url', evicting.url]);
    expect(table.stdout).toMatch(/WARNING\s+eviction-policy/);
    expect(table.stdout).toMatch(/ok\s+version/);
  });

  it('exits 0 on noeviction with AOF', async () => {
    const result = await runTasks(['doctor', '--json', '--redis-url', healthy.url]);
    expect(result.code).toBe(0);
    expect(json<DoctorJson>(result).findings.every((f) => f.level === 'info')).toBe(true);
  });

  it('falls back to INFO for a user without CONFIG', async () => {
    // A least-privilege user as an app would have: INFO, but no CONFIG.
    await rawCommand(evicting.port, 'ACL SETUSER lowpriv on >lowpass ~* +@all -config');
    const result = await runTasks([
      'doctor',
      '--json',
      '--redis-url',
      `redis://lowpriv:lowpass@127.0.0.1:${evicting.port}`,
    ]);
    const report = json<DoctorJson>(result);
    expect(report.findings.find((f) => f.check === 'config-access')).toMatchObject({ level: 'info' });
    expect(report.findings.find((f) => f.check === 'eviction-policy')).toMatchObject({
      level: 'warning',
      value: 'allkeys-lru',
      source: 'INFO',
    });
    expect(report.findings.find((f) => f.check === 'persistence')?.level).toBe('info');
  });

  it('status shows the warnings; worker --redis-checks strict refuses to start', async () => {
    const status = await runTasks(['status', '--json', '--redis-url', evicting.url, '--prefix', 'doctor-t']);
    expect(status.code).toBe(0);
    const checks = json<{ redisChecks: DoctorJson['findings'] }>(status).redisChecks;
    expect(checks.map((f) => f.check)).toEqual(['eviction-policy', 'persistence']);
    const text = await runTasks(['status', '--redis-url', evicting.url, '--prefix', 'doctor-t']);
    expect(text.stderr).toMatch(/Redis warning \(eviction-policy\)/);
    const worker = await runTasks([
      'worker',
      '--redis-checks',
      'strict',
      '--redis-url',
      evicting.url,
      '--prefix',
      'doctor-t',
    ]);
    expect(worker.code).not.toBe(0);
    expect(worker.stderr).toMatch(/Refusing to start.*eviction-policy/s);
  });
});

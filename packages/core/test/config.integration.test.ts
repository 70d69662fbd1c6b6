import { writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import {
  BaseTask,
  loadTasksConfig,
  loadTasksConfigFile,
  TaskConfigError,
  type TaskContext,
} from '../src/index.js';
import { useApps, waitUntil } from './helpers.js';

const starts: number[] = [];
beforeEach(() => {
  starts.length = 0;
});

class Unlimited extends BaseTask<{ n: number }, number> {
  async execute(_ctx: TaskContext): Promise<number> {
    starts.push(Date.now());
    return this.args.n;
  }
}

describe('configuration overrides', () => {
  const t = useApps();

  it('a rate limit set only in configuration caps a task that declares none', async () => {
    const app = t.app({
      tasks: [Unlimited],
      config: { tasks: { Unlimited: { rateLimit: { limit: 2, windowSeconds: 1 } } } },
    });
    const rescheduled: number[] = [];
    app.on('rescheduled', (e) => rescheduled.push(e.delayMs));
    t.worker(app);
    const handles = await Promise.all([1, 2, 3, 4].map((n) => app.submit(new Unlimited({ n }))));
    for (const h of handles) await h.result({ timeoutMs: 10_000 });
    starts.sort((a, b) => a - b);
    expect(starts).toHaveLength(4);
    expect((starts[2] ?? 0) - (starts[0] ?? 0)).toBeGreaterThanOrEqual(900); // the third waited for the window
    expect(rescheduled.length).toBeGreaterThan(0);
    expect(Math.max(...rescheduled)).toBeLessThanOrEqual(1_000); // rescheduled at the limiter's retryAfterMs
  });

  it('a concurrency limit from configuration applies', async () => {
    const app = t.app({ tasks: [Unlimited], config: { tasks: { Unlimited: { concurrencyLimit: 1 } } } });
    const locks = app.locksOf(new Unlimited({ n: 1 }));
    expect(locks.map((l) => l.constructor.name).sort()).toEqual(['ConcurrencyLimiter', 'RateLimiter']);
    expect(locks.find((l) => l.constructor.name === 'ConcurrencyLimiter')?.enabled).toBe(true);
    t.worker(app);
    const h = await app.submit(new Unlimited({ n: 7 }));
    expect(await h.result({ timeoutMs: 5_000 })).toBe(7);
  });

  it('rejects an invalid override with its path', () => {
    expect(() =>
      loadTasksConfig({ tasks: { Unlimited: { rateLimit: { limit: -1, windowSeconds: 1 } } } }),
    ).toThrow(/tasks\.Unlimited\.rateLimit\.limit/);
    expect(() =>
      loadTasksConfig({ tasks: { Unlimited: { schedule: { kind: 'cron', expression: '61 * * * *' } } } }),
    ).toThrow(/tasks\.Unlimited\.schedule\.expression/);
    expect(() => loadTasksConfig({ vos: { lhcb: { Unlimited: { priority: 'urgent' as never } } } })).toThrow(
      /vos\.lhcb\.Unlimited\.priority/,
    );
    expect(() => loadTasksConfig({ tasks: { Unlimited: { colour: 'red' } as never } })).toThrow(
      TaskConfigError,
    );
    expect(() => t.app({ tasks: [Unlimited], config: { tasks: { Typo: {} } } })).toThrow(/tasks\.Typo/);
  });

  it('merges VO overrides over the common ones', () => {
    const config = loadTasksConfig({
      tasks: { Unlimited: { rateLimit: { limit: 100, windowSeconds: 60 }, concurrencyLimit: 5 } },
      vos: { lhcb: { Unlimited: { rateLimit: { limit: 200, windowSeconds: 60 } } } },
    });
    expect(config.override('Unlimited').rateLimit?.limit).toBe(100);
    expect(config.override('Unlimited', 'lhcb').rateLimit?.limit).toBe(200);
    expect(config.override('Unlimited', 'lhcb').concurrencyLimit).toBe(5);
    expect(config.override('Other').enabled).toBe(true);
  });

  it('loads JSON and YAML files, naming the file and field on errors', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tasks-config-'));
    writeFileSync(join(dir, 'ok.yaml'), 'tasks:\n  Unlimited:\n    concurrencyLimit: 3\n');
    writeFileSync(join(dir, 'bad.json'), '{"tasks": {"Unlimited": {"concurrencyLimit": 0}}}');
    expect((await loadTasksConfigFile(join(dir, 'ok.yaml'))).override('Unlimited').concurrencyLimit).toBe(3);
    await expect(loadTasksConfigFile(join(dir, 'bad.json'))).rejects.toThrow(
      /bad\.json: tasks\.Unlimited\.concurrencyLimit/,
    );
    await waitUntil(() => true);
  });
});

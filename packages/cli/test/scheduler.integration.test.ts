import { describe, expect, it } from 'vitest';
import { json, jsonLines, runTasks, startTasks, useRedis } from './helpers.js';

const r = useRedis('cli-sched');

interface StatusJson {
  streams: Array<{ waiting: number }>;
  scheduler: { leader: { instanceId: string; fencingToken: number; leaseMsLeft: number } | null };
}

describe('scheduler', () => {
  it('leads, submits the periodic tasks, shows in status, and hands over on SIGTERM', async () => {
    const cli = r.cli(r.prefix());
    const scheduler = startTasks(['scheduler', '--json', '--vos', 'lhcb', ...cli]);
    await scheduler.waitFor(/"event":"periodicSubmitted"[^\n]*"name":"Tick"/, 20_000);
    const status = json<StatusJson>(await runTasks(['status', '--json', ...cli]));
    expect(status.scheduler.leader?.fencingToken).toBeGreaterThan(0);
    expect(status.scheduler.leader?.leaseMsLeft).toBeGreaterThan(0);
    expect(status.streams.reduce((n, s) => n + s.waiting, 0)).toBeGreaterThanOrEqual(1);
    const table = await runTasks(['status', ...cli]);
    expect(table.stdout).toMatch(
      new RegExp(
        `^Scheduler\\s+${status.scheduler.leader?.instanceId} leads \\(fencing token \\d+, lease .* left\\)$`,
        'm',
      ),
    );

    const stopped = await scheduler.stop('SIGTERM');
    expect(stopped.code, stopped.stderr).toBe(0);
    expect(stopped.stderr).toMatch(/Scheduler .* stopped: \d+ occurrence\(s\) submitted, 0 skipped\./);
    const events = jsonLines(stopped.stdout);
    expect(events[0]).toMatchObject({
      event: 'schedulerLeader',
      instanceId: status.scheduler.leader?.instanceId,
    });
    expect(events.some((e) => e.event === 'periodicSubmitted' && e.name === 'Tick')).toBe(true);
    const after = json<StatusJson>(await runTasks(['status', '--json', ...cli]));
    expect(after.scheduler.leader).toBeNull(); // the lease was handed over at once
  });

  it('prints one human line per event without --json', async () => {
    const scheduler = startTasks(['scheduler', ...r.cli(r.prefix())]);
    await scheduler.waitFor(/periodicSubmitted\s+Tick occurrence \S+Z as [0-9a-f-]{36}/, 20_000);
    const stopped = await scheduler.stop('SIGINT');
    expect(stopped.code).toBe(0);
    expect(stopped.stdout).toMatch(/^\S+Z schedulerLeader\s+leading as \S+ \(fencing token \d+\)$/m);
  });
});

import { join } from 'node:path';
import { createTaskApp } from '@tasks/core';
import { LockedObjectType, MutexLock } from '@tasks/locks';
import { describe, expect, it } from 'vitest';
import { FIXTURES, isOneLineError, json, runTasks, startTasks, useRedis } from './helpers.js';

const r = useRedis('cli-schedules');
const cwd = join(FIXTURES, 'schedules');

interface Row {
  task: string;
  vo: string | null;
  status: string;
  next: string[];
  schedule: { timezone?: string } | null;
  description: string;
  lastRun: { occurrence: string; taskId: string } | null;
  lastOutcome: string | null;
  skipped: number;
  lastSkip: { reason: string } | null;
  inConfig: boolean;
}

interface Doc {
  prefix: string;
  leader: { instanceId: string; fencingToken: number; leaseMsLeft: number } | null;
  entries: Row[];
}

const rowOf = (doc: Doc, task: string): Row | undefined => doc.entries.find((e) => e.task === task);

describe('tasks schedules', () => {
  it('lists the entries of the config as not scheduled before any scheduler ran', async () => {
    const cli = r.cli(r.prefix());
    const doc = json<Doc>(await runTasks(['schedules', '--json', ...cli], { cwd }));
    expect(doc.leader).toBeNull();
    expect(doc.entries.map((e) => `${e.task}${e.vo ? `[${e.vo}]` : ''}:${e.status}`).sort()).toEqual([
      'SchedBusy:not scheduled',
      'SchedDone:not scheduled',
      'SchedEvery:not scheduled',
      'SchedNightly:not scheduled',
      'SchedOff:not scheduled',
      'SchedPerVo[lhcb]:not scheduled',
    ]);
    expect(rowOf(doc, 'SchedNightly')?.description).toBe("cron '15 3 * * *' (UTC)"); // the override
  });

  it('reads what the scheduler stored: next and last run, outcome, skips, ended and disabled entries, leader', async () => {
    const prefix = r.prefix();
    const cli = r.cli(prefix);
    // "its previous run is still going": the task's lock, under the app's prefix
    const busy = new MutexLock(LockedObjectType.TASK, 'SchedBusy').withPrefix(`{${prefix}}`);
    expect(await busy.acquire(r.redis())).toBe(true);
    try {
      const scheduler = startTasks(['scheduler', '--json', ...cli], { cwd });
      await scheduler.waitFor(/"event":"periodicSubmitted"[^\n]*"name":"SchedEvery"/);
      await scheduler.waitFor(/"event":"periodicSkipped"[^\n]*"name":"SchedBusy"/);
      const live = json<Doc>(await runTasks(['schedules', '--json', ...cli], { cwd }));
      expect(live.leader?.fencingToken).toBeGreaterThan(0);
      expect(live.leader?.leaseMsLeft).toBeGreaterThan(0);
      expect((await scheduler.stop('SIGTERM')).code).toBe(0);

      const doc = json<Doc>(await runTasks(['schedules', '--json', '--count', '3', ...cli], { cwd }));
      const stored = await createTaskApp({ redis: r.redis(), tasks: [], prefix }).timetable();
      const every = rowOf(doc, 'SchedEvery');
      const storedEvery = stored.entries.find((e) => e.task === 'SchedEvery');
      expect(every?.status).toBe('active');
      expect(every?.next[0]).toBe(new Date(storedEvery?.next ?? 0).toISOString()); // what is stored
      expect(every?.next.map((t) => Date.parse(t) - Date.parse(every.next[0] ?? ''))).toEqual([0, 200, 400]);
      expect(every?.lastRun?.taskId).toBe(storedEvery?.lastRun?.taskId);
      expect(every?.lastOutcome).toBeNull(); // no worker ran it yet
      expect(rowOf(doc, 'SchedBusy')?.skipped).toBeGreaterThanOrEqual(1);
      expect(rowOf(doc, 'SchedBusy')?.lastSkip?.reason).toMatch(
        /still holds \{[^}]+\}:lock:mutex:task:SchedBusy/,
      );
      expect(rowOf(doc, 'SchedBusy')?.lastRun).toBeNull();
      expect(rowOf(doc, 'SchedDone')).toMatchObject({ status: 'ended', next: [] });
      expect(rowOf(doc, 'SchedOff')).toMatchObject({ status: 'disabled', next: [] });
      expect(rowOf(doc, 'SchedNightly')?.next[0]).toMatch(/T03:15:00\.000Z$/);
      expect(doc.entries.find((e) => e.task === 'SchedPerVo')).toMatchObject({
        vo: 'lhcb',
        status: 'active',
      });
      expect(doc.leader).toBeNull(); // the scheduler handed its lease over on SIGTERM

      // A worker runs the last submitted task: its outcome shows.
      const worker = startTasks(['worker', '--json', ...cli], { cwd });
      await worker.waitFor(new RegExp(`"event":"succeeded"[^\\n]*"taskId":"${every?.lastRun?.taskId}"`));
      await worker.stop('SIGTERM');
      const after = json<Doc>(await runTasks(['schedules', '--json', ...cli], { cwd }));
      expect(rowOf(after, 'SchedEvery')?.lastOutcome).toBe('succeeded');

      const table = await runTasks(['schedules', ...cli], { cwd });
      expect(table.code, table.stderr).toBe(0);
      expect(table.stdout).toMatch(/^Scheduler: no leader$/m);
      expect(table.stdout).toMatch(
        /^TASK\s+VO\s+STATUS\s+NEXT \(UTC\)\s+LAST RUN\s+OUTCOME\s+SKIPPED\s+SCHEDULE$/m,
      );
      expect(table.stdout).toMatch(/^SchedEvery\s+-\s+active\s+\S+Z\s+\S+Z\s+succeeded\s+0\s+every 0\.2 s$/m);
      expect(table.stdout).toMatch(
        /^SchedDone\s+-\s+ended\s+-\s+-\s+-\s+0\s+rrule 'FREQ=DAILY;COUNT=2' \(UTC\)$/m,
      );
      expect(table.stdout).toMatch(/^SchedOff\s+-\s+disabled\s+-/m);
      expect(table.stdout).toMatch(/^SchedBusy\s+-\s+active\s+\S+Z\s+-\s+-\s+[1-9]\d*\s+every 0\.2 s$/m);
    } finally {
      await busy.release(r.redis());
    }
  });

  it('bounds --count: a huge count is an error, not minutes of CPU', async () => {
    const result = await runTasks(['schedules', '--count', '100000', ...r.cli(r.prefix())], { cwd });
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/--count must be a whole number from 1 to 1000, got '100000'/);
    expect(isOneLineError(result), result.stderr).toBe(true);
  });

  it('loads a TypeScript config (through jiti) and applies its overrides', async () => {
    const result = await runTasks(['schedules', '--json', ...r.cli(r.prefix())], {
      cwd: join(FIXTURES, 'ts'),
    });
    expect(result.code, result.stderr).toBe(0);
    const [weekly] = json<Doc>(result).entries;
    expect(weekly?.task).toBe('Weekly');
    expect(weekly?.schedule?.timezone).toBe('Europe/Zurich');
    expect(weekly?.description).toBe("cron '0 9 * * 1' (Europe/Zurich)");
  });
});

// A seeded property test of the scheduler: random periodic entries (intervals, cron with zones,
// RRULEs with COUNT or UNTIL that end mid-run), some changed and some disabled by configuration
// mid-run, 2–3 schedulers whose leader is "killed" (its connection dropped, its lease left to
// expire) at random moments. Afterwards, from the streams: every due occurrence was submitted
// exactly once, none after an end, none of a disabled entry after it was disabled, and changed
// entries follow their new schedule from the tick that saw the change.
// Reproduce a run with SCHEDULER_SEED=<seed> (printed below), running vitest in packages/core
// (turbo does not pass unknown environment variables through).
import type { RedisAdapter } from '@tasks/redis';
import { CronSchedule, IntervalSeconds, RRuleSchedule, type Schedule } from '@tasks/schedules';
import { deleteKeysWithPrefix, testPrefix } from '@tasks/testing';
import { describe, expect, it } from 'vitest';
import { identify, scheduleText } from '../src/scheduler-entries.js';
import {
  createTaskApp,
  PeriodicBaseTask,
  type Scheduler,
  type TaskApp,
  type TasksConfigInput,
  type TimetableEntry,
} from '../src/index.js';
import { clients, waitUntil } from './helpers.js';

const SEED = Number(process.env.SCHEDULER_SEED ?? Math.floor(Math.random() * 2 ** 31));
console.log(`scheduler property test: seed ${SEED} (rerun with SCHEDULER_SEED=${SEED})`);

const RUN_MS = 3_500;
const LEASE_MS = 400;
const ZONES = ['UTC', 'Asia/Kathmandu', 'America/St_Johns', 'Australia/Lord_Howe', 'Europe/Zurich'];
const quiet = { info: () => undefined, warn: () => undefined, error: () => undefined };

/** mulberry32: a small seeded PRNG. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let x = Math.imul(a ^ (a >>> 15), 1 | a);
    x = (x + Math.imul(x ^ (x >>> 7), 61 | x)) ^ x;
    return ((x ^ (x >>> 14)) >>> 0) / 4_294_967_296;
  };
}

interface Spec {
  readonly name: string;
  readonly schedule: Schedule;
  /** What happens mid-run, and when (ms after the start). */
  readonly mutation:
    | { readonly kind: 'change'; readonly at: number; readonly to: IntervalSeconds | CronSchedule }
    | { readonly kind: 'disable'; readonly at: number }
    | null;
}

function randomSpecs(random: () => number, start: number, tag: string): Spec[] {
  const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)] as T;
  const between = (a: number, b: number): number => a + Math.floor(random() * (b - a + 1));
  const interval = (): IntervalSeconds => new IntervalSeconds(pick([0.2, 0.25, 0.3, 0.4, 0.5]));
  const cron = (): CronSchedule =>
    new CronSchedule(pick(['* * * * * *', '*/2 * * * * *', '1,2,4,7 * * * * *']), { timezone: pick(ZONES) });
  const count = between(4, 7);
  const specs: Spec[] = [];
  for (let i = 0; i < count; i++) {
    const name = `P${tag}_${i}`;
    const kind = pick(['interval', 'cron', 'count', 'until'] as const);
    const dtstart = new Date(start + between(1, 2) * 1_000);
    const timezone = pick(ZONES);
    let schedule: Schedule;
    if (kind === 'interval') schedule = interval();
    else if (kind === 'cron') schedule = cron();
    else if (kind === 'count')
      schedule = new RRuleSchedule(`FREQ=SECONDLY;INTERVAL=${between(1, 2)};COUNT=${between(1, 3)}`, {
        dtstart,
        timezone,
      });
    else {
      const until = new Date(dtstart.getTime() + between(0, 2) * 1_000)
        .toISOString()
        .replace(/[-:]|\.\d+/g, '');
      schedule = new RRuleSchedule(`FREQ=SECONDLY;UNTIL=${until}`, { dtstart, timezone });
    }
    const roll = random();
    const at = between(800, RUN_MS - 1_000);
    const mutable = kind === 'interval' || kind === 'cron';
    let to = random() < 0.5 ? interval() : cron();
    while (identify(to).fingerprint === identify(schedule).fingerprint) to = interval(); // a real change
    const mutation: Spec['mutation'] =
      !mutable || roll < 0.4 ? null : roll < 0.7 ? { kind: 'change', at, to } : { kind: 'disable', at };
    specs.push({ name, schedule, mutation });
  }
  return specs;
}

function periodicClass(spec: Spec): new (args: Record<string, never>) => PeriodicBaseTask {
  return class extends PeriodicBaseTask<Record<string, never>, string> {
    static override taskName = spec.name;
    static override defaultSchedule = spec.schedule;
    async execute(): Promise<string> {
      return spec.name;
    }
  };
}

/** Occurrences of `schedule` in (from, to) — `to` excluded; at most 10 000. */
function occurrencesBetween(schedule: Schedule, from: number, to: number): number[] {
  const out: number[] = [];
  let cursor = from;
  while (out.length < 10_000) {
    let next: number;
    try {
      next = schedule.nextOccurrence(new Date(cursor)).getTime();
    } catch {
      return out; // ended
    }
    if (next >= to) return out;
    out.push(next);
    cursor = next;
  }
  return out;
}

async function submittedOccurrences(redis: RedisAdapter, app: TaskApp): Promise<Map<string, number[]>> {
  const out = new Map<string, number[]>();
  for (const stream of app.keys.streams) {
    const entries = (await redis.command(['XRANGE', stream, '-', '+'], { key: stream })) as Array<
      [string, string[]]
    >;
    for (const [, fields] of entries) {
      const payload = JSON.parse(fields[1] ?? '{}') as { n: string; l: { occurrence: string } };
      out.set(payload.n, [...(out.get(payload.n) ?? []), Date.parse(payload.l.occurrence)]);
    }
  }
  for (const list of out.values()) list.sort((a, b) => a - b);
  return out;
}

describe.each(clients().map((client, index) => ({ client, index })))(
  'scheduler property ($client.name)',
  ({ client, index }) => {
    it('submits every due occurrence exactly once through leader kills, ends, changes and disables', async () => {
      const seed = SEED + index;
      const random = prng(seed);
      const checker = client.connect();
      const prefix = `{${testPrefix('sched-prop')}}`;
      const start = await checker.time();
      const specs = randomSpecs(random, start, String(index));
      const classes = specs.map(periodicClass);
      let config: TasksConfigInput = {};
      const live: Array<{ app: TaskApp; redis: RedisAdapter; scheduler: Scheduler }> = [];
      const dead: typeof live = [];
      const spawn = (): void => {
        const redis = client.connect();
        const app = createTaskApp({
          redis,
          prefix,
          shards: client.shards ?? 1,
          tasks: classes,
          logger: quiet,
          config,
        });
        const scheduler = app.createScheduler({
          leaseMs: LEASE_MS,
          tickMs: 20,
          misfire: 'all',
          summaryIntervalMs: 0,
        });
        void scheduler.run();
        live.push({ app, redis, scheduler });
      };
      const schedulers = 2 + Math.floor(random() * 2);
      for (let i = 0; i < schedulers; i++) spawn();
      const mutatedAt = new Map<string, number>();
      const pending = specs
        .filter((s) => s.mutation !== null)
        .sort((a, b) => (a.mutation?.at ?? 0) - (b.mutation?.at ?? 0));
      let nextKill = start + 300 + random() * 900;
      let kills = 0;
      try {
        for (let now = await checker.time(); now < start + RUN_MS; now = await checker.time()) {
          while (pending.length > 0 && now >= start + (pending[0]?.mutation?.at ?? 0)) {
            const spec = pending.shift() as Spec;
            const mutation = spec.mutation as NonNullable<Spec['mutation']>;
            const entry =
              mutation.kind === 'disable' ? { enabled: false } : { schedule: mutation.to.toJSON() };
            config = { periodic: { ...config.periodic, [spec.name]: entry } };
            mutatedAt.set(spec.name, Date.now());
            for (const { app } of live) app.reconfigure(config); // every replica at once
          }
          if (now >= nextKill) {
            const leader = live.find((l) => l.scheduler.isLeader);
            if (leader) {
              live.splice(live.indexOf(leader), 1);
              dead.push(leader);
              await leader.redis.close(); // a crash: no hand-over, the lease runs out
              kills++;
              spawn();
            }
            nextKill = now + 300 + random() * 900;
          }
          await new Promise((r) => setTimeout(r, 10));
        }
        const end = await checker.time();
        const probe = live[0]?.app as TaskApp;
        // Let a leader catch up with everything due before `end`.
        await waitUntil(async () => {
          const { entries } = await probe.timetable();
          return entries.length === specs.length && entries.every((e) => e.next === null || e.next > end);
        }, 15_000);
        await Promise.all(live.map((l) => l.scheduler.close()));
        const submitted = await submittedOccurrences(checker, probe);
        const records = new Map((await probe.timetable()).entries.map((e) => [e.task, e]));
        const failures = specs.flatMap((spec) =>
          check(
            spec,
            submitted.get(spec.name) ?? [],
            records.get(spec.name) as TimetableEntry,
            mutatedAt.get(spec.name),
          ),
        );
        expect(failures, `seed ${seed}, ${kills} leader kills`).toEqual([]);
        expect(kills).toBeGreaterThan(0);
      } finally {
        await Promise.all(live.map((l) => l.scheduler.close()));
        // A "dead" scheduler's loop may wait forever on its closed connection (ioredis Cluster
        // does): stop it without waiting, as a crashed process would never answer either.
        for (const l of dead) void l.scheduler.close();
        await Promise.all(live.map((l) => l.redis.close()));
        await deleteKeysWithPrefix(checker, client.shards ? prefix.slice(0, -1) : prefix);
        await checker.close();
      }
    });
  },
);

/** What is wrong with one entry's submissions (nothing: an empty list). */
function check(
  spec: Spec,
  submitted: number[],
  record: TimetableEntry,
  mutatedAt: number | undefined,
): string[] {
  const problems: string[] = [];
  const say = (what: string): void =>
    void problems.push(`${spec.name} (${scheduleText(spec.schedule)}): ${what}`);
  if (new Set(submitted).size !== submitted.length)
    say(`an occurrence was submitted twice: ${submitted.join(', ')}`);
  const horizon = record.next ?? Infinity;
  if (spec.mutation === null) {
    const expected = occurrencesBetween(spec.schedule, record.created, horizon);
    if (JSON.stringify(submitted) !== JSON.stringify(expected))
      say(`submitted ${submitted.join(', ')}, expected ${expected.join(', ')}`);
    const left = occurrencesBetween(spec.schedule, submitted.at(-1) ?? record.created, horizon + 1);
    if (record.status === 'ended' && left.length > 0)
      say(`marked ended with occurrences left: ${left.join(', ')}`);
    if (record.status === 'active' && record.next !== left[0])
      say(`next run ${record.next}, expected ${left[0]}`);
    if (record.status !== 'ended' && record.status !== 'active') say(`status ${record.status}`);
    return problems;
  }
  // Mutated: the old schedule's runs are a gap-free prefix before the change was seen; after
  // it, exactly the new schedule's occurrences (none for a disabled entry).
  const seen = record.since;
  if (mutatedAt === undefined || seen < mutatedAt)
    say(`change seen at ${seen}, before it was made (${mutatedAt})`);
  else if (seen - mutatedAt > LEASE_MS + 3_000) say(`change seen ${seen - mutatedAt} ms after it was made`);
  const before = submitted.filter((o) => o < seen);
  const prefix = occurrencesBetween(spec.schedule, record.created, seen).slice(0, before.length);
  if (JSON.stringify(before) !== JSON.stringify(prefix))
    say(`before the change: ${before.join(', ')}, not a gap-free run of its schedule`);
  const after = submitted.filter((o) => o >= seen);
  if (spec.mutation.kind === 'disable') {
    if (record.status !== 'disabled') say(`status ${record.status}, not disabled`);
    if (after.length > 0) say(`submitted after it was disabled: ${after.join(', ')}`);
    return problems;
  }
  if (record.fingerprint !== identify(spec.mutation.to).fingerprint)
    say('the stored fingerprint is not the new schedule');
  const expected = occurrencesBetween(spec.mutation.to, seen, horizon);
  if (JSON.stringify(after) !== JSON.stringify(expected))
    say(`after the change: ${after.join(', ')}, expected ${expected.join(', ')}`);
  return problems;
}

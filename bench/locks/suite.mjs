// The locks suite: which cases run, the targets, and the final ratio table.
import { fmtNum } from '../lib/stats.mjs';
import { caseTable, markdownTable } from '../lib/table.mjs';
import { rateLimitCase, semaphoreCase } from './limiters.mjs';
import { contendedCase, footprint, uncontendedCase } from './mutex.mjs';

export { ratioRows, ratioTable } from './ratios.mjs';

const MUTEX_LIBS = ['ours', 'redis-semaphore', 'redlock'];
const UNCONTENDED_LIBS = [...MUTEX_LIBS, 'bare-ioredis'];
const RATE_LIBS = ['ours', 'rate-limiter-flexible'];

export function lockCases(config) {
  const n = config.inFlight;
  const w = config.contendedWorkers;
  const k = config.contendedOps;
  return [
    uncontendedCase({
      id: 'mutex-c50',
      title: `1a. Mutex acquire+release, ${n} in flight, own keys`,
      concurrency: n,
      libs: UNCONTENDED_LIBS,
    }),
    uncontendedCase({
      id: 'mutex-seq',
      title: '1b. Mutex acquire+release, sequential, one key',
      concurrency: 1,
      libs: UNCONTENDED_LIBS,
    }),
    contendedCase({
      id: 'mutex-contended-1ms',
      title: `2a. Contended mutex, ${w} workers × ${k}, ONE key, hold 1 ms`,
      workers: w,
      opsPerWorker: k,
      hold: '1ms',
      libs: MUTEX_LIBS,
    }),
    contendedCase({
      id: 'mutex-contended-tick',
      title: `2b. Contended mutex, ${w} workers × ${k}, ONE key, hold one setImmediate tick`,
      workers: w,
      opsPerWorker: k,
      hold: 'tick',
      libs: MUTEX_LIBS,
    }),
    rateLimitCase({
      id: 'rate-c50',
      title: `3a. Rate limiter consume, ${n} in flight, allowed, 1000 keys`,
      concurrency: n,
      mode: 'allowed',
      libs: RATE_LIBS,
    }),
    rateLimitCase({
      id: 'rate-seq',
      title: '3b. Rate limiter consume, sequential, allowed, 1000 keys',
      concurrency: 1,
      mode: 'allowed',
      libs: RATE_LIBS,
    }),
    rateLimitCase({
      id: 'rate-rejected',
      title: `3c. Rate limiter consume, ${n} in flight, all rejected (one exhausted key)`,
      concurrency: n,
      mode: 'rejected',
      libs: RATE_LIBS,
    }),
    semaphoreCase({
      id: 'semaphore',
      title: `4. Semaphore limit 5, ${config.semaphoreWorkers} workers, ONE key, tick hold`,
      workers: config.semaphoreWorkers,
      limit: 5,
      libs: ['ours', 'redis-semaphore'],
    }),
  ];
}

const CONTENDED_COLUMNS = [
  ['handoff %', 'handoffPct', 1],
  ['wait mean ms', 'waitMeanMs', 'auto'],
  ['wait p50 ms', 'waitP50Ms', 'auto'],
  ['wait p99 ms', 'waitP99Ms', 2],
  ['wait max ms', 'waitMaxMs', 1],
  ['violations', 'violations', 0],
  ['max holders', 'maxHolders', 0],
  ['hold mean ms', 'holdMeanMs', 2],
  ['FIFO floor ms', 'fifoFloorMs', 1],
];
const RATE_COLUMNS = [['redis memory B/op', 'memBytesPerOp', 0]];
const SEMAPHORE_COLUMNS = [
  ['max conc.', 'maxConcurrency', 0],
  ['over-limit', 'overLimitEvents', 0],
  ['wait p50 ms', 'waitP50Ms', 'auto'],
  ['wait p99 ms', 'waitP99Ms', 2],
  ['wait max ms', 'waitMaxMs', 1],
  ['per-worker min', 'perWorkerMin', 0],
  ['per-worker max', 'perWorkerMax', 0],
];

export function detailTables(cases) {
  return cases
    .map((c) => {
      const extra = c.id.startsWith('mutex-contended')
        ? CONTENDED_COLUMNS
        : c.id === 'semaphore'
          ? SEMAPHORE_COLUMNS
          : c.id.startsWith('rate')
            ? RATE_COLUMNS
            : [];
      return `### ${c.title}\n\n${caseTable(c, extra)}`;
    })
    .join('\n\n');
}

/** Runs the (untimed) key-footprint check once per mutex library. */
export async function runFootprint(env, n) {
  const out = [];
  for (const lib of MUTEX_LIBS) out.push(await footprint(env, lib, n));
  return out;
}

export function footprintTable(rows) {
  return markdownTable(
    ['library', 'acquire+release on distinct keys', 'keys left', 'memory left (bytes)', 'TTL of a left key'],
    rows.map((r) => [
      r.lib,
      fmtNum(r.operations),
      fmtNum(r.keysLeft),
      fmtNum(r.bytesLeft),
      r.sampleTtlMs.length ? `${fmtNum(r.sampleTtlMs[0])} ms` : '–',
    ]),
    ['l', 'r', 'r', 'r', 'r'],
  );
}

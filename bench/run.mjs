// Benchmark runner: `node run.mjs locks`.
//
// Starts a private throwaway redis-server on a free loopback port (never the machine's
// Redis), runs the suite with our packages and the anchors on the SAME ioredis client,
// prints the tables and writes the raw samples to results/<suite>-<timestamp>.json.
// Env knobs: see lib/config.mjs and README.md (BENCH_QUICK=1 for a smoke run).
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { Redis } from 'ioredis';
import { createIoredisAdapter } from '@tasks/redis-ioredis';
import { startRedisServer } from '@tasks/testing';
import { config } from './lib/config.mjs';
import { CpuMeter, parseInfo } from './lib/meter.mjs';
import { runCase } from './lib/measure.mjs';
import {
  detailTables,
  footprintTable,
  lockCases,
  ratioRows,
  ratioTable,
  runFootprint,
} from './locks/suite.mjs';

const SUITES = { locks: { cases: lockCases } };
const MAX_SCAN_ROUNDS = 100_000;

function version(pkg) {
  try {
    return JSON.parse(readFileSync(new URL(`./node_modules/${pkg}/package.json`, import.meta.url), 'utf8'))
      .version;
  } catch {
    return null;
  }
}

/** Unlinks every key containing `<prefix>:` (SCAN, never FLUSHDB). Returns how many. */
async function deletePrefix(control, prefix) {
  let cursor = '0';
  let deleted = 0;
  for (let round = 0; round < MAX_SCAN_ROUNDS; round++) {
    const [next, keys] = await control.scan(cursor, 'MATCH', `*${prefix}:*`, 'COUNT', 1000);
    if (keys.length) deleted += await control.unlink(...keys);
    cursor = next;
    if (cursor === '0') break;
  }
  return deleted;
}

async function countPrefix(control, prefix) {
  let cursor = '0';
  let count = 0;
  const sample = [];
  for (let round = 0; round < MAX_SCAN_ROUNDS; round++) {
    const [next, keys] = await control.scan(cursor, 'MATCH', `*${prefix}:*`, 'COUNT', 1000);
    count += keys.length;
    for (const k of keys) if (sample.length < 3) sample.push(k);
    cursor = next;
    if (cursor === '0') break;
  }
  return { count, sample };
}

/** JSON as the repo's Prettier writes it (so `pnpm format:check` stays green), plain JSON without it. */
async function formatJson(value) {
  const text = JSON.stringify(value, null, 2);
  try {
    const prettier = await import('prettier');
    return await prettier.format(text, { parser: 'json', printWidth: 110 });
  } catch {
    return `${text}\n`;
  }
}

/** Correctness failures (not missed targets) make the run fail. */
function correctnessProblems(cases) {
  const problems = [];
  for (const c of cases) {
    for (const [lib, r] of Object.entries(c.results)) {
      for (const s of r.samples) {
        const m = s.metrics;
        if (m.errors > 0) problems.push(`${c.id}/${lib} round ${s.round}: ${m.errors} errors (${s.error})`);
        if (m.violations > 0)
          problems.push(`${c.id}/${lib} round ${s.round}: ${m.violations} mutual-exclusion violations`);
        if (m.overLimitEvents > 0)
          problems.push(
            `${c.id}/${lib} round ${s.round}: semaphore over its limit ${m.overLimitEvents} times`,
          );
        if (s.timedOut)
          problems.push(`${c.id}/${lib} round ${s.round}: did not finish within ${config.fixedTimeoutMs} ms`);
      }
    }
  }
  return problems;
}

async function main() {
  const suiteName = process.argv[2] ?? 'locks';
  const suite = SUITES[suiteName];
  if (!suite)
    throw new Error(`unknown suite ${JSON.stringify(suiteName)}; known: ${Object.keys(SUITES).join(', ')}`);
  const only = process.env.BENCH_CASES ? new Set(process.env.BENCH_CASES.split(',')) : null;
  const cases = suite.cases(config).filter((c) => !only || only.has(c.id));

  const server = await startRedisServer();
  if (server.port === 6379) throw new Error('refusing to benchmark on port 6379');
  const client = new Redis(server.url, { enableAutoPipelining: config.autoPipelining });
  const control = new Redis(server.url);
  const redis = createIoredisAdapter(client);
  const stopServer = () => void server.destroy();
  process.once('SIGINT', () => {
    stopServer();
    process.exit(130);
  });
  const started = new Date();
  try {
    const serverInfo = parseInfo(await control.info('server'));
    const runId = randomBytes(4).toString('hex');
    const env = {
      config,
      startedAt: performance.now(),
      gateFailures: 0,
      gateWaitedMs: 0,
      runId,
      client,
      control,
      redis,
      meter: new CpuMeter(control),
      deletePrefix: (prefix) => deletePrefix(control, prefix),
      countPrefix: (prefix) => countPrefix(control, prefix),
    };
    console.log(
      `@tasks/bench ${suiteName}: redis ${serverInfo.redis_version} on ${server.url}, ${config.quick ? 'QUICK mode, ' : ''}` +
        `${config.samples} sample(s) × ${config.durationMs} ms (warm-up ${config.warmupMs} ms), quiet gate < ${config.quietPct} %` +
        `${config.autoPipelining ? ', ioredis enableAutoPipelining ON' : ''}`,
    );
    const results = [];
    for (const c of cases) results.push(await runCase(c, env));
    const footprint = only ? [] : await runFootprint(env, config.quick ? 200 : 1000);

    const rows = ratioRows(results);
    console.log(`\n## Details (median (min–max) of clean samples)\n\n${detailTables(results)}`);
    if (footprint.length)
      console.log(`\n### Keys left behind after acquire+release\n\n${footprintTable(footprint)}`);
    console.log(`\n## Ratios (ours / anchor, same run)\n\n${ratioTable(rows)}\n`);

    const finished = new Date();
    const problems = correctnessProblems(results);
    const out = {
      suite: suiteName,
      startedAt: started.toISOString(),
      finishedAt: finished.toISOString(),
      durationS: (finished - started) / 1000,
      config,
      machine: {
        node: process.version,
        cpus: cpus().length,
        cpuModel: cpus()[0]?.model,
        totalMemBytes: totalmem(),
      },
      redis: { version: serverInfo.redis_version, url: server.url },
      versions: Object.fromEntries(
        ['ioredis', 'redis-semaphore', 'redlock', 'rate-limiter-flexible', 'bullmq'].map((p) => [
          p,
          version(p),
        ]),
      ),
      ratios: rows,
      footprint,
      cases: results,
      correctnessProblems: problems,
    };
    const dir = new URL('./results/', import.meta.url);
    mkdirSync(dir, { recursive: true });
    const file = new URL(`${suiteName}-${started.toISOString().replace(/[:.]/g, '-')}.json`, dir);
    writeFileSync(file, await formatJson(out));
    console.log(`results: ${file.pathname}  (${out.durationS.toFixed(0)} s)`);
    if (problems.length) {
      console.error(`\nCORRECTNESS PROBLEMS:\n  ${problems.join('\n  ')}`);
      process.exitCode = 1;
    }
  } finally {
    await redis.close().catch(() => {});
    client.disconnect();
    control.disconnect();
    await server.destroy();
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});

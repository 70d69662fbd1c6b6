// Workload drivers and the sample orchestration: quiet gate before every sub-measurement,
// warm-up, measured window, A/B interleaving of the libraries within each round, reruns of
// dirty samples, medians over clean samples.
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { CpuMeter, isClean, quietGate } from './meter.mjs';
import { summarize } from './stats.mjs';

const MAX_ERRORS = 1000;

/** Starts `n` loops calling `op(worker)` until `shouldStop()`; resolves when all have stopped. */
function startLoops(n, op, state) {
  const loop = async (worker) => {
    while (!state.stop) {
      try {
        await op(worker);
        state.ops++;
      } catch (error) {
        state.errors++;
        state.firstError ??= error;
        if (state.errors >= MAX_ERRORS) state.stop = true;
      }
    }
  };
  return Promise.all(Array.from({ length: n }, (_, worker) => loop(worker)));
}

/**
 * `concurrency` loops run `op` for warmupMs, then for durationMs measured. Meters are read at
 * the boundaries while the load keeps running, so the window holds steady state only.
 */
export async function timedLoops({ concurrency, op, warmupMs, durationMs, meter, onMeasureStart }) {
  const state = { stop: false, ops: 0, errors: 0, firstError: undefined };
  const done = startLoops(concurrency, op, state);
  await sleep(warmupMs);
  onMeasureStart?.();
  const ops0 = state.ops;
  const errors0 = state.errors;
  const s0 = await meter.snapshot();
  await sleep(durationMs);
  const ops1 = state.ops;
  const s1 = await meter.snapshot();
  state.stop = true;
  await done;
  const ops = ops1 - ops0;
  const metrics = CpuMeter.diff(s0, s1, ops);
  return {
    ops,
    errors: state.errors - errors0,
    firstError: state.firstError,
    metrics: { ...metrics, opsPerSec: (ops / metrics.wallMs) * 1000 },
  };
}

/**
 * Fixed work: `workers` loops each run `op` `opsPerWorker` times (after a timed warm-up of
 * the same workload). Bounded by `timeoutMs`; an unfinished run is flagged `timedOut`.
 */
export async function fixedWork({ workers, opsPerWorker, op, warmupMs, timeoutMs, meter, onMeasureStart }) {
  const warm = { stop: false, ops: 0, errors: 0, firstError: undefined };
  const warmDone = startLoops(workers, op, warm);
  await sleep(warmupMs);
  warm.stop = true;
  await warmDone;

  onMeasureStart?.();
  let stop = false;
  let ops = 0;
  let errors = 0;
  let firstError;
  const s0 = await meter.snapshot();
  const t0 = performance.now();
  const timer = setTimeout(() => (stop = true), timeoutMs);
  const worker = async (w) => {
    for (let i = 0; i < opsPerWorker && !stop; i++) {
      try {
        await op(w);
        ops++;
      } catch (error) {
        errors++;
        firstError ??= error;
        if (errors >= MAX_ERRORS) stop = true;
      }
    }
  };
  await Promise.all(Array.from({ length: workers }, (_, w) => worker(w)));
  const elapsed = performance.now() - t0;
  clearTimeout(timer);
  const s1 = await meter.snapshot();
  const metrics = CpuMeter.diff(s0, s1, ops);
  return {
    ops,
    errors,
    firstError,
    timedOut: stop && errors < MAX_ERRORS,
    metrics: { ...metrics, opsPerSec: (ops / elapsed) * 1000, elapsedMs: elapsed },
  };
}

/** Runs one sub-measurement of one variant: gate, set-up, drive, collect, clean up. */
async function runSample(caseDef, variant, round, env) {
  const { config, meter } = env;
  // Under persistent foreign load (2 failed gates in a row, or the run's gate budget spent), do
  // not burn quietMaxMs before every sub-measurement: the samples are flagged dirty anyway.
  const persistent = env.gateFailures >= 2 || env.gateWaitedMs >= config.gateBudgetMs;
  const maxMs = persistent ? config.quietShortMaxMs : config.quietMaxMs;
  const gate = await quietGate({ pct: config.quietPct, windowMs: config.quietWindowMs, maxMs });
  env.gateFailures = gate.passed ? 0 : env.gateFailures + 1;
  env.gateWaitedMs += gate.waitedMs;
  const prefix = `bench:${env.runId}:${caseDef.id}:${variant.lib}:${round}`;
  const instance = await variant.make({ ...env, prefix });
  let result;
  try {
    const common = {
      op: instance.op,
      warmupMs: config.warmupMs,
      meter,
      onMeasureStart: () => instance.resetStats?.(),
    };
    result =
      caseDef.kind === 'fixed'
        ? await fixedWork({
            ...common,
            workers: instance.workers,
            opsPerWorker: instance.opsPerWorker,
            timeoutMs: config.fixedTimeoutMs,
          })
        : await timedLoops({ ...common, concurrency: instance.concurrency, durationMs: config.durationMs });
  } finally {
    await instance.close?.();
    await env.deletePrefix(prefix);
  }
  const extra = instance.stats?.(result) ?? {};
  const metrics = { ...result.metrics, errors: result.errors, ...extra };
  const sample = {
    round,
    gate,
    metrics,
    timedOut: result.timedOut ?? false,
    error: result.errors > 0 ? String(result.firstError?.message ?? result.firstError) : undefined,
  };
  sample.clean = isClean(sample, config);
  return sample;
}

function logSample(caseDef, variant, sample) {
  const m = sample.metrics;
  const flags = [
    sample.clean ? 'clean' : 'DIRTY',
    sample.gate.passed ? '' : 'gate-failed',
    sample.error ? `errors=${m.errors}` : '',
  ]
    .filter(Boolean)
    .join(' ');
  const fmt = (x, d = 0) => (x === null || x === undefined ? '–' : x.toFixed(d));
  console.log(
    `  ${caseDef.id.padEnd(22)} ${variant.lib.padEnd(16)} r${sample.round} ${fmt(m.opsPerSec).padStart(7)} ops/s` +
      `  node ${fmt(m.nodeUsPerOp, 1)} µs/op  redis ${fmt(m.redisUsPerOp, 1)} µs/op  other ${fmt(m.otherCpuPct)}%  psi ${fmt(m.cpuPressurePct)}%  ${flags}`,
  );
  if (sample.error) console.log(`    first error: ${sample.error}`);
}

/** Median (min–max) of every numeric metric over the given samples. */
function summarizeSamples(samples) {
  const keys = new Set();
  for (const s of samples)
    for (const [k, v] of Object.entries(s.metrics)) if (typeof v === 'number') keys.add(k);
  const out = {};
  for (const k of keys) out[k] = summarize(samples.map((s) => s.metrics[k]));
  return out;
}

/**
 * Runs every variant of a case `samples` times, interleaved (order reversed every round),
 * then reruns only variants short of clean samples, up to `maxExtraRounds` more rounds.
 */
export async function runCase(caseDef, env) {
  const { config } = env;
  console.log(`\n${caseDef.title}`);
  const samples = new Map(caseDef.variants.map((v) => [v.lib, []]));
  const cleanCount = (v) => samples.get(v.lib).filter((s) => s.clean).length;
  const totalRounds = config.samples + config.maxExtraRounds;
  for (let round = 0; round < totalRounds; round++) {
    const extra = round >= config.samples;
    if (extra && performance.now() - env.startedAt > config.budgetMs) {
      console.log(`  (time budget of ${config.budgetMs / 1000} s used up: no reruns of dirty samples)`);
      break;
    }
    const wanted = extra ? caseDef.variants.filter((v) => cleanCount(v) < config.samples) : caseDef.variants;
    if (wanted.length === 0) break;
    const order = round % 2 === 0 ? wanted : [...wanted].reverse();
    for (const variant of order) {
      const sample = await runSample(caseDef, variant, round, env);
      samples.get(variant.lib).push(sample);
      logSample(caseDef, variant, sample);
    }
  }
  const results = {};
  for (const variant of caseDef.variants) {
    const all = samples.get(variant.lib);
    const clean = all.filter((s) => s.clean);
    const used = clean.length > 0 ? clean.slice(0, Math.max(config.samples, 1)) : all;
    results[variant.lib] = {
      dirty: clean.length === 0,
      cleanSamples: clean.length,
      summary: summarizeSamples(used),
      samples: all,
    };
  }
  return { id: caseDef.id, title: caseDef.title, results };
}

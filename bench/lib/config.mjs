// Benchmark knobs, all from the environment so that a quick smoke run and a full run use the
// same code. Every duration is in milliseconds.

function intEnv(name, fallback) {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value < 0)
    throw new Error(`${name} must be a non-negative number, got ${JSON.stringify(raw)}`);
  return Math.floor(value);
}

const quick = process.env.BENCH_QUICK === '1' || process.env.BENCH_QUICK === 'true';

/** @type {{
 *  quick: boolean, samples: number, warmupMs: number, durationMs: number, maxExtraRounds: number,
 *  quietMaxMs: number, quietPct: number, quietWindowMs: number, quietShortMaxMs: number, gateBudgetMs: number, budgetMs: number, otherMaxPct: number, psiMaxPct: number,
 *  inFlight: number, contendedWorkers: number, contendedOps: number, semaphoreWorkers: number,
 *  fixedTimeoutMs: number, autoPipelining: boolean }} */
export const config = Object.freeze({
  quick,
  /** Clean samples wanted per sub-measurement. */
  samples: intEnv('BENCH_SAMPLES', quick ? 1 : 3),
  warmupMs: intEnv('BENCH_WARMUP_MS', quick ? 100 : 300),
  durationMs: intEnv('BENCH_DURATION_MS', quick ? 500 : 2500),
  /** Extra interleaved rounds a case may run to replace dirty samples. */
  maxExtraRounds: intEnv('BENCH_MAX_EXTRA_ROUNDS', quick ? 0 : 2),
  /** Quiet gate: wait until the box is under quietPct % of one core for 2 windows (at most quietMaxMs). */
  quietMaxMs: intEnv('BENCH_QUIET_MAX_MS', quick ? 3000 : 30000),
  quietPct: intEnv('BENCH_QUIET_PCT', 15),
  quietWindowMs: 500,
  /** After 2 failed gates in a row (persistent foreign load) the gate waits only this long, until one passes. */
  quietShortMaxMs: intEnv('BENCH_QUIET_SHORT_MAX_MS', 3000),
  /** Total time the gates may wait in one run; past it every gate waits at most quietShortMaxMs. */
  gateBudgetMs: intEnv('BENCH_GATE_BUDGET_S', quick ? 15 : 90) * 1000,
  /** Extra rounds (reruns of dirty samples) start only while the run is younger than this. */
  budgetMs: intEnv('BENCH_BUDGET_S', quick ? 60 : 300) * 1000,
  /** A sample is clean when other processes used at most this much CPU and PSI stayed under psiMaxPct. */
  otherMaxPct: intEnv('BENCH_OTHER_MAX_PCT', 30),
  psiMaxPct: intEnv('BENCH_PSI_MAX_PCT', 30),
  inFlight: intEnv('BENCH_IN_FLIGHT', 50),
  contendedWorkers: intEnv('BENCH_CONTENDED_WORKERS', 20),
  contendedOps: intEnv('BENCH_CONTENDED_OPS', quick ? 25 : 200),
  semaphoreWorkers: intEnv('BENCH_SEMAPHORE_WORKERS', 50),
  /** Run every library over a client with ioredis `enableAutoPipelining` (default off, as in the anchor report). */
  autoPipelining: process.env.BENCH_AUTOPIPELINING === '1',
  /** Upper bound on one fixed-work run (the contended mutex): it stops and is flagged after this. */
  fixedTimeoutMs: intEnv('BENCH_FIXED_TIMEOUT_MS', 60000),
});

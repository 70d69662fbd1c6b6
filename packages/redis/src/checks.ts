// Configuration checks of the Redis a @tasks app runs on: what it may lose or double (eviction,
// persistence), whether its version runs our scripts, how full it is. Each check works for a
// least-privilege ACL user: `CONFIG GET` is tried, and `INFO` (which such users are granted)
// answers when it is denied.
import { RedisCheckError } from './errors.js';
import type { RedisAdapter } from './types.js';

/** The lowest Redis version whose scripts (`#!lua` flags, `XAUTOCLAIM`) @tasks relies on. */
export const MIN_REDIS_VERSION = '7.0.0';

/** How serious a {@link RedisFinding} is. */
export type RedisFindingLevel = 'error' | 'warning' | 'info';

/** What a check looked at. */
export type RedisCheckId = 'version' | 'eviction-policy' | 'persistence' | 'memory' | 'config-access';

/** One result of {@link checkRedis}. */
export interface RedisFinding {
  readonly check: RedisCheckId;
  /** `error`: @tasks cannot work correctly; `warning`: data can be lost or doubled; `info`: for the record. */
  readonly level: RedisFindingLevel;
  /** What was found, what it risks and what to do, for people. */
  readonly message: string;
  /** The value seen (e.g. `'allkeys-lru'`, `'6.2.14'`), when there is one. */
  readonly value?: string;
  /** Where the value came from. */
  readonly source: 'CONFIG GET' | 'INFO';
}

/** What {@link checkRedis} found about one Redis. */
export interface RedisCheckReport {
  /** Where the adapter connects (masked URL or nodes). */
  readonly target: string;
  /** The server's version, or `null` when `INFO` did not say. */
  readonly version: string | null;
  readonly findings: readonly RedisFinding[];
}

/**
 * How a worker or scheduler treats the findings at start: `'warn'` (default) reports them and
 * refuses to start only on an `error` (a Redis too old for the scripts); `'strict'` also refuses
 * on a `warning` (an evicting policy, no persistence); `'off'` checks nothing.
 */
export type RedisChecksMode = 'warn' | 'strict' | 'off';

/** A parsed `INFO` reply: field → value, across its sections. */
function parseInfo(text: string): Map<string, string> {
  const fields = new Map<string, string>();
  for (const line of text.split(/\r?\n/)) {
    const colon = line.indexOf(':');
    if (colon > 0 && !line.startsWith('#')) fields.set(line.slice(0, colon), line.slice(colon + 1).trim());
  }
  return fields;
}

/** Compares dotted versions: negative when `a < b`. */
export function compareVersions(a: string, b: string): number {
  const pa = a.split('.').map((part) => Number.parseInt(part, 10) || 0);
  const pb = b.split('.').map((part) => Number.parseInt(part, 10) || 0);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const diff = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (diff !== 0) return diff;
  }
  return 0;
}

/** `CONFIG GET name` → value, or `undefined` when denied (ACL, renamed command) or unknown. */
async function configGet(redis: RedisAdapter, name: string): Promise<string | undefined> {
  try {
    const reply = await redis.command(['CONFIG', 'GET', name]);
    if (Array.isArray(reply) && reply.length >= 2) return String(reply[1]);
    return undefined;
  } catch {
    return undefined;
  }
}

const EVICTION_RISKS: Readonly<Record<'allkeys' | 'volatile', string>> = {
  allkeys:
    'when memory is full Redis may evict ANY key: queued tasks (streams), delayed tasks, results, ' +
    'the dead-letter queue and held lock keys can vanish silently — tasks are lost, and a lock ' +
    'evicted while held lets a second holder in',
  volatile:
    'when memory is full Redis may evict keys that have a TTL: lock keys and leases, the ' +
    "scheduler's leader key, de-duplication keys and results — two holders of one mutex, two " +
    'scheduler leaders and duplicate submits become possible',
};

function evictionFinding(policy: string, source: RedisFinding['source']): RedisFinding | null {
  if (policy === 'noeviction') return null;
  const kind = policy.startsWith('volatile') ? 'volatile' : 'allkeys';
  return {
    check: 'eviction-policy',
    level: 'warning',
    value: policy,
    source,
    message:
      `maxmemory-policy is '${policy}', not 'noeviction': ${EVICTION_RISKS[kind]}. ` +
      "Set 'maxmemory-policy noeviction' (a full Redis then refuses new submits with " +
      'RedisOutOfMemoryError while workers drain what is queued).',
  };
}

function persistenceFinding(info: Map<string, string>, save: string | undefined): RedisFinding | null {
  const aof = info.get('aof_enabled') === '1';
  if (aof) return null;
  if (save === undefined) {
    return {
      check: 'persistence',
      level: 'info',
      source: 'INFO',
      value: 'aof off, rdb unknown',
      message:
        'AOF is off and the RDB snapshot schedule could not be read (CONFIG GET is not allowed): ' +
        'if Redis keeps no snapshots either, a restart loses every queued task.',
    };
  }
  if (save.trim() !== '') return null;
  return {
    check: 'persistence',
    level: 'warning',
    source: 'CONFIG GET',
    value: 'none',
    message:
      "Redis keeps nothing on disk (appendonly no, save ''): a restart or crash loses every queued " +
      "and delayed task, every result and the dead-letter queue. Turn on AOF ('appendonly yes').",
  };
}

function versionFinding(version: string | null): RedisFinding {
  if (version === null) {
    return {
      check: 'version',
      level: 'info',
      source: 'INFO',
      message: `INFO did not report redis_version; @tasks needs Redis ${MIN_REDIS_VERSION} or later.`,
    };
  }
  const old = compareVersions(version, MIN_REDIS_VERSION) < 0;
  return {
    check: 'version',
    level: old ? 'error' : 'info',
    source: 'INFO',
    value: version,
    message: old
      ? `Redis ${version} is too old: @tasks needs ${MIN_REDIS_VERSION} or later (its scripts use ` +
        'script flags and XAUTOCLAIM). Upgrade Redis.'
      : `Redis ${version} (${MIN_REDIS_VERSION} or later is needed).`,
  };
}

function memoryFinding(info: Map<string, string>): RedisFinding | null {
  const max = Number(info.get('maxmemory') ?? '0');
  const used = Number(info.get('used_memory') ?? '0');
  if (!(max > 0)) return null;
  const share = used / max;
  const mb = (bytes: number): string => `${(bytes / 1024 / 1024).toFixed(1)} MB`;
  if (share < 0.9) {
    return {
      check: 'memory',
      level: 'info',
      source: 'INFO',
      value: `${mb(used)} / ${mb(max)}`,
      message: `Memory: ${mb(used)} used of maxmemory ${mb(max)} (${Math.round(share * 100)}%).`,
    };
  }
  return {
    check: 'memory',
    level: 'warning',
    source: 'INFO',
    value: `${mb(used)} / ${mb(max)}`,
    message:
      `Redis is ${share >= 1 ? 'full' : 'nearly full'}: ${mb(used)} used of maxmemory ${mb(max)}. ` +
      'New submits are refused (RedisOutOfMemoryError) while it is full; workers keep draining ' +
      'queued tasks. Raise maxmemory or add workers.',
  };
}

/**
 * Checks the configuration of the Redis behind `redis` (on a cluster: the node that answers):
 * - `version`: below {@link MIN_REDIS_VERSION} → `error` (the scripts would fail);
 * - `eviction-policy`: anything but `noeviction` → `warning` saying what can be lost or doubled;
 * - `persistence`: neither AOF nor RDB snapshots → `warning` (a restart loses queued tasks);
 * - `memory`: used memory at 90 % of `maxmemory` or more → `warning`, else `info`;
 * - `config-access`: `CONFIG GET` denied (a least-privilege ACL user) → `info`; the checks then
 *   read `INFO` (`maxmemory_policy`, `aof_enabled`), and the RDB schedule is unknown.
 *
 * Never throws for a denied command; rejects only when Redis cannot answer `INFO` at all.
 * @throws RedisAdapterError when `INFO` fails (Redis unreachable, `INFO` not allowed).
 *
 * @example
 * ```ts
 * const report = await checkRedis(redis);
 * for (const f of report.findings) if (f.level !== 'info') console.warn(`[${f.level}] ${f.message}`);
 * ```
 */
export async function checkRedis(redis: RedisAdapter): Promise<RedisCheckReport> {
  const info = parseInfo(String(await redis.command(['INFO'])));
  const version = info.get('redis_version') ?? null;
  const findings: RedisFinding[] = [versionFinding(version)];
  const policyByConfig = await configGet(redis, 'maxmemory-policy');
  const save = policyByConfig === undefined ? undefined : await configGet(redis, 'save');
  if (policyByConfig === undefined) {
    findings.push({
      check: 'config-access',
      level: 'info',
      source: 'INFO',
      message: 'CONFIG GET is not allowed for this user: the checks read INFO instead.',
    });
  }
  const policy = policyByConfig ?? info.get('maxmemory_policy');
  if (policy !== undefined) {
    const finding = evictionFinding(policy, policyByConfig === undefined ? 'INFO' : 'CONFIG GET');
    if (finding) findings.push(finding);
  }
  const persistence = persistenceFinding(info, save);
  if (persistence) findings.push(persistence);
  const memory = memoryFinding(info);
  if (memory) findings.push(memory);
  return { target: redis.target, version, findings };
}

/**
 * The findings that stop a start under `mode`: `error`s for `'warn'`, `error`s and `warning`s
 * for `'strict'`, none for `'off'`.
 *
 * @example
 * ```ts
 * const blocking = blockingFindings(await checkRedis(redis), 'strict');
 * if (blocking.length > 0) throw new Error(blocking.map((f) => f.message).join('\n'));
 * ```
 */
export function blockingFindings(report: RedisCheckReport, mode: RedisChecksMode): RedisFinding[] {
  if (mode === 'off') return [];
  return report.findings.filter((f) => f.level === 'error' || (mode === 'strict' && f.level === 'warning'));
}

/**
 * Runs {@link checkRedis} as a worker or scheduler does at start: with mode `'off'` nothing is
 * checked (`null`); otherwise the report is returned, unless a finding blocks the start under
 * `mode` (see {@link blockingFindings}).
 * @throws RedisCheckError listing the blocking findings.
 * @throws RedisAdapterError when Redis cannot answer `INFO`.
 *
 * @example
 * ```ts
 * const report = await enforceRedisChecks(redis, 'strict'); // throws under allkeys-lru
 * ```
 */
export async function enforceRedisChecks(
  redis: RedisAdapter,
  mode: RedisChecksMode,
): Promise<RedisCheckReport | null> {
  if (mode === 'off') return null;
  const report = await checkRedis(redis);
  const blocking = blockingFindings(report, mode);
  if (blocking.length > 0) throw new RedisCheckError(report.target, mode, blocking);
  return report;
}

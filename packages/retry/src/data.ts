import { RetryPolicyConfigError, TasksError } from './errors.js';
import { ExponentialBackoff } from './exponential-backoff.js';
import { NoRetry, type RetryPolicy, type RetryPolicyData } from './policy.js';

const FIELDS = {
  none: ['kind'],
  exponential: ['kind', 'baseDelaySeconds', 'maxRetries', 'maxDelaySeconds', 'jitter'],
} as const;

/**
 * Builds a retry policy from plain data — a configuration file's override of a task's retries —
 * validating every field. Omitted `exponential` fields take the `ExponentialBackoff` defaults.
 *
 * @param data - `{ kind: 'none' }` or `{ kind: 'exponential', baseDelaySeconds?, maxRetries?, maxDelaySeconds?, jitter? }`.
 * @param path - Where the data sits in your configuration, used in error messages. Default `'retryPolicy'`.
 * @throws RetryPolicyConfigError whose `path` names the bad field (`'retryPolicy.maxRetries'`).
 * @example
 * ```ts
 * const policy = retryPolicyFromData({ kind: 'exponential', baseDelaySeconds: 5, maxRetries: 3 });
 * retryPolicyFromData(JSON.parse(JSON.stringify(policy))); // the same policy again
 * ```
 */
export function retryPolicyFromData(data: unknown, path = 'retryPolicy'): RetryPolicy {
  if (typeof data !== 'object' || data === null || Array.isArray(data)) {
    throw new RetryPolicyConfigError(path, `expected an object with a 'kind', got ${describe(data)}`);
  }
  const record = data as Record<string, unknown>;
  const kind = record.kind;
  if (kind !== 'none' && kind !== 'exponential') {
    throw new RetryPolicyConfigError(
      `${path}.kind`,
      `expected 'none' or 'exponential', got ${describe(kind)}`,
    );
  }
  const allowed: readonly string[] = FIELDS[kind];
  for (const key of Object.keys(record)) {
    if (!allowed.includes(key))
      throw new RetryPolicyConfigError(`${path}.${key}`, `unknown field for kind '${kind}'`);
  }
  if (kind === 'none') return new NoRetry();
  const { kind: _kind, ...options } = record;
  try {
    return new ExponentialBackoff(options);
  } catch (error) {
    if (!(error instanceof RetryPolicyConfigError)) throw error;
    throw new RetryPolicyConfigError(`${path}.${error.path}`, error.reason, error);
  }
}

/**
 * The plain-data form of a policy (its `toJSON()`), checked by `retryPolicyFromData` so that
 * it really rebuilds. Works for the built-in policies and for your own if they implement `toJSON`.
 *
 * @throws RetryPolicyConfigError when the policy cannot be described as data.
 * @example
 * ```ts
 * describeRetryPolicy(new ExponentialBackoff()); // { kind: 'exponential', baseDelaySeconds: 10, maxRetries: 5, jitter: 'none' }
 * ```
 */
export function describeRetryPolicy(policy: RetryPolicy): RetryPolicyData {
  const toJSON = (policy as { toJSON?: unknown }).toJSON;
  if (typeof toJSON !== 'function') {
    throw new RetryPolicyConfigError('retryPolicy', 'this policy has no toJSON() describing it as data');
  }
  const data = (toJSON as (this: RetryPolicy) => unknown).call(policy);
  try {
    retryPolicyFromData(data);
  } catch (error) {
    if (error instanceof TasksError) throw error;
    throw new RetryPolicyConfigError('retryPolicy', String(error), error);
  }
  return data as RetryPolicyData;
}

function describe(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'string') return `string ${JSON.stringify(value)}`;
  if (typeof value === 'number' || typeof value === 'boolean') return `${typeof value} ${String(value)}`;
  return `a ${typeof value}`;
}

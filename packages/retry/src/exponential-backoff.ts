import { RetryPolicyConfigError } from './errors.js';
import {
  checkAttempt,
  dateAfter,
  nowArgument,
  type ExponentialBackoffData,
  type Jitter,
  type RetryPolicy,
} from './policy.js';

/** Options of `ExponentialBackoff`. */
export interface ExponentialBackoffOptions {
  /** Delay of the first retry in seconds (finite, ≥ 0). Default 10. */
  readonly baseDelaySeconds?: number;
  /** How many retries at most (integer ≥ 0). Default 5. */
  readonly maxRetries?: number;
  /** Upper bound of every delay in seconds (finite, ≥ 0), applied before jitter. Default: none. */
  readonly maxDelaySeconds?: number;
  /**
   * Spreads delays so that tasks that failed together do not retry together: `'full'` draws
   * each delay uniformly in [0, d] (AWS "full jitter"), `'equal'` in [d/2, d], where d is the
   * capped delay. Default `'none'`.
   */
  readonly jitter?: Jitter;
  /** Random source returning a number in [0, 1), for the jitter. Inject one in tests. Default `Math.random`. */
  readonly random?: () => number;
}

const OPTIONS = new Set(['baseDelaySeconds', 'maxRetries', 'maxDelaySeconds', 'jitter', 'random']);
const JITTERS: readonly Jitter[] = ['none', 'full', 'equal'];

/**
 * Retries with exponentially growing delays, `baseDelaySeconds · 2^attempt`, where attempt 0
 * is the first retry. With the defaults: 10 s, 20 s, 40 s, 80 s, 160 s, then `null` — exactly
 * `maxRetries` retries, the first one after `baseDelaySeconds`.
 * `maxDelaySeconds` caps each delay; `jitter` then spreads it within documented bounds.
 *
 * @throws RetryPolicyConfigError naming the bad option (`path` is the option's name).
 * @example
 * ```ts
 * const policy = new ExponentialBackoff({ baseDelaySeconds: 5, maxRetries: 4, maxDelaySeconds: 15 });
 * [0, 1, 2, 3, 4].map((attempt) => policy.delaySeconds(attempt)); // [5, 10, 15, 15, null]
 * policy.scheduleRetry(0, error, new Date('2026-03-11T12:00:00Z')); // 2026-03-11T12:00:05Z
 * ```
 */
export class ExponentialBackoff implements RetryPolicy {
  /** Delay of the first retry, in seconds. */
  readonly baseDelaySeconds: number;
  /** How many retries at most; also the cap `decideRetry` applies to requested retries. */
  readonly maxRetries: number;
  /** Upper bound of every delay in seconds, when set. */
  readonly maxDelaySeconds: number | undefined;
  /** The jitter mode. */
  readonly jitter: Jitter;
  readonly #random: () => number;

  constructor(options: ExponentialBackoffOptions = {}) {
    if (typeof options !== 'object' || options === null) {
      throw new RetryPolicyConfigError('options', `expected an object, got ${String(options)}`);
    }
    for (const key of Object.keys(options)) {
      if (!OPTIONS.has(key))
        throw new RetryPolicyConfigError(key, `unknown option (expected one of ${[...OPTIONS].join(', ')})`);
    }
    this.baseDelaySeconds = nonNegative('baseDelaySeconds', options.baseDelaySeconds ?? 10);
    this.maxRetries = retries(options.maxRetries ?? 5);
    this.maxDelaySeconds =
      options.maxDelaySeconds === undefined
        ? undefined
        : nonNegative('maxDelaySeconds', options.maxDelaySeconds);
    this.jitter = options.jitter ?? 'none';
    if (!JITTERS.includes(this.jitter)) {
      throw new RetryPolicyConfigError(
        'jitter',
        `expected 'none', 'full' or 'equal', got ${String(this.jitter)}`,
      );
    }
    const random = options.random ?? Math.random;
    if (typeof random !== 'function')
      throw new RetryPolicyConfigError('random', 'expected a function returning [0, 1)');
    this.#random = random;
  }

  /**
   * The delay in seconds before retry `attempt` (0-based), capped but before jitter; `null`
   * once `maxRetries` retries have been given.
   * @throws InvalidRetryArgumentError when `attempt` is not an integer ≥ 0.
   */
  delaySeconds(attempt: number): number | null {
    checkAttempt(attempt);
    if (attempt >= this.maxRetries) return null;
    const delay = this.baseDelaySeconds * 2 ** attempt;
    return this.maxDelaySeconds === undefined ? delay : Math.min(delay, this.maxDelaySeconds);
  }

  /**
   * `now` plus the (jittered) delay of retry `attempt`, or `null` past `maxRetries`.
   * The error does not change the delay; it is accepted so subclasses can look at it.
   *
   * @param attempt - 0 for the first retry.
   * @param now - The failure time. Default: now.
   * @throws InvalidRetryArgumentError for a bad `attempt` or `now`.
   * @throws RetryPolicyConfigError when the injected `random` returns a value outside [0, 1].
   */
  scheduleRetry(attempt: number, _error?: unknown, now?: Date): Date | null {
    const start = nowArgument(now);
    const delay = this.delaySeconds(attempt);
    if (delay === null) return null;
    return dateAfter(start, this.jittered(delay) * 1000);
  }

  /** `{ kind: 'exponential', baseDelaySeconds, maxRetries, maxDelaySeconds?, jitter }` — see `retryPolicyFromData`. */
  toJSON(): ExponentialBackoffData {
    return {
      kind: 'exponential',
      baseDelaySeconds: this.baseDelaySeconds,
      maxRetries: this.maxRetries,
      ...(this.maxDelaySeconds === undefined ? {} : { maxDelaySeconds: this.maxDelaySeconds }),
      jitter: this.jitter,
    };
  }

  /** E.g. `exponential backoff: 10 s · 2^attempt, 5 retries`. */
  toString(): string {
    const cap = this.maxDelaySeconds === undefined ? '' : `, at most ${this.maxDelaySeconds} s`;
    const jitter = this.jitter === 'none' ? '' : `, ${this.jitter} jitter`;
    return `exponential backoff: ${this.baseDelaySeconds} s · 2^attempt, ${this.maxRetries} retries${cap}${jitter}`;
  }

  private jittered(delay: number): number {
    if (this.jitter === 'none') return delay;
    const r = this.#random();
    if (typeof r !== 'number' || !(r >= 0 && r <= 1)) {
      throw new RetryPolicyConfigError('random', `must return a number in [0, 1), returned ${String(r)}`);
    }
    return this.jitter === 'full' ? delay * r : delay / 2 + (delay / 2) * r;
  }
}

function nonNegative(name: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
    throw new RetryPolicyConfigError(name, `expected a finite number ≥ 0, got ${String(value)}`);
  }
  return value;
}

function retries(value: unknown): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) {
    throw new RetryPolicyConfigError('maxRetries', `expected an integer ≥ 0, got ${String(value)}`);
  }
  return value;
}

/**
 * Brand shared by every @tasks error class (`Symbol.for('@tasks/error')`), so `isTasksError()`
 * works across packages and duplicate installs.
 * @example
 * ```ts
 * const isTasksError = (e: unknown) => typeof e === 'object' && e !== null && TASKS_ERROR_BRAND in e;
 * ```
 */
export const TASKS_ERROR_BRAND: unique symbol = Symbol.for('@tasks/error') as never;

/**
 * Base class of every error defined by `@tasks/retry`. It carries the shared
 * `Symbol.for('@tasks/error')` brand, so `isTasksError()` from `@tasks/redis` recognises it
 * without this package depending on any Redis package.
 *
 * @example
 * ```ts
 * try { new ExponentialBackoff({ maxRetries: -1 }); } catch (err) { if (err instanceof TasksError) console.log(err.code); }
 * ```
 */
export class TasksError extends Error {
  /** Stable machine-readable identifier of the failure kind, e.g. `'NON_RETRYABLE'`. */
  readonly code: string;
  readonly [TASKS_ERROR_BRAND] = true;

  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.name = 'TasksError';
  }
}

/**
 * Throw it from a task to fail now, with no retry whatever the retry policy says (bad input,
 * a permanent refusal). Wrap the original error as `cause`.
 *
 * @example
 * ```ts
 * if (!user) throw new NonRetryableError(`user ${id} does not exist`);
 * ```
 */
export class NonRetryableError extends TasksError {
  constructor(message = 'The task failed and must not be retried', options?: { cause?: unknown }) {
    super('NON_RETRYABLE', message, options);
    this.name = 'NonRetryableError';
  }
}

/**
 * Options of `RetryRequestedError`.
 * @example
 * ```ts
 * throw new RetryRequestedError('upstream busy', { delayMs: 30_000, cause: response });
 * ```
 */
export interface RetryRequestedErrorOptions {
  /** Wait this long (ms, finite, ≥ 0) before the retry; default: the policy's delay, else at once. */
  readonly delayMs?: number;
  /** The underlying error. */
  readonly cause?: unknown;
}

/**
 * Throw it from a task to ask for another attempt, optionally after `delayMs` (an upstream
 * said "busy, come back in 30 s"). It is honoured even when the policy would not retry (so
 * also under `NoRetry`), but it still uses an attempt and respects the policy's `maxRetries`
 * when the policy has one — see `decideRetry`.
 *
 * @throws InvalidRetryArgumentError when `delayMs` is not a finite number ≥ 0.
 * @example
 * ```ts
 * if (response.status === 429) throw new RetryRequestedError('rate limited', { delayMs: 30_000 });
 * throw new RetryRequestedError({ delayMs: 5_000 });
 * ```
 */
export class RetryRequestedError extends TasksError {
  /** Requested delay before the retry in ms, when one was given. */
  readonly delayMs: number | undefined;

  constructor(message?: string, options?: RetryRequestedErrorOptions);
  constructor(options?: RetryRequestedErrorOptions);
  constructor(
    messageOrOptions?: string | RetryRequestedErrorOptions,
    maybeOptions?: RetryRequestedErrorOptions,
  ) {
    const options = typeof messageOrOptions === 'object' ? messageOrOptions : (maybeOptions ?? {});
    const delayMs = options.delayMs;
    if (delayMs !== undefined && (typeof delayMs !== 'number' || !Number.isFinite(delayMs) || delayMs < 0)) {
      throw new InvalidRetryArgumentError(
        'delayMs',
        `expected a finite number of milliseconds ≥ 0, got ${String(delayMs)}`,
      );
    }
    const message =
      typeof messageOrOptions === 'string'
        ? messageOrOptions
        : `Retry requested${delayMs === undefined ? '' : ` in ${delayMs} ms`}`;
    super('RETRY_REQUESTED', message, 'cause' in options ? { cause: options.cause } : undefined);
    this.name = 'RetryRequestedError';
    this.delayMs = delayMs;
  }
}

/**
 * A retry policy's options or plain data are invalid. `path` names the field: the option name
 * (`'maxRetries'`) for constructor options, a dotted path (`'retryPolicy.maxRetries'`, or the
 * path you passed to `retryPolicyFromData`) for data.
 *
 * @example
 * ```ts
 * new ExponentialBackoff({ maxRetries: 2.5 }); // RetryPolicyConfigError: Invalid retry policy at maxRetries: ...
 * ```
 */
export class RetryPolicyConfigError extends TasksError {
  /** The offending option or dotted data path. */
  readonly path: string;
  /** What is wrong with it. */
  readonly reason: string;

  constructor(path: string, reason: string, cause?: unknown) {
    super(
      'INVALID_RETRY_POLICY',
      `Invalid retry policy at ${path}: ${reason}`,
      cause === undefined ? undefined : { cause },
    );
    this.name = 'RetryPolicyConfigError';
    this.path = path;
    this.reason = reason;
  }
}

/**
 * An argument is invalid: the `attempt` or `now` of `scheduleRetry`/`decideRetry` (not an
 * integer ≥ 0 / not a valid `Date`), or the `delayMs` of a `RetryRequestedError`.
 *
 * @example
 * ```ts
 * new ExponentialBackoff().scheduleRetry(-1, err); // InvalidRetryArgumentError
 * ```
 */
export class InvalidRetryArgumentError extends TasksError {
  /** Name of the argument at fault. */
  readonly argument: string;

  constructor(argument: string, reason: string) {
    super('INVALID_RETRY_ARGUMENT', `Invalid ${argument}: ${reason}`);
    this.name = 'InvalidRetryArgumentError';
    this.argument = argument;
  }
}

/**
 * A custom `RetryPolicy` returned something other than a valid `Date` or `null`.
 *
 * @example
 * ```ts
 * decideRetry({ scheduleRetry: () => new Date('x') }, 0, err); // InvalidRetryPolicyResultError
 * ```
 */
export class InvalidRetryPolicyResultError extends TasksError {
  constructor(result: unknown) {
    super(
      'INVALID_RETRY_POLICY_RESULT',
      `The retry policy returned ${String(result)}: scheduleRetry must return a valid Date or null`,
    );
    this.name = 'InvalidRetryPolicyResultError';
  }
}

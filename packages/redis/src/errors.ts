/** Brand shared by every @tasks error class, so `isTasksError()` works across duplicate installs. */
export const TASKS_ERROR_BRAND: unique symbol = Symbol.for('@tasks/error') as never;

/**
 * Base class of every error thrown by @tasks packages that build on `@tasks/redis`.
 * Each subclass has a stable string `code` so handlers never parse messages.
 */
export class TasksError extends Error {
  /** Stable machine-readable identifier of the failure kind, e.g. `'REDIS_ERROR'`. */
  readonly code: string;
  readonly [TASKS_ERROR_BRAND] = true;

  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.name = 'TasksError';
  }
}

/**
 * True for any error thrown by a @tasks package (any version, any copy in `node_modules`).
 *
 * @example
 * ```ts
 * try { await adapter.command(['GET', 'k']); } catch (err) { if (isTasksError(err)) console.log(err.code); }
 * ```
 */
export function isTasksError(error: unknown): error is TasksError {
  return (
    typeof error === 'object' &&
    error !== null &&
    (error as Record<symbol, unknown>)[TASKS_ERROR_BRAND] === true
  );
}

/**
 * Every failure of the underlying Redis client (connection lost, a Redis error reply, a
 * script error) surfaces as this error, with the client's own error as `cause`.
 */
export class RedisAdapterError extends TasksError {
  /** Name of the Redis command that failed (`'EVALSHA'`, `'XREADGROUP'`, ...). */
  readonly command: string;
  /** Which client library raised it (`'ioredis'` or `'node-redis'`). */
  readonly client: string;

  constructor(command: string, client: string, cause: unknown) {
    const reason = cause instanceof Error ? cause.message : String(cause);
    super('REDIS_ERROR', `Redis command ${command} failed (${client}): ${reason}`, { cause });
    this.name = 'RedisAdapterError';
    this.command = command;
    this.client = client;
  }
}

/** Thrown for invalid arguments to the key helpers or adapter factories. */
export class RedisConfigError extends TasksError {
  constructor(message: string) {
    super('REDIS_CONFIG', message);
    this.name = 'RedisConfigError';
  }
}

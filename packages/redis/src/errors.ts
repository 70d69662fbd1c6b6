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

/** Options of {@link RedisAdapterError} for its subclasses: a more precise code and message. */
export interface RedisAdapterErrorDetails {
  /** Stable code replacing `'REDIS_ERROR'`. */
  readonly code?: string;
  /** Full message replacing the generic `Redis command X failed (client): reason`. */
  readonly message?: string;
  /** Where Redis was expected: a masked URL, `host:port` or a cluster's nodes. */
  readonly target?: string;
}

/**
 * Every failure of the underlying Redis client (connection lost, a Redis error reply, a
 * script error) surfaces as this error, with the client's own error as `cause`. Connection
 * problems use its subclasses ({@link RedisUnreachableError}, {@link RedisAuthError},
 * {@link RedisProtocolError}, {@link RedisTimeoutError}), so `instanceof RedisAdapterError`
 * catches them all and `code` tells them apart.
 */
export class RedisAdapterError extends TasksError {
  /** Name of the Redis command that failed (`'EVALSHA'`, `'XREADGROUP'`, ...). */
  readonly command: string;
  /** Which client library raised it (`'ioredis'` or `'node-redis'`). */
  readonly client: string;
  /** Where Redis was expected (masked URL, `host:port`, cluster nodes), when known. */
  readonly target: string | undefined;

  constructor(command: string, client: string, cause: unknown, details: RedisAdapterErrorDetails = {}) {
    const reason = cause instanceof Error ? cause.message : String(cause);
    super(
      details.code ?? 'REDIS_ERROR',
      details.message ?? `Redis command ${command} failed (${client}): ${reason}`,
      {
        cause,
      },
    );
    this.name = 'RedisAdapterError';
    this.command = command;
    this.client = client;
    this.target = details.target;
  }
}

/**
 * Redis cannot be reached: nothing listens at the address (`ECONNREFUSED`), the host is
 * unknown, or no connection came back within `commandTimeoutMs`. Code `'REDIS_UNREACHABLE'`.
 * The adapter keeps reconnecting: a later command succeeds once Redis is back.
 */
export class RedisUnreachableError extends RedisAdapterError {
  constructor(command: string, client: string, target: string, reason: string, cause: unknown) {
    super(command, client, cause, {
      code: 'REDIS_UNREACHABLE',
      target,
      message:
        `Redis at ${target} is unreachable: ${reason}. ` +
        'Check that Redis is running there and that the URL (host and port) is right.',
    });
    this.name = 'RedisUnreachableError';
  }
}

/**
 * Redis refused the credentials (`WRONGPASS`), wants some and got none (`NOAUTH`), or got a
 * password it does not expect. Code `'REDIS_AUTH'`. Never carries the password.
 */
export class RedisAuthError extends RedisAdapterError {
  constructor(command: string, client: string, target: string, reason: string, cause: unknown) {
    super(command, client, cause, {
      code: 'REDIS_AUTH',
      target,
      message:
        `Redis at ${target} rejected the authentication: ${reason}. ` +
        "Check the username and password (in the URL, redis://user:password@host:port, or the client's options).",
    });
    this.name = 'RedisAuthError';
  }
}

/**
 * The TLS handshake failed because the client does not trust the server's certificate: signed
 * by a CA the client was not given, self-signed, expired, or issued for another host name.
 * Code `'REDIS_TLS'`. It fails every command at once (retrying cannot fix it).
 */
export class RedisTlsError extends RedisAdapterError {
  constructor(command: string, client: string, target: string, reason: string, cause: unknown) {
    super(command, client, cause, {
      code: 'REDIS_TLS',
      target,
      message:
        `The TLS connection to Redis at ${target} was refused by this client: the server's certificate is not trusted: ${reason}. ` +
        "Give the client the CA that signed the server's certificate (ioredis: tls: { ca }; node-redis: socket: { tls: true, ca }) " +
        'and connect with the host name the certificate names.',
    });
    this.name = 'RedisTlsError';
  }
}

/**
 * The server at the address does not speak the Redis protocol (for example an HTTP server on
 * that port). Code `'REDIS_PROTOCOL'`.
 */
export class RedisProtocolError extends RedisAdapterError {
  constructor(command: string, client: string, target: string, reason: string, cause: unknown) {
    super(command, client, cause, {
      code: 'REDIS_PROTOCOL',
      target,
      message:
        `The server at ${target} does not speak the Redis protocol (${reason}). ` +
        'Something else listens on that port: check the host and port of the Redis URL.',
    });
    this.name = 'RedisProtocolError';
  }
}

/**
 * Connected, but Redis sent no reply within `commandTimeoutMs` (a busy server, a slow script,
 * a network stall). Code `'REDIS_TIMEOUT'`. The command may still run: its outcome is unknown.
 */
export class RedisTimeoutError extends RedisAdapterError {
  /** The bound that was exceeded, in milliseconds. */
  readonly timeoutMs: number;
  constructor(command: string, client: string, target: string, timeoutMs: number) {
    super(command, client, new Error(`no reply within ${timeoutMs} ms`), {
      code: 'REDIS_TIMEOUT',
      target,
      message:
        `Redis at ${target} did not reply to ${command} within ${timeoutMs} ms (commandTimeoutMs), ` +
        'although connected: the server may be overloaded or blocked by a slow script. The command may still have run.',
    });
    this.name = 'RedisTimeoutError';
    this.timeoutMs = timeoutMs;
  }
}

/**
 * Redis refused a write because its memory is full: used memory is above `maxmemory` and the
 * eviction policy (`noeviction`) frees nothing (Redis' `OOM command not allowed` reply). Code
 * `'REDIS_OUT_OF_MEMORY'`. Nothing of the refused command (or script) was applied. Reads,
 * deletions and the @tasks transitions that free memory (acknowledging and finishing tasks)
 * still run, so workers drain what is queued and memory comes back; new submits are refused
 * until then.
 *
 * @example
 * ```ts
 * try { await app.submit(Report, {}); } catch (err) {
 *   if (err instanceof RedisOutOfMemoryError) console.log('Redis is full, try again later');
 * }
 * ```
 */
export class RedisOutOfMemoryError extends RedisAdapterError {
  constructor(command: string, client: string, target: string, cause: unknown) {
    super(command, client, cause, {
      code: 'REDIS_OUT_OF_MEMORY',
      target,
      message:
        `Redis at ${target} is full: it refused ${command} because its used memory is above 'maxmemory' ` +
        '(OOM, eviction policy noeviction). Let workers drain queued tasks, raise maxmemory, or free memory; ' +
        'nothing of this command was applied.',
    });
    this.name = 'RedisOutOfMemoryError';
  }
}

/** True when a client error is Redis' out-of-memory reply (`OOM command not allowed ...`). */
export function isOutOfMemoryReply(error: unknown): boolean {
  return error instanceof Error && /\bOOM command not allowed\b/.test(error.message);
}

/** Thrown for invalid arguments to the key helpers or adapter factories. */
export class RedisConfigError extends TasksError {
  constructor(message: string) {
    super('REDIS_CONFIG', message);
    this.name = 'RedisConfigError';
  }
}

/** A finding of a Redis check that blocks a start (see `enforceRedisChecks`). */
export interface BlockingFinding {
  readonly check: string;
  readonly level: string;
  readonly message: string;
}

/**
 * A worker or scheduler refused to start because a check of its Redis failed under the
 * `redisChecks` mode: an `error` (Redis too old), or under `'strict'` also a `warning` (an
 * evicting `maxmemory-policy`, no persistence). Code `'REDIS_CHECK_FAILED'`; `findings` lists
 * them. Fix the Redis configuration, or start with `redisChecks: 'warn'` to only report them.
 */
export class RedisCheckError extends TasksError {
  /** Where Redis was checked. */
  readonly target: string;
  /** The mode the checks ran under. */
  readonly mode: string;
  readonly findings: readonly BlockingFinding[];
  constructor(target: string, mode: string, findings: readonly BlockingFinding[]) {
    super(
      'REDIS_CHECK_FAILED',
      `Refusing to start: the Redis at ${target} fails the ${mode} checks:\n` +
        findings.map((f) => `- [${f.level}] ${f.check}: ${f.message}`).join('\n'),
    );
    this.name = 'RedisCheckError';
    this.target = target;
    this.mode = mode;
    this.findings = findings;
  }
}

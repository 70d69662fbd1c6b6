import { TasksError } from '@tasks/redis';
import { ExitCode } from './exit-codes.js';

/**
 * An error the `tasks` command reports as one line, exiting with {@link CliError.exitCode}.
 * Subclasses say which kind of mistake it was; `code` is stable for programmatic callers.
 *
 * @example
 * ```ts
 * throw new CliError('NOT_READY', ExitCode.FAILED, 'The index is still building: try again later');
 * ```
 */
export class CliError extends TasksError {
  /** The process exit code this error leads to. */
  readonly exitCode: ExitCode;
  constructor(code: string, exitCode: ExitCode, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
    this.name = 'CliError';
    this.exitCode = exitCode;
  }
}

/** A mistake on the command line (unknown command or option, bad value, bad JSON). Exit code 2. */
export class UsageError extends CliError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('CLI_USAGE', ExitCode.USAGE, message, options);
    this.name = 'UsageError';
  }
}

/** A config file that is missing, does not load, or has a bad field. Exit code 3. */
export class ConfigFileError extends CliError {
  /** The config file involved, when there is one. */
  readonly file: string | null;
  /** The offending field's path (`tasks[1]`, `overrides.tasks.Send.rateLimit.limit`), when known. */
  readonly field: string | null;
  constructor(file: string | null, field: string | null, problem: string, options?: { cause?: unknown }) {
    const where = [file, field].filter((part) => part !== null).join(': ');
    super('CLI_CONFIG', ExitCode.CONFIG, where ? `Config error in ${where}: ${problem}` : problem, options);
    this.name = 'ConfigFileError';
    this.file = file;
    this.field = field;
  }
}

/**
 * Connecting to Redis failed: nothing listens, wrong credentials, not a Redis server, or no
 * answer within `--connect-timeout-ms`. Exit code 4. `code` is the adapter's
 * (`REDIS_UNREACHABLE`, `REDIS_AUTH`, `REDIS_PROTOCOL`, `REDIS_TIMEOUT`); the message names
 * the URL (password masked) and where it came from.
 */
export class RedisConnectionError extends CliError {
  /** The Redis URL, with any password masked. */
  readonly url: string;
  constructor(code: string, url: string, message: string, options?: { cause?: unknown }) {
    super(code, ExitCode.REDIS, message, options);
    this.name = 'RedisConnectionError';
    this.url = url;
  }
}

/** What was asked for does not exist (a DLQ entry id). Exit code 1. */
export class NotFoundError extends CliError {
  constructor(message: string) {
    super('NOT_FOUND', ExitCode.FAILED, message);
    this.name = 'NotFoundError';
  }
}

/** A task run by `call` threw. Exit code 1; `cause` is what the task threw. */
export class TaskRunError extends CliError {
  readonly taskName: string;
  constructor(taskName: string, cause: unknown) {
    super('TASK_RUN_FAILED', ExitCode.FAILED, `Task ${taskName} failed: ${describeThrown(cause)}`, { cause });
    this.name = 'TaskRunError';
    this.taskName = taskName;
  }
}

/** `Name: message` of anything thrown, on one line. */
export function describeThrown(error: unknown): string {
  if (error instanceof Error) {
    const name = error.name && error.name !== 'Error' ? `${error.name}: ` : '';
    return oneLine(`${name}${error.message}`);
  }
  return oneLine(String(error));
}

/** Collapses whitespace (newlines included) so a message stays on one line. */
export function oneLine(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}

/** A string field of an error (`path`, `key`...), or `''` when it has none. */
export function stringField(error: unknown, field: string): string {
  const value =
    typeof error === 'object' && error !== null ? (error as Record<string, unknown>)[field] : undefined;
  return typeof value === 'string' ? value : '';
}

import { inspect } from 'node:util';
import { isTasksError } from '@tasks/redis';
import { CliError, describeThrown } from './errors.js';
import { ExitCode } from './exit-codes.js';

/** Exit codes of the @tasks error codes a command can meet (matched by `code`, not class). */
const EXIT_BY_CODE: Readonly<Record<string, ExitCode>> = {
  UNKNOWN_TASK: ExitCode.USAGE,
  INVALID_TASK_ARGUMENTS: ExitCode.USAGE,
  PAYLOAD_TOO_LARGE: ExitCode.USAGE,
  TASK_CONFIG: ExitCode.CONFIG,
  REDIS_CONFIG: ExitCode.CONFIG,
  REDIS_ERROR: ExitCode.REDIS,
  REDIS_UNREACHABLE: ExitCode.REDIS,
  REDIS_AUTH: ExitCode.REDIS,
  REDIS_PROTOCOL: ExitCode.REDIS,
  REDIS_TIMEOUT: ExitCode.REDIS,
  LOCK_UNAVAILABLE: ExitCode.LOCK_UNAVAILABLE,
  RESULT_TIMEOUT: ExitCode.TIMEOUT,
  TASK_FAILED: ExitCode.FAILED,
  RESULT_MISSING: ExitCode.FAILED,
  UNKNOWN_TASK_ID: ExitCode.FAILED,
};

/** How an error ends the command: its exit code and the one line printed. */
export interface ErrorReport {
  readonly exitCode: ExitCode;
  readonly message: string;
  /** True when the error was not an expected outcome (a bug, or something unforeseen). */
  readonly unexpected: boolean;
}

/** Maps anything thrown by a command to an exit code and a one-line message. */
export function reportError(error: unknown): ErrorReport {
  if (error instanceof CliError)
    return { exitCode: error.exitCode, message: error.message, unexpected: false };
  if (isTasksError(error)) {
    const exitCode = EXIT_BY_CODE[error.code];
    if (exitCode !== undefined)
      return { exitCode, message: describeThrown(error.message), unexpected: false };
  }
  return {
    exitCode: ExitCode.FAILED,
    message: `Unexpected error: ${describeThrown(error)}`,
    unexpected: true,
  };
}

/** The stack of an error and of its causes, for `--debug`. */
export function debugStack(error: unknown): string {
  const parts: string[] = [];
  let current: unknown = error;
  for (let depth = 0; current !== undefined && depth < 5; depth++) {
    parts.push(current instanceof Error ? (current.stack ?? current.message) : inspect(current));
    current = current instanceof Error ? current.cause : undefined;
    if (current !== undefined) parts.push('Caused by:');
  }
  return parts.join('\n');
}

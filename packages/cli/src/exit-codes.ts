/**
 * Exit codes of the `tasks` command. Scripts can rely on them: they are part of the public
 * interface and only ever grow.
 *
 * | code | meaning |
 * |---|---|
 * | 0 | success |
 * | 1 | the task failed (`call`, `submit --wait`), or what was asked for does not exist |
 * | 2 | usage error: unknown command or option, bad option value, invalid `--args` JSON, unknown task, arguments the task rejects |
 * | 3 | configuration error: no config file, a file that does not load, a bad field or override |
 * | 4 | Redis unreachable (bounded connect failed) or a Redis error |
 * | 5 | a lock the task needs stayed held by someone else for `--wait-ms` (`call`) |
 * | 6 | no result within `--timeout-ms` (`submit --wait`, `cancel --wait`; the task may still finish) |
 * | 130 | interrupted (Ctrl-C) while a task was running interactively |
 *
 * @example
 * ```ts
 * import { ExitCode } from '@tasks/cli';
 * if (child.exitCode === ExitCode.LOCK_UNAVAILABLE) retryLater();
 * ```
 */
export const ExitCode = {
  OK: 0,
  FAILED: 1,
  USAGE: 2,
  CONFIG: 3,
  REDIS: 4,
  LOCK_UNAVAILABLE: 5,
  TIMEOUT: 6,
  INTERRUPTED: 130,
} as const;

/** One of the {@link ExitCode} values. */
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

import type { BaseTask } from '@tasks/core';
import { taskArgsOption, type OptionValues } from '../args.js';
import { UsageError, describeThrown } from '../errors.js';
import type { Session } from '../session.js';

/**
 * Builds the task `name` from `--args` (a JSON object inline, `@file` or `-` for stdin;
 * default `{}`), as `submit` and `call` do.
 * @throws UsageError (missing name, bad JSON, not an object, a constructor that refuses the
 * args) or UnknownTaskError.
 */
export async function buildTask(
  session: Session,
  name: string | undefined,
  values: OptionValues,
): Promise<BaseTask<unknown, unknown>> {
  if (name === undefined)
    throw new UsageError(`Missing the task name. Known tasks: ${session.app.taskNames.join(', ')}`);
  const cls = session.app.taskClass(name);
  const args = await taskArgsOption(values, { cwd: session.io.cwd, stdin: session.io.stdin });
  try {
    return new cls(args);
  } catch (error) {
    throw new UsageError(`Task ${name} refused --args: ${describeThrown(error)}`, { cause: error });
  }
}

/** Rejects positional arguments from index `from` on. @throws UsageError naming the first. */
export function noMoreArgs(args: readonly string[], from: number, command: string): void {
  const extra = args[from];
  if (extra !== undefined) throw new UsageError(`Unexpected argument '${extra}' for 'tasks ${command}'`);
}

/** Signals that stop a long-running command. */
const STOP_SIGNALS = ['SIGINT', 'SIGTERM'] as const;

/**
 * Calls `onStop` on the first SIGINT/SIGTERM; a second one exits at once with 130.
 * @returns a function that removes the handlers.
 */
export function onStopSignal(onStop: (signal: string) => void): () => void {
  let stopping = false;
  const handler = (signal: NodeJS.Signals): void => {
    if (stopping) {
      process.stderr.write(`\nReceived ${signal} again: exiting now.\n`);
      process.exit(130);
    }
    stopping = true;
    onStop(signal);
  };
  for (const signal of STOP_SIGNALS) process.on(signal, handler);
  return () => {
    for (const signal of STOP_SIGNALS) process.off(signal, handler);
  };
}

/** Resolves with the name of the first SIGINT/SIGTERM (handlers stay for a forced second one). */
export function nextStopSignal(): { signal: Promise<string>; dispose: () => void } {
  let dispose: () => void = () => undefined;
  const signal = new Promise<string>((resolve) => {
    dispose = onStopSignal(resolve);
  });
  return { signal, dispose };
}

/** `JSON.stringify` that never throws (for results that are not plain data). */
export function safeJson(value: unknown, indent?: number): string {
  try {
    return JSON.stringify(value === undefined ? null : value, null, indent) ?? 'null';
  } catch {
    return JSON.stringify(String(value));
  }
}

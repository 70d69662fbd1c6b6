import type { BaseLock } from '@tasks/locks';
import type { RedisAdapter } from '@tasks/redis';
import { withGroupSpawner, type Groups } from './groups.js';
import type { Submitter } from './submitter.js';
import type { TaskContext, TaskHandle, TaskLogger } from './task.js';

/** @internal What a task's context is made of besides the run itself. */
export interface ContextServices {
  readonly redis: RedisAdapter;
  readonly logger: TaskLogger;
  readonly submitter: Submitter;
  readonly groups: Groups;
}

/** @internal The facts of one run a context describes. */
export interface ContextRun {
  readonly taskId: string;
  readonly attempt: number;
  readonly parentId: string | null;
  readonly callbackGroupId: string | null;
  readonly signal: AbortSignal;
  readonly interactive: boolean;
  readonly deps: unknown;
  /** Where `ctx.progress` goes. */
  readonly progress: (value: unknown) => Promise<void>;
  /** The locks the run holds, as acquired. */
  readonly locks: readonly BaseLock[];
}

/** @internal The context of one run (worker or interactive): spawning children and groups included. */
export function taskContext(services: ContextServices, run: ContextRun): TaskContext {
  const { submitter, groups } = services;
  const ctx: TaskContext = {
    taskId: run.taskId,
    attempt: run.attempt,
    signal: run.signal,
    logger: services.logger,
    redis: services.redis,
    deps: run.deps,
    parentId: run.parentId,
    interactive: run.interactive,
    spawn: (child, options) =>
      submitter.submit(child, options ?? {}, run.taskId) as Promise<TaskHandle<never>>,
    callbackGroupId: run.callbackGroupId,
    groupResults: () => (run.callbackGroupId ? groups.results(run.callbackGroupId) : Promise.resolve({})),
    progress: run.progress,
    locks: run.locks,
  };
  return withGroupSpawner(ctx, (children, callback, options) =>
    groups.spawn(run.taskId, children, callback, options),
  );
}

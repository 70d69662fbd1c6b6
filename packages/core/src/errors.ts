import { TasksError } from '@tasks/redis';

/** A task argument that is not plain JSON data, or that its schema rejected. */
export class InvalidTaskArgumentsError extends TasksError {
  readonly taskName: string;
  /** Path of the offending field, e.g. `args.to[2]`. */
  readonly path: string;
  constructor(taskName: string, path: string, problem: string) {
    super('INVALID_TASK_ARGUMENTS', `Task ${taskName}: ${path} ${problem}`);
    this.name = 'InvalidTaskArgumentsError';
    this.taskName = taskName;
    this.path = path;
  }
}

/** A task class the app does not know (not in `tasks`), or two classes with one name. */
export class UnknownTaskError extends TasksError {
  readonly taskName: string;
  constructor(taskName: string, known: readonly string[]) {
    super('UNKNOWN_TASK', `Unknown task '${taskName}'. Registered tasks: [${known.join(', ')}]`);
    this.name = 'UnknownTaskError';
    this.taskName = taskName;
  }
}

/** Invalid app, worker or task configuration. */
export class TaskConfigError extends TasksError {
  readonly path: string;
  constructor(path: string, problem: string) {
    super('TASK_CONFIG', `Invalid configuration at ${path}: ${problem}`);
    this.name = 'TaskConfigError';
    this.path = path;
  }
}

/** What a failed task's result reports: every attempt's error. */
export interface TaskErrorRecord {
  readonly attempt: number;
  readonly name: string;
  readonly message: string;
  readonly stack: string | null;
  readonly at: number;
}

/** `handle.result()` of a task that failed, was dead-lettered or dropped. */
export class TaskFailedError extends TasksError {
  readonly taskId: string;
  readonly taskName: string;
  readonly status: string;
  readonly errors: readonly TaskErrorRecord[];
  constructor(taskId: string, taskName: string, status: string, errors: readonly TaskErrorRecord[]) {
    const last = errors.at(-1);
    super(
      'TASK_FAILED',
      `Task ${taskName} (${taskId}) ${status}${last ? `: [${last.name}] ${last.message}` : ''}`,
    );
    this.name = 'TaskFailedError';
    this.taskId = taskId;
    this.taskName = taskName;
    this.status = status;
    this.errors = errors;
  }
}

/** `handle.result({ timeoutMs })` ran out of time (the task may still finish later). */
export class ResultTimeoutError extends TasksError {
  readonly taskId: string;
  constructor(taskId: string, timeoutMs: number) {
    super(
      'RESULT_TIMEOUT',
      `No result for task ${taskId} within ${timeoutMs} ms (it may still be queued or running)`,
    );
    this.name = 'ResultTimeoutError';
    this.taskId = taskId;
  }
}

/** The reason a running task's signal is aborted when its worker shuts down. */
export class WorkerShutdownError extends TasksError {
  constructor() {
    super('WORKER_SHUTDOWN', 'The worker is shutting down: the task will be redelivered');
    this.name = 'WorkerShutdownError';
  }
}

/** A payload larger than the app's `maxPayloadBytes`. */
export class PayloadTooLargeError extends TasksError {
  readonly taskName: string;
  readonly bytes: number;
  readonly limit: number;
  constructor(taskName: string, bytes: number, limit: number) {
    super(
      'PAYLOAD_TOO_LARGE',
      `Task ${taskName}: the serialised arguments take ${bytes} bytes, over the limit of ${limit}`,
    );
    this.name = 'PayloadTooLargeError';
    this.taskName = taskName;
    this.bytes = bytes;
    this.limit = limit;
  }
}

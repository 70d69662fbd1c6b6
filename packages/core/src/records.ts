import type { TaskErrorRecord } from './errors.js';

/** How a task ended. */
export type TaskStatus = 'succeeded' | 'failed' | 'dead-lettered';

/** What is stored (with a TTL, default 24 h) when a task ends: `app.getResult(id)`. */
export interface TaskResultRecord {
  readonly id: string;
  readonly name: string;
  readonly status: TaskStatus;
  /** The return value (status `succeeded`). */
  readonly value?: unknown;
  /** Every failed attempt's error, oldest first. */
  readonly errors: readonly TaskErrorRecord[];
  /** How many times it ran (failed attempts + the last run). */
  readonly attempts: number;
  /** First submission time (ms since epoch). */
  readonly submittedAt: number;
  readonly startedAt: number;
  readonly finishedAt: number;
  /** Duration of the last run, in ms. */
  readonly durationMs: number;
  readonly parentId: string | null;
  readonly worker: string | null;
  readonly labels: Readonly<Record<string, string>>;
}

/** Turns anything thrown into an error record. */
export function errorRecord(error: unknown, attempt: number): TaskErrorRecord {
  if (error instanceof Error) {
    return { attempt, name: error.name, message: error.message, stack: error.stack ?? null, at: Date.now() };
  }
  return { attempt, name: 'NonError', message: safeString(error), stack: null, at: Date.now() };
}

function safeString(value: unknown): string {
  try {
    return typeof value === 'string' ? value : (JSON.stringify(value) ?? String(value));
  } catch {
    return Object.prototype.toString.call(value);
  }
}

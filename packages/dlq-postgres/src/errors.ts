import { TasksError } from '@tasks/redis';

/**
 * A PostgreSQL dead-letter store operation failed (server unreachable, schema missing, ...).
 * The client's error is the `cause`. Entries being forwarded stay in Redis meanwhile.
 *
 * @example
 * ```ts
 * try {
 *   await app.dlq.list();
 * } catch (error) {
 *   if (error instanceof DeadLetterStoreError) console.error(error.operation, error.sqlState, error.cause);
 * }
 * ```
 */
export class DeadLetterStoreError extends TasksError {
  /** What the store was doing: `add`, `list`, `migrate`, ... */
  readonly operation: string;
  /** The PostgreSQL error code (SQLSTATE) when the server answered, else `null`. */
  readonly sqlState: string | null;
  constructor(operation: string, cause: unknown, schema: string) {
    const sqlState = sqlStateOf(cause);
    const hint =
      sqlState === '42P01' || sqlState === '3F000'
        ? ` — the schema "${schema}" has no dead-letter table yet: call store.migrate() once at deploy time`
        : '';
    super(
      'DLQ_STORE',
      `Dead-letter store (PostgreSQL, schema "${schema}") failed to ${operation}: ${messageOf(cause)}${hint}`,
      { cause },
    );
    this.name = 'DeadLetterStoreError';
    this.operation = operation;
    this.sqlState = sqlState;
  }
}

function sqlStateOf(error: unknown): string | null {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code) ? code : null;
}

function messageOf(error: unknown): string {
  if (error instanceof AggregateError && error.errors.length > 0) return messageOf(error.errors[0]);
  return error instanceof Error ? error.message || error.name : String(error);
}

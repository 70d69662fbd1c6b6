import { MissingDependencyError } from './errors.js';

const PER_RUN = Symbol.for('@tasks/core.perRun');

/** How a run ended, as a per-run dependency's `teardown` sees it. */
export type RunOutcome = { readonly ok: true } | { readonly ok: false; readonly error: unknown };

/** What a per-run dependency's `setup` learns about the run it serves. */
export interface RunInfo {
  readonly taskId: string;
  readonly taskName: string;
  readonly attempt: number;
  readonly signal: AbortSignal;
}

/** A dependency made for each run of a task and torn down after it (see {@link perRun}). */
export interface PerRunDependency<T> {
  readonly [PER_RUN]: true;
  readonly setup: (run: RunInfo) => T | Promise<T>;
  readonly teardown?: (value: T, outcome: RunOutcome) => void | Promise<void>;
}

/** The dependencies as tasks see them: per-run entries replaced by the value of their run. */
export type ResolvedDependencies<D> =
  D extends Record<string, unknown>
    ? { readonly [K in keyof D]: D[K] extends PerRunDependency<infer T> ? T : D[K] }
    : D;

/**
 * Declares a dependency with a per-run lifecycle: `setup` runs after the task's locks are held
 * and before `execute`; `teardown` runs after `execute` with how it ended, before the locks are
 * released (locks → setup → execute → teardown → release). A `setup` that throws fails the run
 * (the retry policy decides what follows); a `teardown` that throws after a success fails it too
 * (a commit that failed is a failure); after a failure its error is logged and the run's error
 * stands. Several per-run dependencies are set up in the order they are declared and torn down
 * in reverse.
 *
 * @example
 * ```ts
 * const app = createTaskApp({
 *   redis, tasks: [Transfer],
 *   dependencies: {
 *     tx: perRun({
 *       setup: () => pool.begin(),
 *       teardown: (tx, outcome) => (outcome.ok ? tx.commit() : tx.rollback()),
 *     }),
 *   },
 * });
 * // in Transfer.execute(ctx): await ctx.deps.tx.query(...)
 * ```
 */
export function perRun<T>(spec: {
  readonly setup: (run: RunInfo) => T | Promise<T>;
  readonly teardown?: (value: T, outcome: RunOutcome) => void | Promise<void>;
}): PerRunDependency<T> {
  const { setup, teardown } = spec;
  return { [PER_RUN]: true, setup, ...(teardown ? { teardown } : {}) };
}

function isPerRun(value: unknown): value is PerRunDependency<unknown> {
  return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[PER_RUN] === true;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null) return false;
  const proto = Object.getPrototypeOf(value) as unknown;
  return proto === Object.prototype || proto === null;
}

/** The dependencies of one run, open until `close`. */
export interface OpenDependencies {
  readonly value: unknown;
  /** Tears the per-run ones down. @throws the teardown's error after a success. */
  close(outcome: RunOutcome): Promise<void>;
}

/**
 * @internal An app's `dependencies`: opens them for a run (per-run ones set up), and guards a
 * plain object so that reading a dependency nobody provided throws an error naming it.
 */
export class Dependencies {
  readonly #given: unknown;
  readonly #perRun: Array<[string, PerRunDependency<unknown>]>;

  constructor(given: unknown) {
    this.#given = given ?? {};
    this.#perRun = isPlainObject(this.#given)
      ? Object.entries(this.#given).filter((e): e is [string, PerRunDependency<unknown>] => isPerRun(e[1]))
      : [];
  }

  /** Sets up the per-run dependencies (in order); on a failing setup tears down the ones done. */
  async open(run: RunInfo, warn: (message: string, error: unknown) => void): Promise<OpenDependencies> {
    if (!isPlainObject(this.#given)) return { value: this.#given, close: async () => undefined };
    const values: Record<string, unknown> = { ...this.#given };
    const opened: Array<[PerRunDependency<unknown>, unknown]> = [];
    const close = async (outcome: RunOutcome): Promise<void> => {
      let failure: { error: unknown } | null = null;
      for (const [dep, value] of opened.reverse()) {
        try {
          await dep.teardown?.(value, outcome);
        } catch (error) {
          if (outcome.ok && !failure) failure = { error };
          else warn('a per-run dependency failed to tear down', error);
        }
      }
      if (failure) throw failure.error;
    };
    for (const [name, dep] of this.#perRun) {
      try {
        const value = await dep.setup(run);
        opened.push([dep, value]);
        values[name] = value;
      } catch (error) {
        await close({ ok: false, error }).catch(() => undefined);
        throw error;
      }
    }
    return { value: guard(values), close };
  }
}

/** A view of `deps` whose unknown keys throw {@link MissingDependencyError}. */
function guard(deps: Record<string, unknown>): Record<string, unknown> {
  return new Proxy(deps, {
    get(target, key, receiver) {
      if (typeof key === 'symbol' || key in target || key === 'then' || key === 'toJSON')
        return Reflect.get(target, key, receiver) as unknown;
      throw new MissingDependencyError(key, Object.keys(target));
    },
  });
}

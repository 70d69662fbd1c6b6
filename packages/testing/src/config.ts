// Shared vitest configuration for @tasks packages (import from '@tasks/testing/config').
import { fileURLToPath } from 'node:url';

/** Options of {@link tasksTestConfig}. */
export interface TasksTestConfigOptions {
  /** Start a throwaway redis-server for the package's tests. Default true. */
  readonly redis?: boolean;
  /** Also start a 3-master Redis Cluster. Default false. */
  readonly cluster?: boolean;
  /** Per-test timeout in ms. Default 20 000. */
  readonly testTimeout?: number;
  /**
   * Test files run at once. Default: vitest's own (one on a 2-core machine). Only for packages
   * whose files never change server-wide state on the shared servers (files that pause,
   * fill or reconfigure Redis start a server of their own).
   */
  readonly maxWorkers?: number;
}

const here = (file: string): string => fileURLToPath(new URL(file, import.meta.url));

/** The `test` block every package's `vitest.config.ts` uses. */
export function tasksTestConfig(options: TasksTestConfigOptions = {}): {
  include: string[];
  globalSetup: string[];
  testTimeout: number;
  hookTimeout: number;
  reporters: Array<string | [string, Record<string, unknown>]>;
  maxWorkers?: number;
} {
  const globalSetup: string[] = [];
  if (options.redis ?? true) globalSetup.push(here('./global-setup.js'));
  if (options.cluster) globalSetup.push(here('./cluster-setup.js'));
  return {
    include: ['test/**/*.test.ts'],
    globalSetup,
    testTimeout: options.testTimeout ?? 20_000,
    hookTimeout: 60_000,
    reporters: ['default', ['json', { outputFile: '.test-results/vitest.json' }]],
    ...(options.maxWorkers ? { maxWorkers: options.maxWorkers } : {}),
  };
}

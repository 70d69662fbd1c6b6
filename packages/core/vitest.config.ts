import { tasksTestConfig } from '@tasks/testing/config';
import { defineConfig } from 'vitest/config';

// Two files at a time: most of a file's time is spent waiting on Redis and timers.
export default defineConfig({ test: tasksTestConfig({ cluster: true, testTimeout: 60_000, maxWorkers: 2 }) });

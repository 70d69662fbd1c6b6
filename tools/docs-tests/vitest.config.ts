import { tasksTestConfig } from '@tasks/testing/config';
import { defineConfig } from 'vitest/config';

// The examples and snippets start processes that talk to Redis: generous per-test bounds.
export default defineConfig({ test: tasksTestConfig({ testTimeout: 120_000 }) });

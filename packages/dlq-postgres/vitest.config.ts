import { tasksTestConfig } from '@tasks/testing/config';
import { defineConfig } from 'vitest/config';

export default defineConfig({ test: tasksTestConfig({ testTimeout: 60_000 }) });

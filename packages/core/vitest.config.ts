import { tasksTestConfig } from '@tasks/testing/config';
import { defineConfig } from 'vitest/config';

export default defineConfig({ test: tasksTestConfig({ cluster: true, testTimeout: 60_000 }) });

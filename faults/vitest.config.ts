import { defineConfig } from 'vitest/config';

// One file at a time: the scenarios kill processes and time fail-overs, and share two cores.
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['./test/global-setup.ts'],
    fileParallelism: false,
    testTimeout: 120_000,
    hookTimeout: 90_000,
    reporters: ['default', ['json', { outputFile: '.test-results/vitest.json' }]],
  },
});

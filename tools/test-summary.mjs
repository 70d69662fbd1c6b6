#!/usr/bin/env node
// Sums every vitest JSON report written by this run (packages/*, examples/*, tools/*, bench and
// faults: <package>/.test-results/vitest.json) and prints the plain closing line CI reads:
//   N passed, N failed
// With --failed-run (turbo failed before the summary) a run with no failing test still counts one failure.
import { readdirSync, readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
let passed = 0;
let failed = 0;
let skipped = 0;
const rows = [];
for (const dir of ['packages', 'examples', 'tools', 'bench', 'faults']) {
  const base = join(root, dir);
  if (!existsSync(base)) continue;
  const names = dir === 'bench' || dir === 'faults' ? ['.'] : readdirSync(base);
  for (const name of names) {
    const file = join(base, name, '.test-results', 'vitest.json');
    if (!existsSync(file)) continue;
    const report = JSON.parse(readFileSync(file, 'utf8'));
    passed += report.numPassedTests ?? 0;
    failed += report.numFailedTests ?? 0;
    skipped += (report.numPendingTests ?? 0) + (report.numTodoTests ?? 0);
    rows.push(`${dir}/${name}: ${report.numPassedTests} passed, ${report.numFailedTests} failed`);
  }
}
for (const row of rows) console.log(`  ${row}`);
if (process.argv.includes('--failed-run') && failed === 0) failed = 1;
console.log(`${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`);
process.exitCode = failed > 0 ? 1 : 0;

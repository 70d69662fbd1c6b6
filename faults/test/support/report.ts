// Rows of FAULTS.md. Each scenario appends its measurements to a JSON file of its own under
// .test-results/faults/; the global setup's teardown turns them into FAULTS.md.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** One row of the scenario table. */
export interface ScenarioRow {
  readonly scenario: string;
  readonly submitted: number | string;
  readonly completed: number | string;
  readonly duplicates: number | string;
  readonly lost: number | string;
  readonly notes: string;
  /** Whether the scenario's own pass criteria held. */
  readonly ok: boolean;
}

/** One row of the hostile-input / ACL table. */
export interface CheckRow {
  readonly check: string;
  readonly outcome: string;
  readonly ok: boolean;
}

export interface ResultFile {
  scenarios: ScenarioRow[];
  checks: CheckRow[];
}

export const RESULTS_DIR = fileURLToPath(new URL('../../.test-results/faults/', import.meta.url));

function update(file: string, change: (current: ResultFile) => void): void {
  mkdirSync(RESULTS_DIR, { recursive: true });
  // One file per scenario group and client: the suite runs once per client (FAULTS_CLIENT).
  const path = `${RESULTS_DIR}${file}.${process.env.FAULTS_CLIENT ?? 'ioredis'}.json`;
  const current: ResultFile = existsSync(path)
    ? (JSON.parse(readFileSync(path, 'utf8')) as ResultFile)
    : { scenarios: [], checks: [] };
  change(current);
  writeFileSync(path, JSON.stringify(current, null, 2));
}

/** Appends a scenario row to `<file>.json` (files are ordered by name in FAULTS.md). */
export function recordScenario(file: string, row: ScenarioRow): void {
  update(file, (current) => current.scenarios.push(row));
}

/** Appends a check row to `<file>.json`. */
export function recordCheck(file: string, row: CheckRow): void {
  update(file, (current) => current.checks.push(row));
}

#!/usr/bin/env node
// Runs one example by folder name: `npx -y pnpm@12.4.2 example <name>` (after the root build).
import { existsSync, readdirSync } from 'node:fs';
import { spawnSync } from 'node:child_process';

const here = new URL('.', import.meta.url).pathname;
const names = readdirSync(here, { withFileTypes: true })
  .filter((d) => d.isDirectory())
  .map((d) => d.name);
const name = process.argv[2];
if (!name || !names.includes(name) || !existsSync(`${here}${name}/main.mjs`)) {
  console.error(`usage: pnpm example <name>   (one of: ${names.join(', ')})`);
  process.exit(2);
}
const result = spawnSync(process.execPath, ['main.mjs', ...process.argv.slice(3)], {
  cwd: `${here}${name}`,
  stdio: 'inherit',
});
process.exit(result.status ?? 1);

#!/usr/bin/env node
// Builds the workspace packages (turbo, quietly: its logs are shown only when it fails) with a
// visible step line, then runs a Node script with the remaining arguments:
//   node tools/build-then-run.mjs [--filter=PKG...] <script.mjs> [args...]
// The root scripts `quickstart`, `example` and `tasks` go through it, so a first run does not
// sit silent for the minute or two of the first build.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const argv = process.argv.slice(2);
const filters = argv.filter((a) => a.startsWith('--filter='));
const [script, ...args] = argv.filter((a) => !a.startsWith('--filter='));
if (!script) {
  console.error('usage: node tools/build-then-run.mjs [--filter=PKG...] <script.mjs> [args...]');
  process.exit(2);
}
const turbo = join(root, 'node_modules', '.bin', 'turbo');
if (!existsSync(turbo)) {
  console.error(
    'The dependencies are not installed: run `npx -y pnpm@12.4.2 install --frozen-lockfile` first.',
  );
  process.exit(1);
}

const started = Date.now();
let announced = false;
// A cached build takes a second: say nothing then. Anything longer gets a step line at once.
const announce = setTimeout(() => {
  announced = true;
  process.stderr.write('▸ Building the @tasks packages (the first build takes a minute or two)…\n');
}, 1000);
const build = spawn(turbo, ['run', 'build', ...filters, '--output-logs=errors-only', '--log-prefix=none'], {
  cwd: root,
  env: { ...process.env, TURBO_TELEMETRY_DISABLED: '1', DO_NOT_TRACK: '1' },
  stdio: ['ignore', 'pipe', 'pipe'],
});
let log = '';
build.stdout.on('data', (chunk) => (log += chunk));
build.stderr.on('data', (chunk) => (log += chunk));
const code = await new Promise((resolve) => build.once('close', (c) => resolve(c ?? 1)));
clearTimeout(announce);
if (code !== 0) {
  process.stderr.write(`${log}\n✗ The build failed (above). Nothing was run.\n`);
  process.exit(code);
}
if (announced) process.stderr.write(`▸ Built in ${((Date.now() - started) / 1000).toFixed(1)} s.\n`);
const run = spawnSync(process.execPath, [join(root, script), ...args], { stdio: 'inherit' });
process.exit(run.status ?? 1);

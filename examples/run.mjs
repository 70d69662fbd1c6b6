#!/usr/bin/env node
// Runs one example by folder name: `npx -y pnpm@12.4.2 example <name>` (the root script builds
// first). The examples read TASKS_REDIS_URL like any app; when it is not set, this runner starts
// a throwaway redis-server on a free loopback port for the run and stops it afterwards, so an
// example never touches a Redis you did not point it at.
import { existsSync, readdirSync } from 'node:fs';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { startThrowawayRedis } from '../tools/throwaway-redis.mjs';

const here = fileURLToPath(new URL('.', import.meta.url));
const names = readdirSync(here, { withFileTypes: true })
  .filter((d) => d.isDirectory() && existsSync(`${here}${d.name}/main.mjs`))
  .map((d) => d.name);
const name = process.argv[2];
if (!name || !names.includes(name)) {
  console.error(`usage: npx -y pnpm@12.4.2 example <name>   (one of: ${names.join(', ')})`);
  process.exit(2);
}

let redis = null;
if (!process.env.TASKS_REDIS_URL) {
  try {
    redis = await startThrowawayRedis();
  } catch (error) {
    console.error(`✗ ${error.message}`);
    process.exit(1);
  }
  console.error(
    `▸ TASKS_REDIS_URL is not set: started a throwaway redis-server at ${redis.url} for this run.`,
  );
}
const child = spawn(process.execPath, ['main.mjs', ...process.argv.slice(3)], {
  cwd: `${here}${name}`,
  stdio: 'inherit',
  env: redis ? { ...process.env, TASKS_REDIS_URL: redis.url } : process.env,
});
// Ctrl-C reaches the example too (same process group): let it shut down, then clean up.
process.on('SIGINT', () => undefined);
process.on('SIGTERM', () => child.kill('SIGTERM'));
const code = await new Promise((resolve) => child.once('exit', (c, s) => resolve(c ?? (s ? 130 : 1))));
await redis?.stop();
process.exit(code);

// Operates tasks with the `tasks` command, as on call: follow the events, pause background
// work, look a running task up by id, list by state, cancel it, resume. Against the
// tasks.config.ts beside this file, with a worker in the background.
// `npx -y pnpm@12.4.2 example cli-control` (from a clone), or `node main.mjs` with TASKS_REDIS_URL.
import { spawn, spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { createIoredisAdapter } from '@tasks/redis-ioredis';

const bin = fileURLToPath(new URL('./bin.js', import.meta.resolve('@tasks/cli'))); // the `tasks` executable
const url = process.env.TASKS_REDIS_URL ?? 'redis://127.0.0.1:6379';
const prefix = `example-cli-control:${process.pid}`; // read by tasks.config.ts
const env = { ...process.env, TASKS_REDIS_URL: url, EXAMPLE_PREFIX: prefix };
const indent = (text) => text.trimEnd().replace(/^/gm, '    ');
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const quote = (args) => args.map((a) => (/[\s{"]/.test(a) ? `'${a}'` : a)).join(' ');

/** Runs `tasks ...args`, printing the command line, its exit code and what it printed. */
function tasks(...args) {
  const result = spawnSync(process.execPath, [bin, ...args], { env, encoding: 'utf8' });
  console.log(`\n$ tasks ${quote(args)}   # exit ${result.status}`);
  if (result.stdout || result.stderr) console.log(indent(result.stdout + result.stderr));
  return result;
}
const quiet = (...args) => spawnSync(process.execPath, [bin, ...args], { env, encoding: 'utf8' }).stdout;
/** Starts `tasks ...args` in the background, prefixing its lines with `label`. */
function background(label, ...args) {
  console.log(`\n$ tasks ${quote(args)} &`);
  const child = spawn(process.execPath, [bin, ...args], { env });
  let seen = '';
  const relay = (chunk) => {
    process.stdout.write(indent(`${label} │ ${chunk}`.replace(/\n(?=.)/g, `\n${label} │ `)) + '\n');
    seen += chunk;
  };
  child.stdout.on('data', relay);
  child.stderr.on('data', relay);
  const exited = new Promise((resolve) => child.once('exit', resolve));
  const printed = async (pattern) => {
    for (let i = 0; i < 300 && !pattern.test(seen); i++) await sleep(100);
  };
  return { child, exited, printed };
}
/** Polls `check` (up to 30 s). */
async function until(check) {
  for (let i = 0; i < 300 && !check(); i++) await sleep(100);
}

const redis = createIoredisAdapter(url); // only to delete the example's keys at the end
let events;
let worker;
try {
  if (tasks('status').status !== 0) process.exit(1); // Redis not right: the CLI said why
  events = background('events', 'events', '--follow');
  await events.printed(/Following the events/);
  worker = background('worker', 'worker', '--concurrency', '4');
  await worker.printed(/Worker .* started/);

  tasks('pause', '--priority', 'background'); // hold background work back
  tasks('submit', 'Thumbnail', '--args', '{"image":"cat.png"}');
  tasks('submit', 'Thumbnail', '--args', '{"image":"dog.png"}');
  const { id } = JSON.parse(tasks('submit', 'Export', '--args', '{"rows":100000}', '--json').stdout);
  await until(() => /"progress":\{/.test(quiet('show', id, '--json')));
  tasks('show', id); // running: its worker, attempt, progress
  tasks('list', '--state', 'queued'); // the thumbnails wait: their streams are paused

  tasks('cancel', id, '--wait'); // its signal aborts: it ends as cancelled
  tasks('cancel', id); // again: nothing to do
  tasks('show', id);
  tasks('resume', '--all');
  await until(() => JSON.parse(quiet('list', '--state', 'succeeded', '--json')).items.length === 2);
  tasks('list', '--state', 'succeeded');
  tasks('events', '--limit', '4'); // what is stored, from the oldest
  tasks('cancel', 'no-such-id'); // exit 1
} finally {
  events?.child.kill('SIGTERM');
  worker?.child.kill('SIGTERM');
  await Promise.all([events?.exited, worker?.exited]);
  for (const pattern of [`{${prefix}}*`, `${prefix}:*`])
    for await (const key of redis.scan(pattern)) await redis.command(['DEL', key], { key });
  await redis.close();
}

// Drives the `tasks` command like an operator would, against the tasks.config.ts beside this
// file: submit, status, a worker, submit --wait, the DLQ, call under a lock, locks, schedules.
// `npx -y pnpm@12.4.2 example cli` (from a clone), or `node main.mjs` with TASKS_REDIS_URL.
import { spawn, spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { createIoredisAdapter } from '@tasks/redis-ioredis';

const bin = fileURLToPath(new URL('./bin.js', import.meta.resolve('@tasks/cli'))); // the `tasks` executable
const url = process.env.TASKS_REDIS_URL ?? 'redis://127.0.0.1:6379';
const prefix = `example-cli:${process.pid}`; // read by tasks.config.ts: every key lives under it
const env = { ...process.env, TASKS_REDIS_URL: url, EXAMPLE_PREFIX: prefix };
const indent = (text) => text.trimEnd().replace(/^/gm, '    ');
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

const quote = (args) => args.map((a) => (/[\s{"]/.test(a) ? `'${a}'` : a)).join(' ');

/** Runs `tasks ...args`, printing the command line and what it printed. */
function tasks(...args) {
  const shown = quote(args);
  const result = spawnSync(process.execPath, [bin, ...args], { env, encoding: 'utf8' });
  console.log(`\n$ tasks ${shown}   # exit ${result.status}`);
  if (!args.includes('--json') && (result.stdout || result.stderr))
    console.log(indent(result.stdout + result.stderr));
  return result;
}
/** Starts `tasks ...args` in the background, prefixing its lines. */
function background(label, ...args) {
  console.log(`\n$ tasks ${quote(args)} &`);
  const child = spawn(process.execPath, [bin, ...args], { env });
  let seen = '';
  const waiters = [];
  const relay = (chunk) => {
    process.stdout.write(indent(`${label} │ ${chunk}`.replace(/\n(?=.)/g, `\n${label} │ `)) + '\n');
    seen += chunk;
    for (const waiter of waiters) if (waiter.pattern.test(seen)) waiter.resolve();
  };
  child.stdout.on('data', relay);
  child.stderr.on('data', relay);
  const exited = new Promise((resolve) => child.once('exit', resolve));
  /** Resolves once its output matches `pattern` (or it exited). */
  const printed = (pattern) =>
    pattern.test(seen)
      ? Promise.resolve()
      : Promise.race([new Promise((resolve) => waiters.push({ pattern, resolve })), exited]);
  return { child, exited, printed };
}

const redis = createIoredisAdapter(url); // only to delete the example's keys at the end
let worker;
try {
  if (tasks('status').status !== 0) process.exit(1); // Redis not right: the CLI said why
  tasks('submit', 'Resize', '--args', '{"image":"cat.png","width":640}');
  tasks('submit', 'SendEmail', '--args', '{"to":"ada@example.org"}');
  tasks('submit', 'SendEmail', '--args', '{"to":"nobody@mail.invalid"}');
  tasks('status');

  worker = background('worker', 'worker', '--concurrency', '4');
  await worker.printed(/Worker .* started/);
  tasks('submit', 'Resize', '--args', '{"image":"dog.png","width":320}', '--wait');
  for (let i = 0; i < 50 && JSON.parse(tasks('status', '--json').stdout).deadLettered === 0; i++)
    await sleep(100);

  tasks('dlq', 'list');
  const [entry] = JSON.parse(tasks('dlq', 'list', '--json').stdout);
  tasks('dlq', 'show', entry.id);

  const call = background('call', 'call', 'Reindex', '--args', '{"index":"books"}');
  // It holds the index's mutex while it runs (3 s): wait until `tasks locks` sees it.
  const held = () =>
    JSON.parse(
      spawnSync(process.execPath, [bin, 'locks', 'index-books', '--json'], { env, encoding: 'utf8' })
        .stdout || '[]',
    ).length > 0;
  for (let i = 0; i < 50 && !held(); i++) await sleep(100);
  tasks('locks', 'index-books');
  tasks('call', 'Reindex', '--args', '{"index":"books"}', '--wait-ms', '200'); // exit 5: held
  await call.exited;

  tasks('schedules', '--count', '3');
  tasks('call', 'Nope');
  tasks('dlq', 'purge', '--all');
} finally {
  worker?.child.kill('SIGTERM');
  await worker?.exited;
  for (const pattern of [`{${prefix}}*`, `${prefix}:*`])
    for await (const key of redis.scan(pattern)) await redis.command(['DEL', key], { key });
  await redis.close();
}

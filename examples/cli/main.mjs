// Drives the `tasks` command like an operator would, against the tasks.config.ts beside this
// file: submit, status, a worker, submit --wait, the DLQ, call under a lock, locks, schedules.
// `npx -y pnpm@12.4.2 example cli`
import { spawn, spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { createIoredisAdapter } from '@tasks/redis-ioredis';
import { deleteKeysWithPrefix, exampleRedis } from '@tasks/testing';

const bin = fileURLToPath(new URL('./bin.js', import.meta.resolve('@tasks/cli'))); // the `tasks` executable
const server = await exampleRedis();
const prefix = `example-cli:${process.pid}`; // read by tasks.config.ts: every key lives under it
const env = { ...process.env, TASKS_REDIS_URL: server.url, EXAMPLE_PREFIX: prefix };
const indent = (text) => text.trimEnd().replace(/^/gm, '    ');
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Runs `tasks ...args`, printing the command line and what it printed. */
function tasks(...args) {
  const shown = args.map((a) => (/[\s{"]/.test(a) ? `'${a}'` : a)).join(' ');
  const result = spawnSync(process.execPath, [bin, ...args], { env, encoding: 'utf8' });
  console.log(`\n$ tasks ${shown}   # exit ${result.status}`);
  if (!args.includes('--json') && (result.stdout || result.stderr))
    console.log(indent(result.stdout + result.stderr));
  return result;
}
/** Starts `tasks ...args` in the background, prefixing its lines. */
function background(label, ...args) {
  console.log(`\n$ tasks ${args.join(' ')} &`);
  const child = spawn(process.execPath, [bin, ...args], { env });
  const relay = (chunk) =>
    process.stdout.write(indent(`${label} │ ${chunk}`.replace(/\n(?=.)/g, `\n${label} │ `)) + '\n');
  child.stdout.on('data', relay);
  child.stderr.on('data', relay);
  return { child, exited: new Promise((resolve) => child.once('exit', resolve)) };
}

const redis = createIoredisAdapter(server.url);
let worker;
try {
  tasks('submit', 'Resize', '--args', '{"image":"cat.png","width":640}');
  tasks('submit', 'SendEmail', '--args', '{"to":"ada@example.org"}');
  tasks('submit', 'SendEmail', '--args', '{"to":"nobody@mail.invalid"}');
  tasks('status');

  worker = background('worker', 'worker', '--concurrency', '4');
  tasks('submit', 'Resize', '--args', '{"image":"dog.png","width":320}', '--wait');
  for (let i = 0; i < 50 && JSON.parse(tasks('status', '--json').stdout).deadLettered === 0; i++)
    await sleep(100);

  tasks('dlq', 'list');
  const [entry] = JSON.parse(tasks('dlq', 'list', '--json').stdout);
  tasks('dlq', 'show', entry.id);

  const call = background('call', 'call', 'Reindex', '--args', '{"index":"books"}');
  await sleep(800); // it holds the index's mutex while it runs
  tasks('locks', 'index-books');
  tasks('call', 'Reindex', '--args', '{"index":"books"}', '--wait-ms', '200'); // exit 5: held
  await call.exited;

  tasks('schedules', '--count', '3');
  tasks('call', 'Nope');
  tasks('dlq', 'purge', '--all');
} finally {
  worker?.child.kill('SIGTERM');
  await worker?.exited;
  await deleteKeysWithPrefix(redis, `{${prefix}}`);
  await deleteKeysWithPrefix(redis, `${prefix}:`);
  await redis.close();
  await server.stop();
}

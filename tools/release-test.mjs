#!/usr/bin/env node
// The release test: what a user gets from the registry, checked before every release.
//
// 1. packs every public package (after the build that `npx -y pnpm@12.4.2 test:release` runs)
//    and checks each tarball: LICENSE, README, dist, no workspace: range left, no relative link;
// 2. starts a throwaway registry (verdaccio) on loopback and publishes the tarballs to it;
// 3. in an empty project, installs `@tasks/locks @tasks/redis-ioredis ioredis` BY NAME, runs a
//    mutex against a throwaway redis-server (ESM) and type-checks the same program with a
//    strict `tsc --noEmit`;
// 4. in another, installs `@tasks/core @tasks/redis-node redis` and `@tasks/cli`, runs a task
//    (ESM, strict tsc), runs the `tasks` command, and checks that ioredis was not installed.
//
// Verdaccio is not a workspace dependency (its ~300 packages would weigh on every install of the
// repository for a check run before releases): it is installed on demand with npm into
// $TASKS_VERDACCIO_DIR (default: <tmp>/tasks-verdaccio-6.8.0), reused by later runs. node-fetch is
// pinned to 2.7.0 there: verdaccio 6.8.0's own range pulls a version that fails on Node 20.
// Everything else comes from the npm registry as configured on the machine; only the @tasks
// scope points at the throwaway registry. Nothing is left running; the work folder is removed
// unless TASKS_RELEASE_KEEP=1.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, startThrowawayRedis } from './throwaway-redis.mjs';
import { packAll, publicPackages } from './pack.mjs';

const VERDACCIO = '6.8.0';
const started = Date.now();
const phases = [];
let passed = 0;
const cleanups = [];

function step(title) {
  const at = Date.now();
  console.log(`▸ ${title}`);
  return () => phases.push([title, Date.now() - at]);
}
function check(ok, message) {
  if (!ok) throw new Error(message);
  passed++;
}
function sh(command, args, cwd, options = {}) {
  const result = spawnSync(command, args, { cwd, encoding: 'utf8', env: { ...process.env, ...options.env } });
  if (result.status !== 0 && !options.allowFailure)
    throw new Error(
      `${command} ${args.join(' ')} (in ${cwd}) exited ${result.status}:\n${result.stdout}${result.stderr}`,
    );
  return result;
}
const npm = (args, cwd, options) =>
  sh('npm', [...args, '--no-audit', '--no-fund', '--loglevel=error'], cwd, options);

function checkTarballs(tarballs) {
  const names = new Set(publicPackages().map((p) => p.name));
  check(tarballs.length === names.size, `expected ${names.size} tarballs, got ${tarballs.length}`);
  for (const file of tarballs) {
    const list = sh('tar', ['-tzf', file], tmpdir()).stdout.split('\n');
    for (const entry of [
      'package/LICENSE',
      'package/README.md',
      'package/package.json',
      'package/dist/index.js',
    ])
      check(list.includes(entry), `${file} lacks ${entry}`);
    const manifest = sh('tar', ['-xzOf', file, 'package/package.json'], tmpdir()).stdout;
    check(!manifest.includes('workspace:'), `${file}: package.json still has a workspace: range`);
    const readme = sh('tar', ['-xzOf', file, 'package/README.md'], tmpdir()).stdout;
    const relative = [...readme.matchAll(/\]\(([^)\s]+)\)/g)]
      .map((m) => m[1])
      .filter((t) => !/^(https?:|mailto:|#)/.test(t));
    check(relative.length === 0, `${file}: README links that break on the registry: ${relative.join(', ')}`);
  }
}

function installVerdaccio() {
  const dir = process.env.TASKS_VERDACCIO_DIR ?? join(tmpdir(), `tasks-verdaccio-${VERDACCIO}`);
  const bin = join(dir, 'node_modules', 'verdaccio', 'bin', 'verdaccio');
  if (existsSync(bin)) return bin;
  mkdirSync(dir, { recursive: true });
  writeFileSync(
    join(dir, 'package.json'),
    JSON.stringify({
      name: 'tasks-release-registry',
      private: true,
      dependencies: { verdaccio: VERDACCIO },
      overrides: { 'node-fetch': '2.7.0' },
    }),
  );
  npm(['install'], dir);
  return bin;
}

async function startRegistry(bin, work) {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}/`;
  const config = join(work, 'verdaccio.yaml');
  writeFileSync(
    config,
    [
      `storage: ${join(work, 'storage')}`,
      'auth:',
      '  htpasswd:',
      `    file: ${join(work, 'htpasswd')}`,
      'uplinks: {}',
      'packages:',
      "  '@tasks/*':",
      '    access: $all',
      '    publish: $authenticated',
      "  '**':",
      '    access: $all',
      'web:',
      '  enable: false',
      'log: { type: stdout, format: pretty, level: warn }',
      '',
    ].join('\n'),
  );
  const child = spawn(process.execPath, [bin, '--config', config, '--listen', `127.0.0.1:${port}`], {
    cwd: work,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let log = '';
  child.stdout.on('data', (chunk) => (log += chunk));
  child.stderr.on('data', (chunk) => (log += chunk));
  cleanups.push(() => child.kill('SIGTERM'));
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`verdaccio exited ${child.exitCode}:\n${log}`);
    const ok = await fetch(`${url}-/ping`).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) return url;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`verdaccio did not answer on ${url} within 60 s:\n${log}`);
}

async function publish(registry, tarballs, work) {
  const response = await fetch(`${registry}-/user/org.couchdb.user:release`, {
    method: 'PUT',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ name: 'release', password: `pw-${process.pid}-${Date.now()}` }),
  });
  const { token } = await response.json();
  check(response.ok && typeof token === 'string', `could not create the registry user (${response.status})`);
  const host = registry.replace(/^http:/, '');
  writeFileSync(join(work, '.npmrc'), `@tasks:registry=${registry}\n${host}:_authToken=${token}\n`);
  for (const file of tarballs)
    npm(['publish', file, '--access', 'public', `--@tasks:registry=${registry}`], work);
  for (const { name, version } of publicPackages()) {
    const view = npm(
      ['view', `${name}@${version}`, 'version', `--@tasks:registry=${registry}`],
      work,
    ).stdout.trim();
    check(view === version, `${name}@${version} is not on the registry (got '${view}')`);
  }
}

/** An empty ESM project whose @tasks scope points at the throwaway registry. */
function project(work, name, registry) {
  const dir = join(work, name);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name, private: true, type: 'module' }, null, 2));
  writeFileSync(join(dir, '.npmrc'), `@tasks:registry=${registry}\n`);
  writeFileSync(
    join(dir, 'tsconfig.json'),
    JSON.stringify({
      compilerOptions: {
        target: 'ES2022',
        module: 'NodeNext',
        moduleResolution: 'NodeNext',
        strict: true,
        noUncheckedIndexedAccess: true,
        exactOptionalPropertyTypes: true,
        noEmit: true,
        types: ['node'],
      },
      include: ['*.ts'],
    }),
  );
  return dir;
}

const MUTEX = `import { createIoredisAdapter } from '@tasks/redis-ioredis';
import { LockedObjectType, MutexLock } from '@tasks/locks';

const redis = createIoredisAdapter(process.env.TASKS_REDIS_URL ?? 'redis://127.0.0.1:6379');
const lock = new MutexLock(LockedObjectType.JOB, 'release-test', { ttlMs: 10_000 });
const rival = new MutexLock(LockedObjectType.JOB, 'release-test');
if (!(await lock.acquire(redis))) throw new Error('the first acquire failed');
if (await rival.acquire(redis)) throw new Error('two owners at once');
await lock.release(redis);
if (!(await rival.acquire(redis))) throw new Error('the lock was not released');
const token: number | null = rival.fencingToken;
await rival.release(redis);
await redis.close();
console.log(\`mutex ok: \${lock.redisKey}, fencing token \${token}\`);
`;

const TASK = `import { BaseTask, createTaskApp } from '@tasks/core';
import { createNodeRedisAdapter } from '@tasks/redis-node';

class Add extends BaseTask<{ a: number; b: number }, number> {
  async execute(): Promise<number> {
    return this.args.a + this.args.b;
  }
}

const redis = createNodeRedisAdapter(process.env.TASKS_REDIS_URL ?? 'redis://127.0.0.1:6379');
const app = createTaskApp({ redis, prefix: 'release-test', tasks: [Add] });
void app.createWorker({ concurrency: 2 }).run();
const handle = await app.submit(new Add({ a: 20, b: 22 }));
const sum: number = await handle.result({ timeoutMs: 10_000 });
await app.close();
if (sum !== 42) throw new Error(\`expected 42, got \${sum}\`);
console.log(\`task ok: Add(20, 22) = \${sum}\`);
`;

/** The TypeScript source as plain JavaScript (the two programs only use type annotations). */
const stripTypes = (source) =>
  source
    .replace(/extends BaseTask<[^>]*>/, 'extends BaseTask')
    .replace(/\): Promise<number>/g, ')')
    .replace(/const (\w+): [\w |]+ =/g, 'const $1 =');

function runProgram(dir, name, source, redisUrl, expected) {
  writeFileSync(join(dir, `${name}.ts`), source);
  writeFileSync(join(dir, `${name}.mjs`), stripTypes(source));
  const run = sh(process.execPath, [`${name}.mjs`], dir, { env: { TASKS_REDIS_URL: redisUrl } });
  check(expected.test(run.stdout), `${name}.mjs printed ${JSON.stringify(run.stdout)}`);
  console.log(`  ${run.stdout.trim()}`);
  sh(process.execPath, [join(dir, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', '.'], dir);
  passed++;
  console.log(`  ${name}.ts type-checks (strict, NodeNext)`);
}

async function main() {
  const work = mkdtempSync(join(tmpdir(), 'tasks-release-'));
  if (process.env.TASKS_RELEASE_KEEP !== '1')
    cleanups.push(() => rmSync(work, { recursive: true, force: true }));
  let done = step('pack the public packages');
  const tarballs = packAll(join(work, 'packs'));
  checkTarballs(tarballs);
  done();

  done = step(`start a throwaway registry (verdaccio ${VERDACCIO}) and publish`);
  const registry = await startRegistry(installVerdaccio(), work);
  await publish(registry, tarballs, work);
  done();

  const redis = await startThrowawayRedis();
  cleanups.push(() => redis.stop());
  const types = ['typescript@5.9.3', '@types/node@20.19.43'];

  done = step('install @tasks/locks @tasks/redis-ioredis ioredis by name; run a mutex');
  const locks = project(work, 'uses-locks', registry);
  npm(['install', '@tasks/locks', '@tasks/redis-ioredis', 'ioredis'], locks);
  npm(['install', '-D', ...types], locks);
  runProgram(locks, 'mutex', MUTEX, redis.url, /^mutex ok: lock:mutex:job:release-test, fencing token \d+/);
  done();

  done = step('install @tasks/core @tasks/redis-node redis and @tasks/cli by name; run a task');
  const core = project(work, 'uses-core', registry);
  npm(['install', '@tasks/core', '@tasks/redis-node', 'redis', '@tasks/cli'], core);
  npm(['install', '-D', ...types], core);
  runProgram(core, 'task', TASK, redis.url, /^task ok: Add\(20, 22\) = 42/);
  check(
    !existsSync(join(core, 'node_modules', 'ioredis')),
    '@tasks/cli installed ioredis in a node-redis project',
  );
  const cli = sh(
    process.execPath,
    [
      join(core, 'node_modules', '.bin', 'tasks'),
      'status',
      '--redis-url',
      redis.url,
      '--prefix',
      'release-test',
    ],
    core,
  );
  check(/Scheduler\s+no leader/.test(cli.stdout), `tasks status printed ${cli.stdout}`);
  console.log('  tasks status runs on node-redis; ioredis was not installed');
  done();
}

try {
  await main();
  for (const [title, ms] of phases) console.log(`  ${(ms / 1000).toFixed(1).padStart(6)} s  ${title}`);
  console.log(`Release test passed in ${((Date.now() - started) / 1000).toFixed(1)} s.`);
  console.log(`${passed} passed, 0 failed`);
} catch (error) {
  console.error(`✗ ${error instanceof Error ? error.message : String(error)}`);
  console.log(`${passed} passed, 1 failed`);
  process.exitCode = 1;
} finally {
  for (const cleanup of cleanups.reverse()) await cleanup();
}

// A throwaway redis-server on a free loopback port, for the example runner and the release
// test: no persistence, its own temporary directory, stopped (and the directory removed) by
// stop(). A shell watchdog stops it within about a second if this Node process dies first.
// Plain Node, no dependency: it runs before anything is installed or built.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A port that was free on 127.0.0.1 a moment ago. */
export function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

function ping(port) {
  return new Promise((resolve) => {
    const socket = new Socket();
    const done = (ok) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(500, () => done(false));
    socket.once('error', () => done(false));
    socket.once('data', (data) => done(data.toString().startsWith('+PONG')));
    socket.connect(port, '127.0.0.1', () => socket.write('PING\r\n'));
  });
}

/**
 * Starts redis-server (or $REDIS_SERVER_BIN) and resolves once it answers PING.
 * @returns {Promise<{ url: string, port: number, stop(): Promise<void> }>}
 * @throws Error saying how to install Redis when redis-server is missing.
 */
export async function startThrowawayRedis() {
  const bin = process.env.REDIS_SERVER_BIN ?? 'redis-server';
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'tasks-throwaway-redis-'));
  const args = [
    '--port',
    String(port),
    '--bind',
    '127.0.0.1',
    '--dir',
    dir,
    '--save',
    '',
    '--appendonly',
    'no',
  ];
  const watchdog =
    'command -v "$0" >/dev/null || exit 127; "$0" "$@" & r=$!; ' +
    "trap 'kill $r 2>/dev/null; wait $r; exit 0' TERM INT; " +
    `while kill -0 ${process.pid} 2>/dev/null && kill -0 $r 2>/dev/null; do sleep 1; done; ` +
    'kill $r 2>/dev/null; wait $r';
  const child = spawn('sh', ['-c', watchdog, bin, ...args, '--loglevel', 'warning'], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (chunk) => (stderr += chunk));
  const exited = new Promise((resolve) => child.once('exit', (code) => resolve(code ?? -1)));
  let exitCode = null;
  exited.then((code) => (exitCode = code));
  const stop = async () => {
    if (exitCode === null) {
      child.kill('SIGTERM');
      await exited;
    }
    rmSync(dir, { recursive: true, force: true });
  };
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline && exitCode === null) {
    if (await ping(port)) return { url: `redis://127.0.0.1:${port}`, port, stop };
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  await stop();
  if (exitCode === 127)
    throw new Error(
      `${bin} is not installed. Install Redis (Debian/Ubuntu: sudo apt-get install -y redis-server; macOS: brew install redis), ` +
        'or point TASKS_REDIS_URL at a Redis you run (e.g. TASKS_REDIS_URL=redis://127.0.0.1:6379).',
    );
  throw new Error(`redis-server did not start on port ${port}: ${stderr.trim() || `exit ${exitCode}`}`);
}

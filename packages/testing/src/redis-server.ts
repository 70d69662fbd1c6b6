// Throwaway redis-server processes for tests: free loopback ports, no persistence unless asked,
// a shell watchdog so a killed test run never leaves an orphan server, and stop/restart for
// fault tests.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Options of {@link startRedisServer}. */
export interface RedisServerOptions {
  /** Port to listen on; default a free loopback port. */
  readonly port?: number;
  /** Extra `redis-server` arguments, e.g. `['--appendonly', 'yes']`. */
  readonly args?: readonly string[];
  /** Working directory (RDB/AOF/cluster files); default a fresh temporary directory. */
  readonly dir?: string;
  /** How long to wait for PING to answer, in ms. Default 10 000. */
  readonly readyTimeoutMs?: number;
  /**
   * Also listen with TLS on another free port (`tlsPort`, `tlsUrl`), with this certificate, key
   * and CA (see `makeTestCertificates`); clients need no certificate of their own. The plain
   * port stays open for the harness.
   */
  readonly tls?: { readonly certFile: string; readonly keyFile: string; readonly caFile: string };
}

/** A redis-server started by the harness. */
export interface RedisServer {
  readonly port: number;
  readonly url: string;
  readonly dir: string;
  /** Stops the server (SIGTERM, then SIGKILL after 5 s). Data survives only with persistence on. */
  stop(): Promise<void>;
  /** Stops the server and removes its temporary directory (when the harness made it). */
  destroy(): Promise<void>;
  /** Kills the server at once (SIGKILL), as a crash would. */
  kill(): Promise<void>;
  /** (Re)starts it on the same port and directory, waiting until it answers PING. */
  restart(): Promise<void>;
  /** True while the process runs. */
  readonly running: boolean;
  /** The TLS port, when started with `tls`. */
  readonly tlsPort?: number;
  /** `rediss://127.0.0.1:<tlsPort>`, when started with `tls`. */
  readonly tlsUrl?: string;
}

/** Resolves to a TCP port that was free on 127.0.0.1 a moment ago. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

/** Sends an inline command and resolves to the raw reply text, or `null` on failure/timeout. */
export function rawCommand(port: number, command: string, timeoutMs = 1000): Promise<string | null> {
  return new Promise((resolve) => {
    const socket = new Socket();
    let data = '';
    const done = (value: string | null): void => {
      socket.destroy();
      resolve(value);
    };
    socket.setTimeout(timeoutMs, () => done(data || null));
    socket.once('error', () => done(null));
    socket.connect(port, '127.0.0.1', () => socket.write(`${command}\r\n`));
    socket.on('data', (chunk: Buffer) => {
      data += chunk.toString();
      const headerEnd = data.indexOf('\r\n');
      if (headerEnd < 0) return;
      if (data.startsWith('$')) {
        const length = Number(data.slice(1, headerEnd));
        if (length >= 0 && Buffer.byteLength(data) < headerEnd + 2 + length + 2) return;
      }
      done(data);
    });
  });
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

function spawnWatched(bin: string, args: readonly string[]): ChildProcess {
  // If this Node process dies without cleaning up (SIGKILL, OOM), the shell notices within
  // about a second and stops redis-server.
  const watchdog =
    'command -v "$0" >/dev/null || exit 127; "$0" "$@" & r=$!; ' +
    "trap 'kill $r 2>/dev/null; wait $r; exit 0' TERM; " +
    "trap 'kill -9 $r 2>/dev/null; wait $r; exit 0' USR1; " +
    `while kill -0 ${process.pid} 2>/dev/null && kill -0 $r 2>/dev/null; do sleep 1; done; ` +
    'kill $r 2>/dev/null; wait $r';
  return spawn('sh', ['-c', watchdog, bin, ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
}

/**
 * Starts a `redis-server` on loopback (no persistence by default) and waits until it answers.
 * @throws Error naming the install step when `redis-server` is missing.
 *
 * @example
 * ```ts
 * const server = await startRedisServer();
 * // ... use server.url ...
 * await server.stop();
 * ```
 */
export async function startRedisServer(options: RedisServerOptions = {}): Promise<RedisServer> {
  const bin = process.env.REDIS_SERVER_BIN ?? 'redis-server';
  const port = options.port ?? (await freePort());
  const ownDir = options.dir === undefined;
  const dir = options.dir ?? mkdtempSync(join(tmpdir(), 'tasks-redis-'));
  const tls = options.tls;
  const tlsPort = tls ? await freePort() : undefined;
  const tlsArgs =
    tls && tlsPort !== undefined
      ? [
          '--tls-port',
          String(tlsPort),
          '--tls-cert-file',
          tls.certFile,
          '--tls-key-file',
          tls.keyFile,
        ].concat(['--tls-ca-cert-file', tls.caFile, '--tls-auth-clients', 'no'])
      : [];
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
    '--daemonize',
    'no',
    '--logfile',
    '',
    '--loglevel',
    'warning',
    ...tlsArgs,
    ...(options.args ?? []),
  ];
  let proc: ChildProcess | undefined;
  let exited: Promise<void> = Promise.resolve();

  const launch = async (): Promise<void> => {
    let stderr = '';
    let exitCode: number | null = null;
    const child = spawnWatched(bin, args);
    child.stderr?.on('data', (b: Buffer) => (stderr += b.toString()));
    exited = new Promise((resolve) =>
      child.once('exit', (code) => {
        exitCode = code ?? -1;
        resolve();
      }),
    );
    proc = child;
    const deadline = Date.now() + (options.readyTimeoutMs ?? 10_000);
    while (Date.now() < deadline && exitCode === null) {
      const reply = await rawCommand(port, 'PING', 500);
      if (reply?.startsWith('+PONG')) return;
      await sleep(50);
    }
    if (exitCode === 127) {
      throw new Error(
        `${bin} not found: install it (apt-get install -y redis-server) or set TASKS_REDIS_URL`,
      );
    }
    child.kill('SIGTERM');
    throw new Error(
      `redis-server on port ${port} did not become ready: ${stderr.trim() || `exit ${exitCode}`}`,
    );
  };

  const halt = async (signal: 'SIGTERM' | 'SIGUSR1'): Promise<void> => {
    const child = proc;
    if (!child || child.exitCode !== null) return;
    child.kill(signal);
    const timer = sleep(5000).then(() => 'timeout' as const);
    if ((await Promise.race([exited, timer])) === 'timeout') child.kill('SIGKILL');
    await exited;
    proc = undefined;
  };

  await launch();
  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    dir,
    ...(tlsPort !== undefined ? { tlsPort, tlsUrl: `rediss://127.0.0.1:${tlsPort}` } : {}),
    get running() {
      return proc !== undefined && proc.exitCode === null;
    },
    stop: () => halt('SIGTERM'),
    async destroy() {
      await halt('SIGTERM');
      if (ownDir) rmSync(dir, { recursive: true, force: true });
    },
    kill: () => halt('SIGUSR1'),
    async restart() {
      await halt('SIGTERM');
      await launch();
    },
  };
}

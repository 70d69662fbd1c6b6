import { spawn, type ChildProcess } from 'node:child_process';
import { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import type { RedisAdapter } from '@tasks/redis';
import { createIoredisAdapter } from '@tasks/redis-ioredis';
import { deleteKeysWithPrefix, testPrefix } from '@tasks/testing';
import { afterAll, inject } from 'vitest';
import { runCli } from '../src/cli.js';

/** The built executable: every test runs it as a subprocess, like a user would. */
export const BIN = fileURLToPath(new URL('../dist/bin.js', import.meta.url));
/** The directory of the test config (`tasks.config.mjs`) and of the broken ones. */
export const FIXTURES = fileURLToPath(new URL('./fixtures/', import.meta.url));

/** How a `tasks` run ended. */
export interface RunResult {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
  readonly ms: number;
}

/** Options of {@link runTasks} and {@link startTasks}. */
export interface RunOptions {
  readonly cwd?: string;
  readonly env?: Readonly<Record<string, string>>;
  /** Kill the process (SIGKILL) after this long. Default 30 000 ms. */
  readonly timeoutMs?: number;
  /** Written to the process's standard input (closed afterwards); none by default. */
  readonly input?: string;
}

/** A running `tasks` process. */
export interface RunningTasks {
  readonly child: ChildProcess;
  stdout(): string;
  stderr(): string;
  /** Waits until stdout+stderr match `pattern` (rejects after `timeoutMs`). */
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<void>;
  /** Sends `signal` (default SIGTERM) and waits for the exit. */
  stop(signal?: NodeJS.Signals): Promise<RunResult>;
  /** Resolves when the process exits by itself. */
  readonly done: Promise<RunResult>;
}

function childEnv(extra: Readonly<Record<string, string>> | undefined): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, ...extra };
  delete env.TASKS_REDIS_URL; // every test passes --redis-url; a user's variable must not leak in
  if (extra?.TASKS_REDIS_URL) env.TASKS_REDIS_URL = extra.TASKS_REDIS_URL;
  return env;
}

/** Starts `node dist/bin.js ...args` (cwd: the fixtures directory unless given). */
export function startTasks(args: readonly string[], options: RunOptions = {}): RunningTasks {
  const started = Date.now();
  const child = spawn(process.execPath, [BIN, ...args], {
    cwd: options.cwd ?? FIXTURES,
    env: childEnv(options.env),
    stdio: [options.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
  });
  if (options.input !== undefined) child.stdin?.end(options.input);
  let stdout = '';
  let stderr = '';
  const listeners = new Set<() => void>();
  const changed = (): void => listeners.forEach((listener) => listener());
  child.stdout?.on('data', (chunk: Buffer) => {
    stdout += chunk.toString();
    changed();
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
    changed();
  });
  const killer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 30_000);
  const done = new Promise<RunResult>((resolve) => {
    child.once('close', (code, signal) => {
      clearTimeout(killer);
      resolve({ code, signal, stdout, stderr, ms: Date.now() - started });
    });
  });
  const waitFor = (pattern: RegExp, timeoutMs = 15_000): Promise<void> =>
    new Promise((resolve, reject) => {
      const check = (): void => {
        if (!pattern.test(stdout + stderr)) return;
        cleanup();
        resolve();
      };
      const timer = setTimeout(() => {
        cleanup();
        reject(new Error(`timed out waiting for ${String(pattern)}\nstdout: ${stdout}\nstderr: ${stderr}`));
      }, timeoutMs);
      const cleanup = (): void => {
        clearTimeout(timer);
        listeners.delete(check);
      };
      listeners.add(check);
      check();
    });
  return {
    child,
    stdout: () => stdout,
    stderr: () => stderr,
    waitFor,
    done,
    stop: (signal = 'SIGTERM') => {
      child.kill(signal);
      return done;
    },
  };
}

/** Runs `node dist/bin.js ...args` to completion. */
export function runTasks(args: readonly string[], options: RunOptions = {}): Promise<RunResult> {
  return startTasks(args, options).done;
}

/**
 * Runs the command line in this process (`runCli` with captured streams, the fixtures
 * directory as working directory): for the many checks of help texts and usage errors that
 * need no process of their own. `code` is what the executable would exit with.
 */
export async function runTasksInProcess(
  args: readonly string[],
  options: RunOptions = {},
): Promise<RunResult> {
  const started = Date.now();
  let stdout = '';
  let stderr = '';
  const code = await runCli(args, {
    stdout: { write: (chunk: string) => (stdout += chunk) },
    stderr: { write: (chunk: string) => (stderr += chunk) },
    env: childEnv(options.env),
    cwd: options.cwd ?? FIXTURES,
    ...(options.input === undefined ? {} : { stdin: Readable.from([options.input]) }),
  });
  return { code, signal: null, stdout, stderr, ms: Date.now() - started };
}

/** Parses the whole of stdout as one JSON document. */
export function json<T = unknown>(result: RunResult): T {
  try {
    return JSON.parse(result.stdout) as T;
  } catch {
    throw new Error(`stdout is not JSON (exit ${result.code}):\n${result.stdout}\nstderr: ${result.stderr}`);
  }
}

/** Parses stdout as NDJSON (one JSON document per line). */
export function jsonLines(text: string): Array<Record<string, unknown>> {
  return text
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

/** A user mistake must end with one line on stderr and no stack trace. */
export function isOneLineError(result: RunResult): boolean {
  const lines = result.stderr.split('\n').filter((line) => line.trim() !== '');
  return lines.length === 1 && lines[0]?.startsWith('tasks: ') === true && !/\n\s+at /.test(result.stderr);
}

/**
 * A per-file Redis context: the test server URL, an adapter for checks, and unique prefixes
 * (and lock keys) whose keys are deleted after the file's tests.
 */
export function useRedis(label: string): {
  url: string;
  redis(): RedisAdapter;
  prefix(): string;
  /** Global options pointing the CLI at the test Redis under `prefix`. */
  cli(prefix: string): string[];
  /** A unique lock key segment, cleaned up after the tests. */
  lockKey(): string;
} {
  const url = inject('redisUrl');
  let adapter: RedisAdapter | undefined;
  const prefixes: string[] = [];
  const redis = (): RedisAdapter => (adapter ??= createIoredisAdapter(url));
  afterAll(async () => {
    for (const prefix of prefixes) await deleteKeysWithPrefix(redis(), prefix);
    await adapter?.close();
  });
  return {
    url,
    redis,
    prefix: () => {
      const prefix = testPrefix(label);
      prefixes.push(prefix);
      return prefix;
    },
    cli: (prefix) => ['--redis-url', url, '--prefix', prefix],
    lockKey: () => {
      const key = testPrefix(label).replace(/:/g, '-');
      for (const kind of ['lock:mutex:job:', 'limiter:rate:task:']) prefixes.push(`${kind}${key}`);
      return key;
    },
  };
}

// The adapter failure suite: what every RedisAdapter does when Redis is not right — nothing
// listens, the password is wrong or missing, the port is an HTTP server, Redis stops, Redis is
// connected but silent — against real servers. Both adapters must pass it with the same error
// classes and wording.
import { createServer, type Server } from 'node:http';
import { RedisAdapterError, type RedisAdapter, type RedisAdapterOptions } from '@tasks/redis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { freePort, rawCommand, startRedisServer, type RedisServer } from './redis-server.js';
import { waitUntil } from './wait.js';

/** What an adapter package hands to {@link describeAdapterFailures}. */
export interface AdapterFactoryUnderTest {
  readonly name: string;
  /** The adapter factory applied to a URL: the adapter owns its connection. */
  fromUrl(url: string, options: RedisAdapterOptions): RedisAdapter;
}

const PASSWORD = 'right-Pa55word';
const WRONG = 'wrong-Pa55word';

/** The rejection of `promise`, which must reject. */
async function rejectionOf(promise: Promise<unknown>): Promise<RedisAdapterError> {
  const outcome = await promise.then(
    (value) => ({ value }),
    (error: unknown) => ({ error }),
  );
  if (!('error' in outcome)) throw new Error(`expected a rejection, got ${JSON.stringify(outcome.value)}`);
  expect(outcome.error).toBeInstanceOf(RedisAdapterError);
  return outcome.error as RedisAdapterError;
}

/** Everything written to stdout/stderr (and the console) while `fn` runs. */
async function captureOutput(fn: () => Promise<void>): Promise<string> {
  let text = '';
  const streams = [process.stdout, process.stderr];
  const originals = streams.map((stream) => stream.write.bind(stream));
  for (const stream of streams)
    stream.write = (chunk: unknown, ...rest: unknown[]) => {
      text += String(chunk);
      const original = originals[streams.indexOf(stream)] as (...a: unknown[]) => boolean;
      return original(chunk, ...rest);
    };
  try {
    await fn();
  } finally {
    streams.forEach((stream, i) => (stream.write = originals[i] as typeof stream.write));
  }
  return text;
}

/**
 * Registers the failure tests for one adapter (the package's vitest config need not start
 * Redis: the suite starts its own servers).
 */
export function describeAdapterFailures(adapter: AdapterFactoryUnderTest): void {
  describe(`${adapter.name} when Redis is not right`, () => {
    const open: RedisAdapter[] = [];
    const make = (url: string, options: RedisAdapterOptions = {}): RedisAdapter => {
      const created = adapter.fromUrl(url, options);
      open.push(created);
      return created;
    };
    afterEach(async () => {
      for (const created of open.splice(0)) await created.close().catch(() => undefined);
    });

    it('fails at once, as unreachable, when nothing listens on the port', async () => {
      const port = await freePort();
      // A long commandTimeoutMs: the rejection comes from the refused connection, not a timer.
      const redis = make(`redis://127.0.0.1:${port}`, { commandTimeoutMs: 120_000 });
      const error = await rejectionOf(redis.command(['GET', 'k']));
      expect(error.code).toBe('REDIS_UNREACHABLE');
      expect(error.name).toBe('RedisUnreachableError');
      expect(error.message).toBe(
        `Redis at redis://127.0.0.1:${port} is unreachable: connection refused (ECONNREFUSED): nothing listens there. ` +
          'Check that Redis is running there and that the URL (host and port) is right.',
      );
      expect(error.target).toBe(`redis://127.0.0.1:${port}`);
      expect((await rejectionOf(redis.time())).code).toBe('REDIS_UNREACHABLE');
      expect((await rejectionOf(redis.duplicate())).code).toBe('REDIS_UNREACHABLE');
    });

    describe('with a password-protected Redis', () => {
      let server: RedisServer;
      beforeAll(async () => {
        server = await startRedisServer();
        expect(await rawCommand(server.port, `CONFIG SET requirepass ${PASSWORD}`)).toMatch(/^\+OK/);
      });
      afterAll(async () => {
        await server.destroy();
      });

      it('reports a wrong password as an authentication error, never printing it', async () => {
        const url = `redis://app:${WRONG}@127.0.0.1:${server.port}`;
        let error: RedisAdapterError | undefined;
        const printed = await captureOutput(async () => {
          const redis = make(url, { commandTimeoutMs: 120_000 });
          error = await rejectionOf(redis.command(['PING']));
          expect((await rejectionOf(redis.command(['GET', 'k']))).code).toBe('REDIS_AUTH');
          await redis.close();
        });
        expect(error?.code).toBe('REDIS_AUTH');
        expect(error?.name).toBe('RedisAuthError');
        expect(error?.message).toMatch(
          new RegExp(
            `^Redis at redis://app:\\*\\*\\*@127\\.0\\.0\\.1:${server.port} rejected the authentication: WRONGPASS`,
          ),
        );
        expect(error?.message).toContain('Check the username and password');
        for (const text of [error?.message ?? '', error?.target ?? '', printed]) {
          expect(text).not.toContain(WRONG);
          expect(text).not.toContain(PASSWORD);
        }
      });

      it('says that a password is required when none is given (NOAUTH)', async () => {
        const redis = make(`redis://127.0.0.1:${server.port}`, { commandTimeoutMs: 120_000 });
        const error = await rejectionOf(redis.command(['PING']));
        expect(error.code).toBe('REDIS_AUTH');
        expect(error.message).toContain('it requires a password and none was given (NOAUTH)');
      });

      it('works with the right password', async () => {
        const redis = make(`redis://:${PASSWORD}@127.0.0.1:${server.port}`);
        expect(await redis.command(['PING'])).toBe('PONG');
        expect(redis.target).toBe(`redis://:***@127.0.0.1:${server.port}`);
      });
    });

    describe('with an HTTP server on the port', () => {
      let http: Server;
      let port: number;
      beforeAll(async () => {
        port = await freePort();
        http = createServer((_, response) => response.end('hello'));
        await new Promise<void>((resolve) => http.listen(port, '127.0.0.1', resolve));
      });
      afterAll(async () => {
        http.closeAllConnections();
        await new Promise((resolve) => http.close(resolve));
      });

      it('says the server does not speak the Redis protocol', async () => {
        const redis = make(`redis://127.0.0.1:${port}`, { commandTimeoutMs: 120_000 });
        const error = await rejectionOf(redis.command(['PING']));
        expect(error.code).toBe('REDIS_PROTOCOL');
        expect(error.name).toBe('RedisProtocolError');
        expect(error.message).toBe(
          `The server at redis://127.0.0.1:${port} does not speak the Redis protocol ` +
            '(its reply starts with "H", like an HTTP server). ' +
            'Something else listens on that port: check the host and port of the Redis URL.',
        );
      });
    });

    describe('with a Redis that goes away and comes back', () => {
      let server: RedisServer;
      beforeAll(async () => {
        server = await startRedisServer();
      });
      afterAll(async () => {
        await server.destroy();
      });

      it('rejects within commandTimeoutMs while Redis is down, then recovers by itself', async () => {
        const redis = make(server.url, { commandTimeoutMs: 1_000 });
        expect(await redis.command(['SET', 'failures:k', 'v'])).toBe('OK');
        await server.stop();
        const error = await rejectionOf(redis.command(['GET', 'failures:k']));
        expect(error.code).toBe('REDIS_UNREACHABLE');
        expect(error.message).toMatch(
          new RegExp(
            `^Redis at redis://127\\.0\\.0\\.1:${server.port} is unreachable: no connection within 1000 ms`,
          ),
        );
        await server.restart();
        await waitUntil(
          async () => (await redis.command(['PING']).catch(() => null)) === 'PONG',
          'the adapter recovering after Redis came back',
          30_000,
        );
      });

      it('rejects as a timeout when connected but Redis does not answer (CLIENT PAUSE)', async () => {
        const redis = make(server.url, { commandTimeoutMs: 500 });
        expect(await redis.command(['PING'])).toBe('PONG');
        // Paused for 2 s: the server holds every command (an UNPAUSE would be held too).
        expect(await rawCommand(server.port, 'CLIENT PAUSE 2000 ALL')).toMatch(/^\+OK/);
        const error = await rejectionOf(redis.command(['GET', 'failures:paused']));
        expect(error.code).toBe('REDIS_TIMEOUT');
        expect(error.name).toBe('RedisTimeoutError');
        expect(error.message).toBe(
          `Redis at ${server.url} did not reply to GET within 500 ms (commandTimeoutMs), although connected: ` +
            'the server may be overloaded or blocked by a slow script. The command may still have run.',
        );
        await waitUntil(
          async () => (await redis.command(['PING']).catch(() => null)) === 'PONG',
          'Redis answering again after the pause',
          30_000,
        );
      });

      it('gives a blocking read its BLOCK time on top of commandTimeoutMs', async () => {
        const redis = make(server.url, { commandTimeoutMs: 300 });
        const blocking = await redis.duplicate();
        try {
          const stream = 'failures:stream';
          await redis.command(['XGROUP', 'CREATE', stream, 'g', '$', 'MKSTREAM']);
          const reply = await blocking.command([
            'XREADGROUP',
            'GROUP',
            'g',
            'c',
            'BLOCK',
            1000,
            'STREAMS',
            stream,
            '>',
          ]);
          expect(reply).toBeNull();
          await redis.command(['DEL', stream]);
        } finally {
          await blocking.close();
        }
      });
    });
  });
}

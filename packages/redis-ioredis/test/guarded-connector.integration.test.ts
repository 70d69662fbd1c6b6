// A socket of a client the adapter owns keeps an 'error' listener: ioredis listens with `once`,
// and a TLS socket whose handshake fails can emit a second error, which would otherwise be an
// uncaught exception that ends the process.
import type { Socket } from 'node:net';
import { testPrefix } from '@tasks/testing';
import { Redis } from 'ioredis';
import { describe, expect, inject, it } from 'vitest';
import { GuardedConnector } from '../src/guarded-connector.js';

const target = (): { host: string; port: number } => {
  const url = new URL(inject('redisUrl'));
  return { host: url.hostname, port: Number(url.port) };
};

/** Connects, then emits two errors on the client's socket; returns what the second did. */
async function secondSocketError(options: { Connector?: typeof GuardedConnector }): Promise<unknown> {
  const client = new Redis({ ...target(), ...options, lazyConnect: true, retryStrategy: () => null });
  client.on('error', () => undefined); // the first error reaches the client: it is not the point here
  try {
    await client.connect();
    expect(await client.ping()).toBe('PONG');
    const stream = (client as unknown as { stream: Socket }).stream;
    stream.emit('error', new Error('first socket error'));
    try {
      stream.emit('error', new Error('second socket error'));
      return undefined;
    } catch (error) {
      return error;
    }
  } finally {
    client.disconnect();
  }
}

describe('GuardedConnector', () => {
  it("ioredis' own connector leaves a second socket error without a listener (the crash)", async () => {
    const thrown = await secondSocketError({});
    expect(thrown).toBeInstanceOf(Error);
    expect((thrown as Error).message).toBe('second socket error');
  });

  it('keeps a listener for the socket’s whole life, so a second error is dropped', async () => {
    expect(await secondSocketError({ Connector: GuardedConnector })).toBeUndefined();
  });

  it('connects and serves commands as the default connector does', async () => {
    const client = new Redis({ ...target(), Connector: GuardedConnector, lazyConnect: true });
    try {
      await client.connect();
      const key = `${testPrefix('guarded-connector')}:k`;
      await client.set(key, 'v', 'PX', 10_000);
      expect(await client.get(key)).toBe('v');
    } finally {
      client.disconnect();
    }
  });
});

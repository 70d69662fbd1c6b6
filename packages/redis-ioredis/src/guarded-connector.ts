// ioredis' single-server connector, rewritten against its public `AbstractConnector` with one
// difference: the socket keeps an 'error' listener for its whole life.
import { createConnection, type Socket } from 'node:net';
import { connect as connectTls, type ConnectionOptions, type TLSSocket } from 'node:tls';
import { AbstractConnector } from 'ioredis';

/** What the connector reads of the client's options. */
interface GuardedConnectorOptions {
  readonly host?: string | undefined;
  readonly port?: number | undefined;
  readonly family?: number | undefined;
  readonly path?: string | undefined;
  readonly tls?: ConnectionOptions | undefined;
  readonly disconnectTimeout?: number | undefined;
}

const ignore = (): void => undefined;

/**
 * @internal
 * Connects a client the adapter owns to one server, as ioredis' own connector does. ioredis
 * listens for a socket's first 'error' only (`once`), and a TLS socket whose handshake fails
 * can emit a second one (the verification error, then the server's alert): with no listener
 * left, that second error is an uncaught exception that ends the process. Here every socket
 * keeps a listener, so the second error is dropped; the first still reaches ioredis, which
 * reports it and reconnects.
 */
export class GuardedConnector extends AbstractConnector {
  readonly #options: GuardedConnectorOptions;

  /** `options` are the client's (ioredis passes them as `unknown`). */
  constructor(options: unknown) {
    const given = options as GuardedConnectorOptions;
    super(given.disconnectTimeout ?? 2000);
    this.#options = given;
  }

  connect(): Promise<Socket | TLSSocket> {
    const { host, port, family, path, tls } = this.#options;
    this.connecting = true;
    const target = path ? { path } : { host, port, ...(family != null ? { family } : {}) };
    // The socket is opened on the next tick, as ioredis does, so a disconnect() right after
    // connect() can still cancel it.
    return new Promise((resolve, reject) => {
      process.nextTick(() => {
        if (!this.connecting) {
          reject(new Error('Connection is closed.'));
          return;
        }
        let stream: Socket | TLSSocket;
        try {
          stream = tls ? connectTls({ ...target, ...tls }) : createConnection(target as never);
        } catch (error) {
          reject(error instanceof Error ? error : new Error(String(error)));
          return;
        }
        this.stream = stream;
        stream.once('error', (error: Error) => {
          this.firstError = error;
        });
        stream.on('error', ignore);
        resolve(stream);
      });
    });
  }
}

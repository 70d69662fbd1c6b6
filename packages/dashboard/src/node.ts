// Serving the fetch-style handler from `node:http` (and servers built on it: Express,
// Fastify's raw request): a request becomes a `Request`, the `Response` is streamed back, and
// a client that leaves aborts the request's signal (which ends its event stream).
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createDashboard, type DashboardHandler, type DashboardOptions } from './dashboard.js';

/** A `node:http` request listener. */
export type NodeHandler = (request: IncomingMessage, response: ServerResponse) => void;

const MAX_BODY_BYTES = 64 * 1024;

async function bodyOf(request: IncomingMessage): Promise<Buffer | null> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    const buffer = chunk as Buffer;
    size += buffer.length;
    if (size > MAX_BODY_BYTES) return null;
    chunks.push(buffer);
  }
  return Buffer.concat(chunks);
}

function toRequest(req: IncomingMessage, body: Buffer | null, signal: AbortSignal): Request {
  // Express strips its mount path from `url`; `originalUrl` keeps it.
  const path = (req as IncomingMessage & { originalUrl?: string }).originalUrl ?? req.url ?? '/';
  const secure = (req.socket as { encrypted?: boolean }).encrypted === true;
  const url = new URL(path, `${secure ? 'https' : 'http'}://${req.headers.host ?? 'localhost'}`);
  const headers = new Headers();
  for (const [name, value] of Object.entries(req.headers)) {
    if (value === undefined) continue;
    for (const v of Array.isArray(value) ? value : [value]) headers.append(name, v);
  }
  return new Request(url, {
    method: req.method ?? 'GET',
    headers,
    signal,
    ...(body && req.method !== 'GET' && req.method !== 'HEAD' ? { body } : {}),
  });
}

async function send(response: Response, res: ServerResponse, head: boolean): Promise<void> {
  const headers: Record<string, string | string[]> = {};
  response.headers.forEach((value, name) => {
    if (name !== 'set-cookie') headers[name] = value;
  });
  const cookies = response.headers.getSetCookie();
  if (cookies.length) headers['set-cookie'] = cookies;
  res.writeHead(response.status, headers);
  if (head || !response.body) {
    res.end();
    return;
  }
  // The body ends by itself, or (an event stream) when the request's signal aborts on close.
  for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
    if (res.destroyed) break;
    if (!res.write(chunk)) await new Promise((resolve) => res.once('drain', resolve));
  }
  res.end();
}

/**
 * Turns a fetch-style handler (such as the dashboard) into a `node:http` request listener.
 * Works with `http.createServer`, Express (`app.use('/dashboard', toNodeHandler(dashboard))`,
 * which keeps the mount path through `originalUrl`) and Fastify's raw request and reply.
 *
 * @example
 * ```ts
 * http.createServer(toNodeHandler(createDashboard({ app }))).listen(8080, '127.0.0.1');
 * ```
 */
export function toNodeHandler(handler: (request: Request) => Promise<Response>): NodeHandler {
  return (req, res) => {
    const controller = new AbortController();
    res.once('close', () => controller.abort());
    void (async () => {
      try {
        const body = req.method === 'GET' || req.method === 'HEAD' ? null : await bodyOf(req);
        if (req.method !== 'GET' && req.method !== 'HEAD' && body === null) {
          res.writeHead(413, { 'content-type': 'text/plain; charset=utf-8' }).end('Request body too large.');
          return;
        }
        const response = await handler(toRequest(req, body, controller.signal));
        await send(response, res, req.method === 'HEAD');
      } catch (error) {
        if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain; charset=utf-8' });
        res.end(controller.signal.aborted ? undefined : 'Internal error.');
        if (!controller.signal.aborted) console.error('@tasks/dashboard:', error);
      }
    })();
  };
}

/** Options of {@link serveDashboard}: the dashboard's, and where to listen. */
export interface ServeDashboardOptions extends DashboardOptions {
  /** Port to listen on; `0` picks a free one. Default 8080. */
  readonly port?: number;
  /** Interface to bind. Default `'127.0.0.1'` (this machine only). */
  readonly host?: string;
}

/** A running dashboard server. */
export interface DashboardServer {
  /** Where it listens, e.g. `http://127.0.0.1:8080/dashboard/`. */
  readonly url: string;
  readonly server: Server;
  readonly handler: DashboardHandler;
  /** Stops listening and ends open event streams (the app is left open). */
  close(): Promise<void>;
}

const LOOPBACK = new Set(['127.0.0.1', '::1', 'localhost']);

/**
 * Refuses requests whose `Host` is not a loopback name: a server bound to loopback must not
 * answer a web page that re-pointed its own domain name at 127.0.0.1 (DNS rebinding).
 */
function loopbackOnly(
  handler: (request: Request) => Promise<Response>,
): (request: Request) => Promise<Response> {
  return async (request) => {
    const hostname = new URL(request.url).hostname.replace(/^\[|\]$/g, '');
    if (LOOPBACK.has(hostname)) return handler(request);
    return new Response('Refused: this dashboard answers only to 127.0.0.1, localhost and ::1.', {
      status: 421,
      headers: { 'content-type': 'text/plain; charset=utf-8' },
    });
  };
}

/**
 * Serves the dashboard with `node:http` on `host:port` (default `127.0.0.1:8080`). Bound to a
 * loopback address, it answers only requests addressed to a loopback name (`Host` header), so
 * a web page cannot reach it by re-pointing its own domain at this machine.
 * @throws what `listen` fails with (e.g. `EADDRINUSE`).
 *
 * @example
 * ```ts
 * const served = await serveDashboard({ app, port: 8080, token: process.env.DASHBOARD_TOKEN });
 * console.log(`dashboard at ${served.url}`);
 * ```
 */
export async function serveDashboard(options: ServeDashboardOptions): Promise<DashboardServer> {
  const handler = createDashboard(options);
  const host = options.host ?? '127.0.0.1';
  const guarded = LOOPBACK.has(host) ? loopbackOnly(handler) : handler;
  const server = createServer(toNodeHandler(guarded));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 8080, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  const shown = host.includes(':') ? `[${host}]` : host;
  const base = (options.basePath ?? '').replace(/\/+$/, '');
  return {
    url: `http://${shown}:${port}${base}/`,
    server,
    handler,
    close: async () => {
      handler.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

// Real upstreams for the HTTP transport tests: node:http, node:https, node:http2 (h2c and TLS)
// servers on 127.0.0.1 port 0 (TLS ones with the certificates of test/fixtures/tls), a port
// known to refuse connections, and a recording attempt handler.
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import {
  createSecureServer,
  createServer as createH2cServer,
  type Http2SecureServer,
  type Http2Server,
  type Http2ServerRequest,
  type Http2ServerResponse,
  type Http2Session,
  type IncomingHttpHeaders,
  type ServerHttp2Stream,
} from 'node:http2';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import { join } from 'node:path';
import type { TlsOptions } from 'node:tls';
import type { AttemptHandler, UpstreamRequest, UpstreamResponse } from '../../../src/core/call/transport.ts';
import type { Cluster } from '../../../src/core/model/cluster.ts';
import type { ClusterLoadAssignment, Endpoint } from '../../../src/core/model/endpoint.ts';
import type { LocalFailure } from '../../../src/core/policy/retry-classifier.ts';
import { assignment, cluster, endpoint, locality } from '../../core/lb/fixtures.ts';

export interface Upstream {
  readonly port: number;
  readonly endpoint: Endpoint;
  /** Client connections (HTTP/1.1 sockets, HTTP/2 sessions) open now. */
  openConnections(): number;
  /** Resolves once no client connection is open. */
  allClosed(): Promise<void>;
  close(): Promise<void>;
}

export async function httpUpstream(onRequest: (req: IncomingMessage, res: ServerResponse) => void): Promise<Upstream> {
  const server: Server = createServer(onRequest);
  const sockets = new Tracked<Socket>();
  server.on('connection', (socket: Socket) => sockets.add(socket));
  return listening(server, sockets, async () => {
    for (const socket of sockets) socket.destroy();
    server.close();
    await once(server, 'close');
  });
}

export async function h2cUpstream(onStream: (stream: ServerHttp2Stream, headers: IncomingHttpHeaders) => void): Promise<Upstream> {
  const server: Http2Server = createH2cServer();
  server.on('stream', onStream);
  const sessions = new Tracked<Http2Session>();
  server.on('session', (session: Http2Session) => sessions.add(session));
  return listening(server, sessions, async () => {
    for (const session of sessions) session.destroy();
    server.close();
    await once(server, 'close');
  });
}

/** A PEM file of test/fixtures/tls (see its README). */
export function tlsFixture(name: string): string {
  return readFileSync(tlsFixturePath(name), 'utf8');
}

export function tlsFixturePath(name: string): string {
  return join(import.meta.dirname, '..', '..', 'fixtures', 'tls', name);
}

export interface TlsServerOptions {
  /** The server's certificate: `server` (signed by ca.pem, the default) or `other-server` (an untrusted CA). */
  readonly identity?: 'server' | 'other-server';
  /** Require a client certificate signed by ca.pem (mTLS). */
  readonly requireClientCert?: boolean;
  /** The server's ALPN protocols; Node's default for the server kind when absent. */
  readonly alpn?: readonly string[];
}

function serverTls(options: TlsServerOptions): TlsOptions {
  const identity = options.identity ?? 'server';
  return {
    cert: tlsFixture(`${identity}.pem`),
    key: tlsFixture(`${identity}.key`),
    ...(options.requireClientCert ? { requestCert: true, rejectUnauthorized: true, ca: tlsFixture('ca.pem') } : {}),
    ...(options.alpn === undefined ? {} : { ALPNProtocols: [...options.alpn] }),
  };
}

/** HTTP/1.1 over TLS (node:https). */
export async function httpsUpstream(onRequest: (req: IncomingMessage, res: ServerResponse) => void, options: TlsServerOptions = {}): Promise<Upstream> {
  const server = createHttpsServer(serverTls(options), onRequest);
  const sockets = new Tracked<Socket>();
  server.on('connection', (socket: Socket) => sockets.add(socket));
  // A client that fails its handshake is not the test's business; the server must not crash on it.
  server.on('tlsClientError', () => {});
  return listening(server, sockets, async () => {
    for (const socket of sockets) socket.destroy();
    server.close();
    await once(server, 'close');
  });
}

/** HTTP/2 over TLS (node:http2 secure server); with `allowHTTP1`, HTTP/1.1 clients are served by the same handler. */
export async function h2TlsUpstream(
  onRequest: (req: Http2ServerRequest | IncomingMessage, res: Http2ServerResponse | ServerResponse) => void,
  options: TlsServerOptions & { readonly allowHTTP1?: boolean } = {},
): Promise<Upstream> {
  const server: Http2SecureServer = createSecureServer({ ...serverTls(options), allowHTTP1: options.allowHTTP1 ?? false }, onRequest);
  const sockets = new Tracked<Socket>();
  server.on('connection', (socket: Socket) => sockets.add(socket));
  server.on('tlsClientError', () => {});
  return listening(server, sockets, async () => {
    for (const socket of sockets) socket.destroy();
    server.close();
    await once(server, 'close');
  });
}

/** Open connections of a server, with a wait for none. */
class Tracked<T extends Socket | Http2Session> extends Set<T> {
  #idle: (() => void)[] = [];

  override add(item: T): this {
    super.add(item);
    item.once('close', () => {
      this.delete(item);
      if (this.size === 0) for (const resolve of this.#idle.splice(0)) resolve();
    });
    return this;
  }

  idle(): Promise<void> {
    return this.size === 0 ? Promise.resolve() : new Promise((resolve) => this.#idle.push(resolve));
  }
}

async function listening(server: Server | Http2Server | Http2SecureServer, open: Tracked<Socket> | Tracked<Http2Session>, close: () => Promise<void>): Promise<Upstream> {
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return { port, endpoint: endpoint(`127.0.0.1:${port}`), openConnections: () => open.size, allClosed: () => open.idle(), close };
}

/** A port that was bound and closed again, so connecting to it is refused. */
export async function refusedEndpoint(): Promise<Endpoint> {
  const upstream = await httpUpstream(() => {});
  await upstream.close();
  return upstream.endpoint;
}

export function httpCluster(name: string, overrides: Partial<Cluster> = {}): Cluster {
  return cluster({ name, edsServiceName: name, connectTimeoutMs: 5000, ...overrides });
}

export function assignmentOf(hosts: readonly Endpoint[]): ClusterLoadAssignment {
  return assignment([locality(hosts)]);
}

export function upstreamRequest(clusterName: string, host: Endpoint, overrides: Partial<UpstreamRequest> = {}): UpstreamRequest {
  return { cluster: clusterName, endpoint: host, method: 'GET', path: '/', authority: 'svc.test', headers: new Map(), attempt: 1, ...overrides };
}

export type Answer = { readonly kind: 'response'; readonly response: UpstreamResponse } | { readonly kind: 'failure'; readonly failure: LocalFailure; readonly detail: string };

/** A handler that records its one answer (a second call fails the test through `calls`). */
export function recorder(): { readonly handler: AttemptHandler; readonly answer: Promise<Answer>; readonly calls: () => number } {
  let calls = 0;
  let settle: (answer: Answer) => void = () => {};
  const answer = new Promise<Answer>((resolve) => (settle = resolve));
  return {
    handler: {
      onResponse: (response) => {
        calls++;
        settle({ kind: 'response', response });
      },
      onFailure: (failure, detail) => {
        calls++;
        settle({ kind: 'failure', failure, detail });
      },
    },
    answer,
    calls: () => calls,
  };
}

/** Reads a body handle to the end as UTF-8. */
export async function readText(body: unknown): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of body as AsyncIterable<Buffer>) chunks.push(chunk);
  return Buffer.concat(chunks).toString('utf8');
}

/** Reads a request body on the server side. */
export async function readRequest(req: AsyncIterable<Buffer>): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk);
  return Buffer.concat(chunks).toString('utf8');
}

/** A promise with its resolver, for event-driven waits. */
export function deferred<T = void>(): { readonly promise: Promise<T>; resolve(value: T): void } {
  let resolve: (value: T) => void = () => {};
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

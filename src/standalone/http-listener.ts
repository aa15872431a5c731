// The standalone sidecar's HTTP/1.1 listener: each request received on TCP or a unix socket
// becomes one call through the mesh's dispatcher, routed by its Host header (the authority) or,
// for a bound listener, by that listener's route table, and the answer is streamed back with
// backpressure both ways.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Dispatcher } from 'undici';
import { RESPONSE_FLAGS_HEADER } from '../api/fetch-adapter.ts';
import type { MeshDispatcher } from '../api/mesh-dispatcher.ts';
import { MeshError } from '../core/errors.ts';

/**
 * Hop-by-hop fields of RFC 9110 §7.6.1 beyond the ones the dispatcher already drops, and
 * `expect` (the listener answers 100-continue itself; the upstream leg is the transport's).
 * Like Envoy, `te` is not forwarded.
 */
const NOT_FORWARDED: ReadonlySet<string> = new Set(['te', 'trailer', 'proxy-authenticate', 'proxy-authorization', 'expect']);

export interface ListenerRouting {
  /**
   * Route every request by this listener's table, whatever its Host (a listener bound to an
   * address, Envoy's inbound listener). Absent: the Host names the listener, as for outbound calls.
   */
  readonly listenerName?: string;
}

/**
 * A node:http server whose every request goes through `dispatcher` (one mesh per process). Owned
 * by the main thread, which also owns the dispatcher; the caller listens and closes it.
 */
export function createOutboundServer(dispatcher: MeshDispatcher, routing: ListenerRouting = {}): Server {
  const server: Server = createHttp1Server(dispatcher, routing, () => !server.listening);
  return server;
}

/**
 * The same server for a front that listens in its place (HTTP/1.1 beside h2c on one port):
 * `closing` says when the front stopped accepting, so answers close their connections.
 */
export function createHttp1Server(dispatcher: MeshDispatcher, routing: ListenerRouting, closing: () => boolean): Server {
  return createServer((req, res) => proxy(dispatcher, routing, req, res, closing));
}

function proxy(dispatcher: MeshDispatcher, routing: ListenerRouting, req: IncomingMessage, res: ServerResponse, closing: () => boolean): void {
  const origin = originOf(req, routing.listenerName !== undefined);
  if (origin === undefined) return plain(res, closing, 400, 'sidelet: the request names no authority: send a Host header (or an absolute URI)\n');
  const writer = new ResponseWriter(res, closing);
  // The client went away before the answer ended: abort the call, which cancels every attempt.
  res.once('close', () => {
    if (!res.writableFinished) writer.abort(new Error('the client closed the connection'));
  });
  const opts = {
    origin: origin.origin,
    path: origin.path,
    method: req.method ?? 'GET',
    headers: forwardedHeaders(req),
    body: hasBody(req) ? req : undefined,
    mesh: { errorsAsResponses: true },
    listenerName: routing.listenerName,
  };
  dispatcher.dispatch(opts, writer);
}

/**
 * Origin and path from an absolute-form target (a client using the sidecar as an HTTP proxy) or
 * from Host. A bound listener routes without a Host: the address the request came in on stands in.
 */
function originOf(req: IncomingMessage, bound: boolean): { origin: string; path: string } | undefined {
  const target = req.url ?? '/';
  if (/^http:\/\//i.test(target)) {
    const url = URL.parse(target);
    return url === null ? undefined : { origin: url.origin, path: `${url.pathname}${url.search}` };
  }
  const host = req.headers.host || (bound ? localAuthority(req) : undefined);
  if (host === undefined || host === '') return undefined;
  const url = URL.parse(`http://${host}${target.startsWith('/') ? target : `/${target}`}`);
  return url === null ? undefined : { origin: url.origin, path: `${url.pathname}${url.search}` };
}

/** `127.0.0.1:15006`, `[::1]:15006`, or `localhost` on a unix socket. */
function localAuthority(req: IncomingMessage): string {
  const { localAddress, localPort } = req.socket;
  if (localAddress === undefined || localPort === undefined) return 'localhost';
  return localAddress.includes(':') ? `[${localAddress}]:${localPort}` : `${localAddress}:${localPort}`;
}

/** An HTTP/1.1 request has a body when it declares a length or a transfer coding (RFC 9112 §6.3). */
function hasBody(req: IncomingMessage): boolean {
  return req.headers['content-length'] !== undefined || req.headers['transfer-encoding'] !== undefined;
}

/** Node's lower-cased headers minus hop-by-hop fields, including the ones `Connection` names. */
function forwardedHeaders(req: IncomingMessage): Record<string, string | string[]> {
  const connection = req.headers.connection;
  // Most requests name no field, or only `keep-alive` / `close`, which are not forwarded anyway.
  const named = connection === undefined || /^\s*(keep-alive|close)\s*$/i.test(connection) ? undefined : new Set(connection.split(',').map((token) => token.trim().toLowerCase()));
  const out: Record<string, string | string[]> = {};
  for (const [name, value] of Object.entries(req.headers)) {
    if (value !== undefined && !NOT_FORWARDED.has(name) && named?.has(name) !== true) out[name] = value;
  }
  return out;
}

/**
 * Once the server stops accepting (a drain), every answer closes its connection (Connection:
 * close, as Envoy's drain does), so a keep-alive client reconnects instead of reusing it.
 */
function writeHead(res: ServerResponse, closing: () => boolean, status: number, headers: Record<string, string | string[] | undefined>): void {
  if (closing()) res.shouldKeepAlive = false;
  res.writeHead(status, headers);
}

function plain(res: ServerResponse, closing: () => boolean, status: number, text: string, headers: Record<string, string> = {}): void {
  writeHead(res, closing, status, { ...headers, 'content-type': 'text/plain' });
  res.end(text);
}

/**
 * undici's v7 handler contract over a node:http response: the mesh's status and headers (mesh
 * failures already come as Envoy-style answers with x-sidelet-response-flags), then the body,
 * pausing the upstream while the client's socket is full.
 */
class ResponseWriter implements Dispatcher.DispatchHandler {
  readonly #res: ServerResponse;
  readonly #closing: () => boolean;
  #controller: Dispatcher.DispatchController | undefined;

  constructor(res: ServerResponse, closing: () => boolean) {
    this.#res = res;
    this.#closing = closing;
  }

  /** Ends the dispatch: before the answer the mesh call is aborted (every attempt cancelled), after it the upstream body. */
  abort(reason: Error): void {
    this.#controller?.abort(reason);
  }

  onRequestStart(controller: Dispatcher.DispatchController): void {
    this.#controller = controller;
  }

  onResponseStart(_controller: Dispatcher.DispatchController, status: number, headers: Record<string, string | string[] | undefined>): void {
    writeHead(this.#res, this.#closing, status, headers);
  }

  onResponseData(controller: Dispatcher.DispatchController, chunk: Buffer): void {
    if (this.#res.write(chunk)) return;
    controller.pause();
    this.#res.once('drain', () => controller.resume());
  }

  onResponseEnd(): void {
    this.#res.end();
  }

  /**
   * Before the head: the MeshError's status and flag (a call aborted by the drain deadline), else
   * a 502 saying why; after it the client sees the connection reset, as from any proxy.
   */
  onResponseError(_controller: Dispatcher.DispatchController, error: Error): void {
    if (this.#res.destroyed) return;
    if (this.#res.headersSent) return void this.#res.destroy(error);
    if (!(error instanceof MeshError)) return plain(this.#res, this.#closing, 502, `sidelet: ${error.message}\n`);
    plain(this.#res, this.#closing, error.status, `${error.code}: ${error.message}\n`, { [RESPONSE_FLAGS_HEADER]: error.responseFlag });
  }
}

// The standalone sidecar's outbound HTTP/1.1 listener: each request received on TCP or a unix
// socket becomes one call through the mesh's dispatcher, routed by its Host header (the
// authority), and the answer is streamed back with backpressure both ways.
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

/**
 * A node:http server whose every request goes through `dispatcher` (one mesh per process). Owned
 * by the main thread, which also owns the dispatcher; the caller listens and closes it.
 */
export function createOutboundServer(dispatcher: MeshDispatcher): Server {
  const server: Server = createServer((req, res) => proxy(dispatcher, req, res, () => !server.listening));
  return server;
}

function proxy(dispatcher: MeshDispatcher, req: IncomingMessage, res: ServerResponse, closing: () => boolean): void {
  const origin = originOf(req);
  if (origin === undefined) return plain(res, closing, 400, 'sidelet: the request names no authority: send a Host header (or an absolute URI)\n');
  const abort = new AbortController();
  // The client went away before the answer ended: abort the call, which cancels every attempt.
  res.once('close', () => {
    if (!res.writableFinished) abort.abort(new Error('the client closed the connection'));
  });
  const opts = {
    origin: origin.origin,
    path: origin.path,
    method: req.method ?? 'GET',
    headers: forwardedHeaders(req),
    body: hasBody(req) ? req : undefined,
    signal: abort.signal,
    mesh: { errorsAsResponses: true },
  };
  dispatcher.dispatch(opts, new ResponseWriter(res, closing));
}

/** Origin and path from an absolute-form target (a client using the sidecar as an HTTP proxy) or from Host. */
function originOf(req: IncomingMessage): { origin: string; path: string } | undefined {
  const target = req.url ?? '/';
  if (/^http:\/\//i.test(target)) {
    const url = URL.parse(target);
    return url === null ? undefined : { origin: url.origin, path: `${url.pathname}${url.search}` };
  }
  const host = req.headers.host;
  if (host === undefined || host === '') return undefined;
  const url = URL.parse(`http://${host}${target.startsWith('/') ? target : `/${target}`}`);
  return url === null ? undefined : { origin: url.origin, path: `${url.pathname}${url.search}` };
}

/** An HTTP/1.1 request has a body when it declares a length or a transfer coding (RFC 9112 §6.3). */
function hasBody(req: IncomingMessage): boolean {
  return req.headers['content-length'] !== undefined || req.headers['transfer-encoding'] !== undefined;
}

/** Node's lower-cased headers minus hop-by-hop fields, including the ones `Connection` names. */
function forwardedHeaders(req: IncomingMessage): Record<string, string | string[]> {
  const named = new Set((req.headers.connection ?? '').split(',').map((token) => token.trim().toLowerCase()));
  const out: Record<string, string | string[]> = {};
  for (const [name, value] of Object.entries(req.headers)) {
    if (value !== undefined && !NOT_FORWARDED.has(name) && !named.has(name)) out[name] = value;
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

  constructor(res: ServerResponse, closing: () => boolean) {
    this.#res = res;
    this.#closing = closing;
  }

  onResponseStart(controller: Dispatcher.DispatchController, status: number, headers: Record<string, string | string[] | undefined>): void {
    writeHead(this.#res, this.#closing, status, headers);
    this.#res.on('drain', () => controller.resume());
  }

  onResponseData(controller: Dispatcher.DispatchController, chunk: Buffer): void {
    if (!this.#res.write(chunk)) controller.pause();
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

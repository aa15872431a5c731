// The standalone sidecar's node:http HTTP/1.1 listener: each request received on TCP or a unix
// socket becomes one call through the mesh's dispatcher, routed by its Host header (the authority)
// or, for a bound listener, by that listener's route table, and the answer is streamed back with
// backpressure both ways. It serves what the fast path (fast-http1-server.ts) hands over, and
// HTTP/1.1 beside h2c on one port.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Dispatcher } from 'undici';
import { failureAnswer, type MadeAnswer, textAnswer } from '../api/mesh-answer.ts';
import type { MeshDispatcher } from '../api/mesh-dispatcher.ts';
import { HEAD_LIMIT } from '../protocols/http1/request-head.ts';
import { connectionNamed, NO_AUTHORITY_TEXT, NOT_FORWARDED, originOf } from './listener-request.ts';

export interface ListenerRouting {
  /**
   * Route every request by this listener's table, whatever its Host (a listener bound to an
   * address, Envoy's inbound listener). Absent: the Host names the listener, as for outbound calls.
   */
  readonly listenerName?: string;
}

/**
 * A node:http server whose every request goes through `dispatcher` (one mesh per process), for a
 * front that listens in its place (the fast path's fallback; HTTP/1.1 beside h2c on one port):
 * `closing` says when the front stopped accepting, so answers close their connections. It takes
 * heads as large as the fast path does. Owned by the main thread, which also owns the dispatcher.
 */
export function createHttp1Server(dispatcher: MeshDispatcher, routing: ListenerRouting, closing: () => boolean): Server {
  return createServer({ maxHeaderSize: HEAD_LIMIT }, (req, res) => proxy(dispatcher, routing, req, res, closing));
}

function proxy(dispatcher: MeshDispatcher, routing: ListenerRouting, req: IncomingMessage, res: ServerResponse, closing: () => boolean): void {
  const origin = originOf(req.url ?? '/', req.headers.host, routing.listenerName === undefined ? undefined : req.socket);
  if (origin === undefined) return plain(res, closing, textAnswer(400, NO_AUTHORITY_TEXT));
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

/** An HTTP/1.1 request has a body when it declares a length or a transfer coding (RFC 9112 §6.3). */
function hasBody(req: IncomingMessage): boolean {
  return req.headers['content-length'] !== undefined || req.headers['transfer-encoding'] !== undefined;
}

/** Node's lower-cased headers minus hop-by-hop fields, including the ones `Connection` names. */
function forwardedHeaders(req: IncomingMessage): Record<string, string | string[]> {
  const named = connectionNamed(req.headers.connection);
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

function plain(res: ServerResponse, closing: () => boolean, answer: MadeAnswer): void {
  writeHead(res, closing, answer.status, answer.headers);
  res.end(answer.body);
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
    plain(this.#res, this.#closing, failureAnswer(error));
  }
}

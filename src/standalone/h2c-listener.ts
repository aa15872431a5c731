// The standalone sidecar's h2c listener: HTTP/2 over cleartext with prior knowledge (RFC 9113
// §3.3), each stream one call through the mesh's dispatcher, routed by :authority (or by a bound
// listener's table). Bodies stream with backpressure both ways and trailers are forwarded, so
// gRPC passes through; a mesh failure of a gRPC call is answered with a gRPC status.
import { constants, createServer, type Http2Server, type IncomingHttpHeaders, type OutgoingHttpHeaders, type ServerHttp2Session, type ServerHttp2Stream } from 'node:http2';
import type { Socket } from 'node:net';
import { PassThrough, type Readable } from 'node:stream';
import type { Dispatcher } from 'undici';
import { RESPONSE_FLAGS_HEADER } from '../api/fetch-adapter.ts';
import { HOP_BY_HOP } from '../protocols/http/headers.ts';
import type { MeshDispatcher } from '../api/mesh-dispatcher.ts';
import { MeshError } from '../core/errors.ts';
import { encodeGrpcMessage, GRPC_STATUS, grpcStatusFor, isGrpcContentType } from './grpc-status.ts';
import { createHttp1Server, type ListenerRouting } from './http-listener.ts';
import type { ListenerServer } from './listener-server.ts';
import { createSniffingServer } from './protocol-sniffing-server.ts';

export interface H2cListenerOptions extends ListenerRouting {
  /** Also take HTTP/1.1 on the same port, told apart by the HTTP/2 connection preface (Envoy's codec_type AUTO). */
  readonly allowHTTP1?: boolean;
}

/** Fields HTTP/2 forbids (RFC 9113 §8.2.2) or that belong to one hop; node:http2 refuses to send the first kind. */
const CONNECTION_SPECIFIC: ReadonlySet<string> = new Set([...HOP_BY_HOP, 'http2-settings', 'te']);

const NO_BODY_STATUSES: ReadonlySet<number> = new Set([204, 205, 304]);

/**
 * An h2c server (not listening yet) whose every stream goes through `dispatcher`. Owned by the
 * main thread, which also owns the dispatcher; the caller listens, closes and drains it.
 */
export function createH2cServer(dispatcher: MeshDispatcher, options: H2cListenerOptions = {}): ListenerServer {
  const routing: ListenerRouting = options.listenerName === undefined ? {} : { listenerName: options.listenerName };
  if (options.allowHTTP1 !== true) return http2Server(dispatcher, routing);
  const front: { server?: ListenerServer } = {};
  const http1 = createHttp1Server(dispatcher, routing, () => front.server?.listening !== true);
  front.server = createSniffingServer(http1, http2Server(dispatcher, routing));
  return front.server;
}

function http2Server(dispatcher: MeshDispatcher, routing: ListenerRouting): Http2Server & ListenerServer {
  const sessions = new Set<ServerHttp2Session>();
  const server = createServer();
  server.on('session', (session: ServerHttp2Session) => {
    sessions.add(session);
    session.once('close', () => sessions.delete(session));
  });
  server.on('stream', (stream: ServerHttp2Stream, headers: IncomingHttpHeaders) => proxy(dispatcher, routing, stream, headers));
  return Object.assign(server, {
    closeAllConnections(): void {
      for (const session of sessions) session.destroy();
    },
  });
}

function proxy(dispatcher: MeshDispatcher, routing: ListenerRouting, stream: ServerHttp2Stream, headers: IncomingHttpHeaders): void {
  // A reset or a broken connection shows as 'close' too, which aborts the call below.
  stream.on('error', () => {});
  const method = headers[':method'] ?? 'GET';
  const writer = new StreamWriter(stream, {
    grpc: isGrpcContentType(headers['content-type']),
    trailers: headers.te?.toString().toLowerCase() === 'trailers',
    head: method === 'HEAD',
  });
  const path = headers[':path'];
  const authority = headers[':authority'] ?? headers.host ?? (routing.listenerName === undefined ? undefined : localAuthority(stream.session?.socket));
  const origin = authority === undefined || authority === '' ? null : URL.parse(`http://${authority}`);
  if (method === 'CONNECT') return writer.refuse(405, 'sidelet: CONNECT is not proxied\n');
  if (origin === null) return writer.refuse(400, 'sidelet: the request names no valid :authority\n');
  if (path === undefined || !path.startsWith('/')) return writer.refuse(400, 'sidelet: the request has no :path starting with "/"\n');
  // The client reset the stream (or lost the connection) before the answer ended: abort the call.
  stream.once('close', () => {
    if (!writer.ended) writer.abort(new Error('the client reset the stream'));
  });
  dispatcher.dispatch(
    {
      origin: origin.origin,
      path,
      method,
      headers: forwardedHeaders(headers),
      body: stream.endAfterHeaders ? undefined : requestBody(stream),
      listenerName: routing.listenerName,
    },
    writer,
  );
}

/**
 * The stream's request side as a body of its own: undici destroys a request body when it is done
 * with it, and destroying the Http2Stream itself would reset the answer still to be sent.
 */
function requestBody(stream: ServerHttp2Stream): Readable {
  return stream.pipe(new PassThrough());
}

/** Every field but pseudo-headers; `te: trailers` stays (gRPC needs it, the transport passes nothing else). */
function forwardedHeaders(headers: IncomingHttpHeaders): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const [name, value] of Object.entries(headers)) if (value !== undefined && !name.startsWith(':')) out[name] = value;
  return out;
}

function localAuthority(socket: Socket | undefined): string {
  const { localAddress, localPort } = socket ?? {};
  if (localAddress === undefined || localPort === undefined) return 'localhost';
  return localAddress.includes(':') ? `[${localAddress}]:${localPort}` : `${localAddress}:${localPort}`;
}

/** Response header or trailer fields node:http2 may send: no pseudo-headers, nothing connection-specific. */
function h2Fields(fields: Record<string, string | string[] | undefined>, into: OutgoingHttpHeaders = {}): OutgoingHttpHeaders {
  for (const [name, value] of Object.entries(fields)) {
    if (value !== undefined && !name.startsWith(':') && !CONNECTION_SPECIFIC.has(name)) into[name] = value;
  }
  return into;
}

interface RequestKind {
  /** content-type application/grpc: mesh failures become gRPC statuses. */
  readonly grpc: boolean;
  /** The client sent `te: trailers`: the answer keeps its stream open for trailers. */
  readonly trailers: boolean;
  readonly head: boolean;
}

/**
 * undici's v7 handler contract over one HTTP/2 stream. The head goes out as it arrives, except a
 * gRPC trailers-only answer (grpc-status in the head), which is held and sent as one HEADERS
 * frame with END_STREAM, as gRPC clients expect. Trailers are sent after the body when the client
 * asked for them (`te: trailers`) or the head announced them (`trailer`).
 */
class StreamWriter implements Dispatcher.DispatchHandler {
  /** The answer is complete, or failed: a 'close' after this is not the client going away. */
  ended = false;
  readonly #stream: ServerHttp2Stream;
  readonly #kind: RequestKind;
  #held: OutgoingHttpHeaders | undefined;
  #trailers: OutgoingHttpHeaders = {};
  #controller: Dispatcher.DispatchController | undefined;

  constructor(stream: ServerHttp2Stream, kind: RequestKind) {
    this.#stream = stream;
    this.#kind = kind;
  }

  /** Ends the dispatch: before the answer the mesh call is aborted (every attempt cancelled), after it the upstream body. */
  abort(reason: Error): void {
    this.#controller?.abort(reason);
  }

  onRequestStart(controller: Dispatcher.DispatchController): void {
    this.#controller = controller;
  }

  onResponseStart(_controller: Dispatcher.DispatchController, status: number, headers: Record<string, string | string[] | undefined>): void {
    const head = h2Fields(headers, { [constants.HTTP2_HEADER_STATUS]: status });
    if (this.#kind.grpc && head['grpc-status'] !== undefined) {
      head['content-type'] ??= 'application/grpc';
      this.#held = head;
      return;
    }
    this.#respond(head, status);
  }

  onResponseData(controller: Dispatcher.DispatchController, chunk: Buffer): void {
    if (this.#held !== undefined) {
      const head = this.#take();
      this.#respond(head, Number(head[constants.HTTP2_HEADER_STATUS]));
    }
    if (!this.#open() || this.#stream.writableEnded || this.#stream.write(chunk)) return;
    controller.pause();
    this.#stream.once('drain', () => controller.resume());
  }

  onResponseEnd(_controller: Dispatcher.DispatchController, trailers: Record<string, string | string[] | undefined>): void {
    this.ended = true;
    if (!this.#open()) return;
    if (this.#held !== undefined) return void this.#stream.respond(h2Fields(trailers, this.#take()), { endStream: true });
    this.#trailers = h2Fields(trailers);
    if (!this.#stream.writableEnded) this.#stream.end();
  }

  /**
   * Before the head: the listener's own answer (a gRPC status for gRPC calls, else the MeshError's
   * status and flag, else a 502); after it the stream is reset, as Envoy resets a downstream stream.
   */
  onResponseError(_controller: Dispatcher.DispatchController, error: Error): void {
    this.ended = true;
    if (!this.#open()) return;
    if (this.#stream.headersSent) return void this.#stream.close(constants.NGHTTP2_INTERNAL_ERROR);
    this.#held = undefined;
    if (!(error instanceof MeshError)) return this.refuse(502, `sidelet: ${error.message}\n`);
    const flag = { [RESPONSE_FLAGS_HEADER]: error.responseFlag };
    if (this.#kind.grpc) return this.#grpcStatus(grpcStatusFor(error), `${error.code}: ${error.message}`, flag);
    this.#plain(error.status, `${error.code}: ${error.message}\n`, flag);
  }

  /** An answer from the listener itself (a request it cannot proxy). */
  refuse(status: number, text: string): void {
    this.ended = true;
    if (this.#kind.grpc) this.#grpcStatus(GRPC_STATUS.INTERNAL, text.trim(), {});
    else this.#plain(status, text, {});
  }

  #grpcStatus(code: number, message: string, extra: OutgoingHttpHeaders): void {
    const head = { [constants.HTTP2_HEADER_STATUS]: 200, 'content-type': 'application/grpc', 'grpc-status': String(code), 'grpc-message': encodeGrpcMessage(message), ...extra };
    this.#stream.respond(head, { endStream: true });
  }

  #plain(status: number, text: string, extra: OutgoingHttpHeaders): void {
    this.#stream.respond({ [constants.HTTP2_HEADER_STATUS]: status, 'content-type': 'text/plain', ...extra });
    this.#stream.end(text);
  }

  #respond(head: OutgoingHttpHeaders, status: number): void {
    if (!this.#open()) return;
    const noBody = this.#kind.head || NO_BODY_STATUSES.has(status);
    const waitForTrailers = !noBody && (this.#kind.trailers || head.trailer !== undefined);
    this.#stream.respond(head, { endStream: noBody, waitForTrailers });
    if (waitForTrailers) this.#stream.once('wantTrailers', () => this.#open() && this.#stream.sendTrailers(this.#trailers));
  }

  #take(): OutgoingHttpHeaders {
    const head = this.#held!;
    this.#held = undefined;
    return head;
  }

  #open(): boolean {
    return !this.#stream.destroyed && !this.#stream.closed;
  }
}

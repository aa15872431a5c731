// One request on sidelet run's HTTP/1.1 fast path: the mesh request built from the parsed head,
// the call made straight to the mesh (no undici Dispatcher in between), and its answer written to
// the client's socket, as the node:http listener and the dispatcher together would answer it.
import type { IncomingHttpHeaders } from 'node:http';
import type { Socket } from 'node:net';
import { Readable } from 'node:stream';
import type { MeshCallOptions } from '../api/fetch-adapter.ts';
import { failureAnswer, localAnswer, type MadeAnswer, meshErrorAnswer, textAnswer } from '../api/mesh-answer.ts';
import type { DirectCalls, RunningCall } from '../api/mesh-dispatcher.ts';
import { CallAbort } from '../core/call-signal.ts';
import type { MeshRequest, PipelineResult } from '../core/call/request-pipeline.ts';
import { MeshError } from '../core/errors.ts';
import type { RequestHead } from '../protocols/http1/request-head.ts';
import { type BodyReader, type DirectBody, readsDirectly } from '../protocols/http/response-body.ts';
import { AnswerWriter } from './answer-writer.ts';
import { responseHead } from './fast-http1-response.ts';
import type { ListenerRouting } from './http-listener.ts';
import { connectionNamed, NEVER_FORWARDED, NO_AUTHORITY_TEXT, originOf } from './listener-request.ts';

/** What an exchange needs of its connection and server. Owned by the main thread, as the socket is. */
export interface ExchangeHost {
  readonly socket: Socket;
  readonly direct: DirectCalls;
  readonly routing: ListenerRouting;
  /** The server stopped accepting (a drain): answers close their connections. */
  closing(): boolean;
  /** ms an idle connection is kept, advertised in `Keep-Alive: timeout=`. */
  readonly keepAliveTimeout: number;
  /** The answer is written (or failed): the next request, or the connection's end when `keepAlive` is false. */
  done(keepAlive: boolean): void;
}


/** Per-call options of every listener request: mesh failures as Envoy-style answers. */
const ERRORS_AS_RESPONSES: MeshCallOptions = Object.freeze({ errorsAsResponses: true });

/** node:http's rule, kept for the same answers: an HTTP/1.0 client that lists `chunked` in TE is sent chunked bodies. */
const TE_CHUNKED = /(?:^|\W)chunked(?:$|\W)/i;

/**
 * `calling` until the mesh answers, `streaming` once the head is written, `done` after the last
 * byte (or the failure). Settles once: a late answer after an abort only has its body dropped.
 */
type State = 'calling' | 'streaming' | 'done';

export class FastExchange implements RunningCall, BodyReader {
  readonly #host: ExchangeHost;
  readonly #head: RequestHead;
  /** The client takes chunked bodies. */
  readonly #chunked: boolean;
  readonly #abort = new CallAbort();
  #state: State = 'calling';
  /** Counted among the dispatcher's calls (begin() accepted it). */
  #counted = false;
  readonly #writer: AnswerWriter;
  #keepAlive = false;
  #body: Readable | undefined;
  /** The body is a DirectBody read with this exchange as its BodyReader. */
  #direct = false;
  /** The body was paused for a full socket. */
  #paused = false;

  constructor(host: ExchangeHost, head: RequestHead) {
    this.#host = host;
    this.#head = head;
    this.#writer = new AnswerWriter(host.socket);
    this.#chunked = head.version === 11 || TE_CHUNKED.test(head.headers.get('te') ?? '');
  }

  /** Routes the request and starts its call; `body` is the whole request body (a Content-Length was sent) or undefined. */
  start(body: Buffer | undefined): void {
    const host = this.#host;
    const head = this.#head;
    const bound = host.routing.listenerName;
    const origin = originOf(head.target, head.headers.get('host'), bound === undefined ? undefined : host.socket);
    if (origin === undefined) return this.#made(textAnswer(400, NO_AUTHORITY_TEXT));
    const refused = host.direct.begin(this);
    if (refused !== undefined) return this.#made(failureAnswer(refused));
    this.#counted = true;
    let answer: Promise<PipelineResult>;
    try {
      const resolved = host.direct.origins.get(origin.origin);
      const request: MeshRequest = {
        listenerName: bound ?? resolved.listenerName,
        authority: resolved.authority,
        path: origin.path,
        method: head.method,
        headers: forwarded(head.headers),
        bodyReplayable: true,
        signal: this.#abort,
        overrides: ERRORS_AS_RESPONSES,
      };
      answer = host.direct.call(request, body);
    } catch (error) {
      return this.#failed(error);
    }
    answer.then(
      (result) => this.#answer(result),
      (error: unknown) => this.#failed(error),
    );
  }

  /**
   * RunningCall (the dispatcher's destroy() at the drain deadline): before the head the call is
   * aborted and answered with `reason` (a MeshError's status and flag); after it the client's
   * connection is reset, as from any proxy.
   */
  abort(reason: Error): void {
    if (this.#state === 'done' || this.#abort.aborted) return;
    this.#abort.abort(reason);
    if (this.#state === 'calling') return this.#made(failureAnswer(reason));
    this.#broken();
  }

  /** The client closed the connection before the answer ended: the call is aborted (every attempt cancelled) or the upstream body dropped. */
  clientGone(): void {
    if (this.#state === 'done') return;
    this.#abort.abort(new Error('the client closed the connection'));
    this.#settle();
    this.#body?.destroy();
  }

  /** The client's socket drained: the body flows again. */
  onDrain(): void {
    if (!this.#paused || this.#state !== 'streaming') return;
    this.#paused = false;
    if (this.#direct) (this.#body as DirectBody).resumeReader();
    else this.#body?.resume();
  }

  /** BodyReader: a chunk of a DirectBody; false holds the next ones back until the socket drains. */
  onData(chunk: Buffer): boolean {
    if (this.#state !== 'streaming') return false;
    if (this.#writer.body(chunk)) return true;
    this.#paused = true;
    return false;
  }

  /** BodyReader: the DirectBody ended (its trailers are not forwarded over HTTP/1.1, as node:http's listener does not). */
  onEnd(): void {
    this.#finish();
  }

  /** BodyReader: the DirectBody failed or was destroyed. */
  onError(): void {
    this.#broken();
  }

  #answer(result: PipelineResult): void {
    if (result.kind === 'local') {
      if (this.#state === 'done') return;
      return this.#made(localAnswer(result, this.#head.method === 'HEAD'));
    }
    const { response } = result.call;
    const body = response.body instanceof Readable ? response.body : undefined;
    if (this.#state === 'done') return void body?.destroy();
    // The head and whatever of the body is here already leave in one write.
    this.#writer.hold();
    try {
      this.#writeHead(response.status, response.headers);
      if (body === undefined) return this.#finish();
      this.#body = body;
      if (readsDirectly(body) && body.readWith(this)) this.#direct = true;
      else this.#listen(body);
    } catch (error) {
      // A head node:http would refuse to write (it throws): the dispatcher then answers 502.
      if (this.#state === 'calling') this.#made(failureAnswer(error as Error));
      else this.#broken();
    } finally {
      this.#writer.flush();
    }
  }

  /** A rejected call: a MeshError as its Envoy-style answer, anything else a 502. */
  #failed(error: unknown): void {
    if (this.#state === 'done') return;
    this.#made(error instanceof MeshError ? meshErrorAnswer(error) : failureAnswer(error as Error));
  }

  /** An answer made whole in memory, head and body in one write. */
  #made(answer: MadeAnswer): void {
    this.#writer.hold();
    this.#writeHead(answer.status, answer.headers);
    if (answer.body !== undefined) this.#writer.body(answer.body);
    this.#finish();
  }

  #writeHead(status: number, headers: ReadonlyMap<string, string> | IncomingHttpHeaders): void {
    const host = this.#host;
    const head = this.#head;
    const keepAlive = !head.connectionClose && !host.closing();
    const out = responseHead(status, headers, { chunked: this.#chunked, headOnly: head.method === 'HEAD', keepAlive, keepAliveTimeout: host.keepAliveTimeout });
    this.#writer.framing = out.framing;
    this.#keepAlive = out.keepAlive;
    this.#state = 'streaming';
    this.#writer.head(out.text);
  }

  /** A Readable body (worker mode's, a local stream) through its events, paused while the socket is full. */
  #listen(body: Readable): void {
    body.on('data', (chunk: Buffer) => {
      if (!this.onData(chunk)) body.pause();
    });
    body.once('end', () => this.#finish());
    body.once('error', () => this.#broken());
    body.once('close', () => {
      if (this.#state !== 'done') this.#broken();
    });
  }

  #finish(): void {
    if (this.#state === 'done') return;
    this.#writer.end();
    // Written before the connection moves on: the next answer (of a pipelined request) comes after it.
    this.#writer.flush();
    this.#settle();
    this.#host.done(this.#keepAlive);
  }

  /** The answer cannot be completed (the body failed mid-way, or the drain deadline cut it): the client's connection is reset. */
  #broken(): void {
    if (this.#state === 'done') return;
    this.#settle();
    this.#body?.destroy();
    this.#host.socket.destroy();
  }

  #settle(): void {
    this.#state = 'done';
    if (this.#counted) this.#host.direct.end(this);
  }
}


/** The parsed fields minus hop-by-hop ones and the ones Connection names; the map is the exchange's own, changed in place. */
function forwarded(headers: Map<string, string>): Map<string, string> {
  const named = connectionNamed(headers.get('connection'));
  for (const name of headers.keys()) if (NEVER_FORWARDED.has(name) || named?.has(name) === true) headers.delete(name);
  return headers;
}

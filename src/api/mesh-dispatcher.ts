// mesh.dispatcher(): an undici Dispatcher whose requests go through the mesh, so
// `setGlobalDispatcher(mesh.dispatcher())` routes an unmodified app's fetch() and undici.request().
// Each dispatch is one mesh call, driving undici's v7 handler contract with backpressure both ways.
import { type IncomingHttpHeaders, STATUS_CODES } from 'node:http';
import { Readable } from 'node:stream';
import { Dispatcher, errors } from 'undici';
import type { Bootstrap } from '../config/bootstrap.ts';
import { CallAbort } from '../core/call-signal.ts';
import type { MeshRequest, PipelineResult } from '../core/call/request-pipeline.ts';
import { MeshError } from '../core/errors.ts';
import type { RequestBody } from '../protocols/http/http-transport.ts';
import { type BodyReader, type DirectBody, readsDirectly } from '../protocols/http/response-body.ts';
import { type DispatchRequest, type MeshDispatchOptions, OriginCache, toDispatchRequest } from './dispatch-request.ts';
import { asDispatchHandler } from './legacy-handler.ts';
import { localAnswer, meshErrorAnswer, upstreamHeaders } from './mesh-answer.ts';

/** One request through the mesh: resolves with the answer, rejects with a MeshError or the abort reason. */
export type MeshCall = (request: MeshRequest, body: RequestBody | undefined) => Promise<PipelineResult>;

/** A call running through the dispatcher; destroy() aborts it with its error. */
export interface RunningCall {
  abort(reason: Error): void;
}

/**
 * The dispatcher's mesh for a server that builds its requests and writes its answers itself
 * (sidelet run's HTTP/1.1 fast path, docs/standalone-http1-fast-path.md), with the same origin
 * cache, and counted among the dispatcher's calls so that its close() waits for them and its
 * destroy() aborts them, as for dispatched ones.
 */
export interface DirectCalls {
  readonly call: MeshCall;
  readonly origins: OriginCache;
  /**
   * Counts `exchange` as running until `end(exchange)`. Returns undici's ClientClosedError
   * (ClientDestroyedError after destroy()) instead, counting nothing, once the dispatcher is closed.
   */
  begin(exchange: RunningCall): Error | undefined;
  end(exchange: RunningCall): void;
}

export interface MeshDispatcherOptions {
  readonly bootstrap: Bootstrap;
  readonly call: MeshCall;
}

type BodyWithTrailers = Readable & { readonly trailers?: ReadonlyMap<string, string> | undefined };

/**
 * A handler that throws once the dispatch has settled has no one left to tell: the error is
 * thrown again on its own (an uncaught exception, as from a stream event), never into the
 * upstream's parser that delivered the body.
 */
function rethrow(error: unknown): void {
  queueMicrotask(() => {
    throw error;
  });
}

/**
 * Owned by the thread that made the mesh (inline mode runs the core there); dispatch, close and
 * destroy are called on that thread, as undici calls any Dispatcher. `close()` and `destroy()`
 * end this dispatcher's use of the mesh (its calls), never the mesh: `mesh.close()` does that.
 */
export class MeshDispatcher extends Dispatcher {
  readonly #options: MeshDispatcherOptions;
  readonly #origins: OriginCache;
  readonly #running = new Set<RunningCall>();
  readonly #idle: (() => void)[] = [];
  readonly #ended = (run: RunningCall): void => {
    this.#running.delete(run);
    if (this.#running.size === 0 && this.#idle.length > 0) for (const resolve of this.#idle.splice(0)) resolve();
  };

  #closed = false;
  #destroyed = false;

  constructor(options: MeshDispatcherOptions) {
    super();
    this.#options = options;
    this.#origins = new OriginCache(options.bootstrap);
  }

  get closed(): boolean {
    return this.#closed;
  }

  get destroyed(): boolean {
    return this.#destroyed;
  }

  /** The mesh without the undici contract in between, for a server of the same thread (see DirectCalls). */
  get direct(): DirectCalls {
    return {
      call: this.#options.call,
      origins: this.#origins,
      begin: (exchange) => {
        if (this.#closed) return this.#destroyed ? new errors.ClientDestroyedError() : new errors.ClientClosedError();
        this.#running.add(exchange);
        return undefined;
      },
      end: this.#ended,
    };
  }

  /** Starts the call and returns true (the mesh queues for itself: never busy in undici's sense). */
  override dispatch(opts: MeshDispatchOptions, handler: Dispatcher.DispatchHandler): boolean {
    const run = new DispatchRun(asDispatchHandler(handler), this.#ended);
    if (this.#closed) {
      run.reject(this.#destroyed ? new errors.ClientDestroyedError() : new errors.ClientClosedError());
      return false;
    }
    this.#running.add(run);
    run.start(opts, this.#origins, this.#options.call);
    return true;
  }

  /** Takes no more requests; resolves when the ones running have ended. */
  override close(): Promise<void>;
  override close(callback: () => void): void;
  override close(callback?: () => void): Promise<void> | void {
    this.#closed = true;
    const idle = this.#running.size === 0 ? Promise.resolve() : new Promise<void>((resolve) => this.#idle.push(resolve));
    if (callback === undefined) return idle;
    void idle.then(callback);
  }

  /** Takes no more requests and aborts the running ones with `error` (undici's ClientDestroyedError by default). */
  override destroy(): Promise<void>;
  override destroy(error: Error | null): Promise<void>;
  override destroy(callback: () => void): void;
  override destroy(error: Error | null, callback: () => void): void;
  override destroy(errorOrCallback?: Error | null | (() => void), callback?: () => void): Promise<void> | void {
    const done = typeof errorOrCallback === 'function' ? errorOrCallback : callback;
    const error = (typeof errorOrCallback === 'function' ? undefined : errorOrCallback) ?? new errors.ClientDestroyedError();
    this.#closed = true;
    this.#destroyed = true;
    for (const run of [...this.#running]) run.abort(error);
    const idle = this.close();
    if (done === undefined) return idle;
    void idle.then(done);
  }
}

/**
 * One dispatch, and the controller its handler sees. Settles once: onResponseEnd or
 * onResponseError, never both, nothing after. Aborting before the answer aborts the mesh call
 * (every attempt is cancelled); after it, destroys the body, which resets the upstream request.
 *
 * The answer's body reaches the handler one of two ways: a body with `readWith` (HttpResponseBody,
 * inline mode's upstream answers) read by the run itself as its BodyReader, with no stream events
 * in between; any other Readable with `trailers` (worker mode's, local answers) through its events.
 */
class DispatchRun implements Dispatcher.DispatchController, BodyReader {
  readonly #handler: Dispatcher.DispatchHandler;
  readonly #onEnd: (run: RunningCall) => void;
  readonly #abort = new CallAbort();
  #paused = false;
  #settled = false;
  #body: BodyWithTrailers | undefined;
  /** The body is a DirectBody, read with this run as its BodyReader. */
  #reading = false;
  #errorsAsResponses = false;
  #headOnly = false;
  #unwatch: (() => void) | undefined;

  constructor(handler: Dispatcher.DispatchHandler, onEnd: (run: RunningCall) => void) {
    this.#handler = handler;
    this.#onEnd = onEnd;
  }

  get aborted(): boolean {
    return this.#abort.aborted;
  }

  get paused(): boolean {
    return this.#paused;
  }

  get reason(): Error | null {
    return this.aborted ? (this.#abort.reason as Error) : null;
  }

  abort(reason: Error): void {
    if (this.#settled || this.aborted) return;
    this.#abort.abort(reason);
    this.reject(reason);
  }

  pause(): void {
    this.#paused = true;
    if (this.#reading) (this.#body as DirectBody).pauseReader();
    else this.#body?.pause();
  }

  resume(): void {
    this.#paused = false;
    if (this.#settled) return;
    if (this.#reading) (this.#body as DirectBody).resumeReader();
    else this.#body?.resume();
  }

  /** Starts the call; a body already in memory lets it start in this turn. */
  start(opts: MeshDispatchOptions, origins: OriginCache, call: MeshCall): void {
    this.#errorsAsResponses = opts.mesh?.errorsAsResponses === true;
    this.#headOnly = opts.method === 'HEAD';
    let prepared: DispatchRequest | Promise<DispatchRequest>;
    try {
      this.#handler.onRequestStart?.(this, {});
      this.#watch(opts.signal);
      if (this.#settled) return;
      prepared = toDispatchRequest(opts, origins, this.#abort);
    } catch (error) {
      return this.reject(error as Error);
    }
    if (prepared instanceof Promise) prepared.then((ready) => this.#call(ready, call), (error: unknown) => this.#failed(error));
    else this.#call(prepared, call);
  }

  /** BodyReader: a chunk of a DirectBody; false holds the next ones back (the handler paused). */
  onData(chunk: Buffer): boolean {
    return this.#data(chunk);
  }

  /** BodyReader: the DirectBody ended. */
  onEnd(trailers: ReadonlyMap<string, string>): void {
    this.#end(trailers);
  }

  /** BodyReader: the DirectBody failed or was destroyed. */
  onError(error: Error): void {
    this.reject(this.reason ?? error);
  }

  /** Ends the dispatch with an error (once); the body, if any, is dropped. */
  reject(error: Error): void {
    if (this.#settled) return;
    this.#settle();
    this.#body?.destroy();
    try {
      this.#handler.onResponseError?.(this, error);
    } catch (thrown) {
      rethrow(thrown);
    }
  }

  #call({ request, body }: DispatchRequest, call: MeshCall): void {
    if (this.#settled) return;
    let answer: Promise<PipelineResult>;
    try {
      answer = call(request, body);
    } catch (error) {
      return this.#failed(error);
    }
    answer.then((result) => this.#answer(result), (error: unknown) => this.#failed(error));
  }

  #answer(result: PipelineResult): void {
    try {
      this.#respond(result);
    } catch (error) {
      this.reject(error as Error);
    }
  }

  #failed(error: unknown): void {
    if (this.#settled) return;
    if (error instanceof MeshError && this.#errorsAsResponses) {
      const answer = meshErrorAnswer(error);
      return this.#stream(answer.status, answer.headers, Readable.from([answer.body!]));
    }
    this.reject(this.reason ?? (error as Error));
  }

  #respond(result: PipelineResult): void {
    if (result.kind === 'local') {
      if (this.#settled) return;
      const answer = localAnswer(result, this.#headOnly);
      return this.#stream(answer.status, answer.headers, Readable.from(answer.body === undefined ? [] : [answer.body]));
    }
    const { response } = result.call;
    const body = response.body instanceof Readable ? (response.body as BodyWithTrailers) : undefined;
    if (this.#settled) return void body?.destroy();
    const headers = upstreamHeaders(response.headers);
    if (body !== undefined && readsDirectly(body)) return this.#read(response.status, headers, body);
    this.#stream(response.status, headers, body ?? Readable.from([]));
  }

  /** Calls onResponseStart; false when the dispatch settled meanwhile (the handler aborted or threw). */
  #start(status: number, headers: IncomingHttpHeaders): boolean {
    try {
      this.#handler.onResponseStart?.(this, status, headers, STATUS_CODES[status] ?? '');
    } catch (error) {
      this.abort(error as Error);
    }
    return !this.#settled;
  }

  /** Runs onResponseData; false when the handler paused, aborted or threw. */
  #data(chunk: Buffer): boolean {
    try {
      this.#handler.onResponseData?.(this, chunk);
    } catch (error) {
      this.abort(error as Error);
    }
    return !this.#settled && !this.#paused;
  }

  #end(trailers: ReadonlyMap<string, string> | undefined): void {
    if (this.#settled) return;
    this.#settle();
    const record: IncomingHttpHeaders = {};
    if (trailers !== undefined) for (const [name, value] of trailers) record[name] = value;
    try {
      this.#handler.onResponseEnd?.(this, record);
    } catch (error) {
      rethrow(error);
    }
  }

  /** The fast path: the body's chunks straight to the handler, paused while the handler is. */
  #read(status: number, headers: IncomingHttpHeaders, body: DirectBody): void {
    this.#body = body;
    this.#reading = true;
    if (this.#paused) body.pauseReader();
    if (!this.#start(status, headers)) return;
    if (body.readWith(this)) return;
    this.#reading = false;
    this.#listen(body);
  }

  /** Streams a Readable answer to the handler, pausing it (and so its source) while the handler is paused. */
  #stream(status: number, headers: IncomingHttpHeaders, body: BodyWithTrailers): void {
    this.#body = body;
    if (!this.#start(status, headers)) return;
    this.#listen(body);
  }

  #listen(body: BodyWithTrailers): void {
    body.on('data', (chunk: Buffer) => {
      if (!this.#data(chunk) && !this.#settled) body.pause();
    });
    body.once('end', () => this.#end(body.trailers));
    body.once('error', (error) => this.reject(this.reason ?? error));
    body.once('close', () => {
      if (!this.#settled) this.reject(this.reason ?? new errors.RequestAbortedError('the response body closed before its end'));
    });
    if (this.#paused) body.pause();
  }

  /** undici's `signal` option: an AbortSignal or an EventEmitter that emits 'abort'. */
  #watch(signal: MeshDispatchOptions['signal']): void {
    if (signal === null || signal === undefined) return;
    const onAbort = (): void => this.abort(('reason' in signal ? (signal.reason as Error | undefined) : undefined) ?? new errors.RequestAbortedError());
    if ('aborted' in signal && signal.aborted) return onAbort();
    if ('addEventListener' in signal) {
      signal.addEventListener('abort', onAbort, { once: true });
      this.#unwatch = () => signal.removeEventListener('abort', onAbort);
    } else {
      signal.once('abort', onAbort);
      this.#unwatch = () => signal.off('abort', onAbort);
    }
  }

  #settle(): void {
    this.#settled = true;
    this.#unwatch?.();
    this.#onEnd(this);
  }
}

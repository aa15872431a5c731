// mesh.dispatcher(): an undici Dispatcher whose requests go through the mesh, so
// `setGlobalDispatcher(mesh.dispatcher())` routes an unmodified app's fetch() and undici.request().
// Each dispatch is one mesh call, driving undici's v7 handler contract with backpressure both ways.
import { type IncomingHttpHeaders, STATUS_CODES } from 'node:http';
import { Readable } from 'node:stream';
import { Dispatcher, errors } from 'undici';
import type { Bootstrap } from '../config/bootstrap.ts';
import type { MeshRequest, PipelineResult } from '../core/call/request-pipeline.ts';
import { MeshError } from '../core/errors.ts';
import type { RequestBody } from '../protocols/http/http-transport.ts';
import { type MeshDispatchOptions, toDispatchRequest } from './dispatch-request.ts';
import { RESPONSE_FLAGS_HEADER } from './fetch-adapter.ts';
import { asDispatchHandler } from './legacy-handler.ts';
import { HOP_BY_HOP } from './request-origin.ts';

/** One request through the mesh: resolves with the answer, rejects with a MeshError or the abort reason. */
export type MeshCall = (request: MeshRequest, body: RequestBody | undefined) => Promise<PipelineResult>;

export interface MeshDispatcherOptions {
  readonly bootstrap: Bootstrap;
  readonly call: MeshCall;
}

const NULL_BODY_STATUSES = new Set([101, 204, 205, 304]);

/**
 * Owned by the thread that made the mesh (inline mode runs the core there); dispatch, close and
 * destroy are called on that thread, as undici calls any Dispatcher. `close()` and `destroy()`
 * end this dispatcher's use of the mesh (its calls), never the mesh: `mesh.close()` does that.
 */
export class MeshDispatcher extends Dispatcher {
  readonly #options: MeshDispatcherOptions;
  readonly #running = new Set<DispatchRun>();
  readonly #idle: (() => void)[] = [];
  #closed = false;
  #destroyed = false;

  constructor(options: MeshDispatcherOptions) {
    super();
    this.#options = options;
  }

  get closed(): boolean {
    return this.#closed;
  }

  get destroyed(): boolean {
    return this.#destroyed;
  }

  /** Starts the call and returns true (the mesh queues for itself: never busy in undici's sense). */
  override dispatch(opts: MeshDispatchOptions, handler: Dispatcher.DispatchHandler): boolean {
    const run = new DispatchRun(asDispatchHandler(handler), () => this.#ended(run));
    if (this.#closed) {
      run.reject(this.#destroyed ? new errors.ClientDestroyedError() : new errors.ClientClosedError());
      return false;
    }
    this.#running.add(run);
    run.start(opts, this.#options);
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

  #ended(run: DispatchRun): void {
    this.#running.delete(run);
    if (this.#running.size === 0) for (const resolve of this.#idle.splice(0)) resolve();
  }
}

/**
 * One dispatch, and the controller its handler sees. Settles once: onResponseEnd or
 * onResponseError, never both, nothing after. Aborting before the answer aborts the mesh call
 * (every attempt is cancelled); after it, destroys the body, which resets the upstream request.
 */
class DispatchRun implements Dispatcher.DispatchController {
  readonly #handler: Dispatcher.DispatchHandler;
  readonly #onEnd: () => void;
  readonly #abort = new AbortController();
  #paused = false;
  #settled = false;
  #body: Readable | undefined;
  #unwatch: (() => void) | undefined;

  constructor(handler: Dispatcher.DispatchHandler, onEnd: () => void) {
    this.#handler = handler;
    this.#onEnd = onEnd;
  }

  get aborted(): boolean {
    return this.#abort.signal.aborted;
  }

  get paused(): boolean {
    return this.#paused;
  }

  get reason(): Error | null {
    return this.aborted ? (this.#abort.signal.reason as Error) : null;
  }

  abort(reason: Error): void {
    if (this.#settled || this.aborted) return;
    this.#abort.abort(reason);
    this.reject(reason);
  }

  pause(): void {
    this.#paused = true;
    this.#body?.pause();
  }

  resume(): void {
    this.#paused = false;
    if (!this.#settled) this.#body?.resume();
  }

  start(opts: MeshDispatchOptions, options: MeshDispatcherOptions): void {
    this.#run(opts, options).catch((error: unknown) => this.reject(error as Error));
  }

  /** Ends the dispatch with an error (once); the body, if any, is dropped. */
  reject(error: Error): void {
    if (this.#settled) return;
    this.#settle();
    this.#body?.destroy();
    this.#handler.onResponseError?.(this, error);
  }

  async #run(opts: MeshDispatchOptions, { bootstrap, call }: MeshDispatcherOptions): Promise<void> {
    this.#handler.onRequestStart?.(this, {});
    this.#watch(opts.signal);
    if (this.#settled) return;
    let result: PipelineResult;
    try {
      const { request, body } = await toDispatchRequest(opts, bootstrap, this.#abort.signal);
      result = await call(request, body);
    } catch (error) {
      if (error instanceof MeshError && opts.mesh?.errorsAsResponses && !this.#settled) {
        const headers = { [RESPONSE_FLAGS_HEADER]: error.responseFlag, 'content-type': 'text/plain' };
        return this.#respond(error.status, headers, Readable.from([Buffer.from(`${error.code}: ${error.message}`)]));
      }
      return this.reject(this.reason ?? (error as Error));
    }
    if (result.kind === 'local') {
      const headers: IncomingHttpHeaders = result.responseFlag === undefined ? {} : { [RESPONSE_FLAGS_HEADER]: result.responseFlag };
      if (result.grpcStatus !== undefined) headers['grpc-status'] = String(result.grpcStatus);
      const noBody = NULL_BODY_STATUSES.has(result.status) || opts.method === 'HEAD' || result.body === undefined;
      return this.#respond(result.status, headers, Readable.from(noBody ? [] : [Buffer.from(result.body ?? '')]));
    }
    const { response } = result.call;
    const body = response.body instanceof Readable ? response.body : Readable.from([]);
    if (this.#settled) return void body.destroy();
    const headers: IncomingHttpHeaders = {};
    for (const [name, value] of response.headers) if (!HOP_BY_HOP.has(name)) headers[name] = value;
    this.#respond(response.status, headers, body);
  }

  /** Streams the answer to the handler, pausing the body (and so the upstream) while the handler is paused. */
  #respond(status: number, headers: IncomingHttpHeaders, body: Readable): void {
    this.#body = body;
    if (this.#settled) return void body.destroy();
    if (!this.#call(() => this.#handler.onResponseStart?.(this, status, headers, STATUS_CODES[status] ?? ''))) return;
    body.on('data', (chunk: Buffer) => {
      if (this.#call(() => this.#handler.onResponseData?.(this, chunk)) && this.#paused) body.pause();
    });
    body.once('end', () => {
      if (this.#settled) return;
      this.#settle();
      const trailers = (body as Readable & { trailers?: ReadonlyMap<string, string> }).trailers;
      this.#handler.onResponseEnd?.(this, trailers === undefined ? {} : Object.fromEntries(trailers));
    });
    body.once('error', (error) => this.reject(this.reason ?? error));
    body.once('close', () => this.reject(this.reason ?? new errors.RequestAbortedError('the response body closed before its end')));
    if (this.#paused) body.pause();
  }

  /** Runs a handler callback; one that throws aborts the request with its error (as undici does). False once settled. */
  #call(callback: () => void): boolean {
    try {
      callback();
    } catch (error) {
      this.abort(error as Error);
    }
    return !this.#settled;
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
    this.#onEnd();
  }
}

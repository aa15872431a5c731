// One attempt on the wire: the undici dispatch handler (onRequestStart … onResponseEnd with a
// controller) that turns undici's callbacks into the core's AttemptHandler calls, feeds the
// response body with backpressure, reports byte progress (for idle timeouts), and aborts the
// request on cancel.
import type { IncomingHttpHeaders } from 'node:http';
import type { Dispatcher } from 'undici';
import type { AttemptControl, AttemptHandler } from '../../core/call/transport.ts';
import { failureDetail, failureKind } from './failure-kind.ts';
import { grpcStatusOf, headerMap, trailerMap } from './headers.ts';
import { type BodySource, HttpResponseBody } from './response-body.ts';

type Controller = Dispatcher.DispatchController;

/**
 * Owned by the thread that called `send`; undici calls it on that thread. The core's handler
 * answers at most once and hears nothing after `cancel()`; `onFinish` runs once, when undici is
 * done with the request (answered in full, failed, or aborted), so the pool's accounting stays exact.
 */
export class HttpAttempt implements Dispatcher.DispatchHandler, AttemptControl, BodySource {
  /** Until the answer (head or failure). */
  #handler: AttemptHandler | undefined;
  /** Until the exchange ends or is cancelled: told of progress and of the body's end. */
  #progress: AttemptHandler | undefined;
  readonly #onFinish: () => void;
  #controller: Controller | undefined;
  #body: HttpResponseBody | undefined;
  #abortReason: Error | undefined;
  #finished = false;
  /**
   * False over HTTP/2: undici's client-h2 (7.x, since nodejs/undici#4845) completes a request at
   * the stream's 'trailers' event and drops the DATA still buffered in a paused stream, which
   * truncates any response with trailers read slower than it arrives (a gRPC server stream).
   * The body then buffers what arrives instead of pausing undici.
   */
  readonly #pauseUpstream: boolean;

  constructor(handler: AttemptHandler, onFinish: () => void, pauseUpstream = true) {
    this.#pauseUpstream = pauseUpstream;
    this.#handler = handler;
    this.#progress = handler;
    this.#onFinish = onFinish;
  }

  /** With a `reason` (an idle timeout after the head), a body still arriving fails with it. */
  cancel(reason?: Error): void {
    this.#handler = undefined;
    this.#progress = undefined;
    if (reason !== undefined && !this.#finished) this.#body?.destroy(reason);
    this.#abort(reason ?? new Error('attempt cancelled'));
    this.#body?.destroy();
  }

  /** The body is read to its end and dropped (its errors too): the connection goes back to the pool. */
  discard(): void {
    const body = this.#body;
    if (body === undefined) return this.cancel();
    this.#handler = undefined;
    this.#progress = undefined;
    body.on('error', () => {});
    body.resume();
  }

  /** BodySource: the body's reader wants more. */
  resume(): void {
    this.#controller?.resume();
  }

  /** BodySource: the reader dropped the body before its end. */
  abort(reason: Error): void {
    this.#abort(reason);
  }

  /** A chunk of a streamed request body went out (the transport's body tap calls it). */
  requestProgress(): void {
    this.#progress?.onProgress?.();
  }

  onRequestStart(controller: Controller): void {
    this.#controller = controller;
    // A request cancelled while it waited in the pool's queue is aborted as soon as undici starts it.
    if (this.#abortReason !== undefined) return controller.abort(this.#abortReason);
    // A connection took the request: its head (and a buffered body) goes out now.
    this.#progress?.onProgress?.();
  }

  /**
   * Heads come as objects from undici, as maps (lower-cased, lists joined) from sidelet's HTTP/1.1
   * client, which also says when the whole body came with the head (undici never does).
   */
  onResponseStart(controller: Controller, statusCode: number, rawHeaders: IncomingHttpHeaders | ReadonlyMap<string, string>, _statusMessage?: string, bodyInHand = false): void {
    if (this.#abortReason !== undefined) return;
    // 1xx informational heads are not the answer (RFC 9110 §15.2), but they are progress.
    if (statusCode < 200) return this.#progress?.onProgress?.();
    const handler = this.#handler;
    this.#handler = undefined;
    const headers = rawHeaders instanceof Map ? (rawHeaders as ReadonlyMap<string, string>) : headerMap(rawHeaders as IncomingHttpHeaders);
    this.#body = new HttpResponseBody(this);
    handler?.onResponse({ status: statusCode, headers, grpcStatus: grpcStatusOf(headers), body: this.#body, streaming: true, bodyInHand });
  }

  onResponseData(controller: Controller, chunk: Buffer): void {
    this.#progress?.onProgress?.();
    if (this.#body !== undefined && !this.#body.push(chunk) && this.#pauseUpstream) controller.pause();
  }

  onResponseEnd(controller: Controller, trailers: IncomingHttpHeaders | ReadonlyMap<string, string>): void {
    this.#finish();
    if (this.#body === undefined) return;
    this.#body.trailers = trailers instanceof Map ? (trailers as ReadonlyMap<string, string>) : trailerMap(trailers as IncomingHttpHeaders, controller.rawTrailers);
    this.#body.push(null);
  }

  onResponseError(_controller: Controller | undefined, error: Error): void {
    this.#finish();
    if (this.#body !== undefined) {
      // Our own abort (cancel, or the reader dropped the body) ends the body quietly.
      if (this.#abortReason !== undefined) this.#body.destroy();
      else this.#body.destroy(error);
      return;
    }
    const handler = this.#handler;
    this.#handler = undefined;
    handler?.onFailure(failureKind(error), failureDetail(error));
  }

  /** Aborts the request once: at once when undici has started it, else when it does. */
  #abort(reason: Error): void {
    if (this.#finished || this.#abortReason !== undefined) return;
    this.#abortReason = reason;
    this.#controller?.abort(reason);
  }

  #finish(): void {
    if (this.#finished) return;
    this.#finished = true;
    this.#onFinish();
    const progress = this.#progress;
    this.#progress = undefined;
    if (this.#body !== undefined) progress?.onStreamEnd?.();
  }
}

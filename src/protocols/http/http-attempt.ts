// One attempt on the wire: the undici dispatch handler (onRequestStart … onResponseEnd with a
// controller) that turns undici's callbacks into the core's AttemptHandler calls, feeds the
// response body with backpressure, and aborts the request on cancel.
import type { IncomingHttpHeaders } from 'node:http';
import type { Dispatcher } from 'undici';
import type { AttemptControl, AttemptHandler } from '../../core/call/transport.ts';
import { failureDetail, failureKind } from './failure-kind.ts';
import { grpcStatusOf, headerMap, trailerMap } from './headers.ts';
import { HttpResponseBody } from './response-body.ts';

type Controller = Dispatcher.DispatchController;

/**
 * Owned by the thread that called `send`; undici calls it on that thread. The core's handler is
 * called at most once and never after `cancel()`; `onFinish` runs once, when undici is done with
 * the request (answered in full, failed, or aborted), so the pool's accounting stays exact.
 */
export class HttpAttempt implements Dispatcher.DispatchHandler, AttemptControl {
  #handler: AttemptHandler | undefined;
  readonly #onFinish: () => void;
  #controller: Controller | undefined;
  #body: HttpResponseBody | undefined;
  #abortReason: Error | undefined;
  #finished = false;

  constructor(handler: AttemptHandler, onFinish: () => void) {
    this.#handler = handler;
    this.#onFinish = onFinish;
  }

  cancel(): void {
    this.#handler = undefined;
    this.#abort(new Error('attempt cancelled'));
    this.#body?.destroy();
  }

  onRequestStart(controller: Controller): void {
    this.#controller = controller;
    // A request cancelled while it waited in the pool's queue is aborted as soon as undici starts it.
    if (this.#abortReason !== undefined) controller.abort(this.#abortReason);
  }

  onResponseStart(controller: Controller, statusCode: number, rawHeaders: IncomingHttpHeaders): void {
    // 1xx informational heads are not the answer (RFC 9110 §15.2).
    if (statusCode < 200 || this.#abortReason !== undefined) return;
    const handler = this.#handler;
    this.#handler = undefined;
    const headers = headerMap(rawHeaders);
    this.#body = new HttpResponseBody({ resume: () => controller.resume(), abort: (reason) => this.#abort(reason) });
    handler?.onResponse({ status: statusCode, headers, grpcStatus: grpcStatusOf(headers), body: this.#body });
  }

  onResponseData(controller: Controller, chunk: Buffer): void {
    if (this.#body !== undefined && !this.#body.push(chunk)) controller.pause();
  }

  onResponseEnd(controller: Controller, trailers: IncomingHttpHeaders): void {
    this.#finish();
    if (this.#body === undefined) return;
    this.#body.trailers = trailerMap(trailers, controller.rawTrailers);
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
  }
}

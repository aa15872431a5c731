// One request on sidelet's HTTP/1.1 client: its encoded bytes, and the undici DispatchController
// its handler steers it with (abort, pause, resume). It relays the connection's events to the
// handler and makes sure the handler hears onResponseError once and nothing after its end.
import type { Readable } from 'node:stream';
import type { Dispatcher } from 'undici';
import type { RequestWire } from './request-encoding.ts';

/** What the request needs from the connection carrying it. */
export interface RequestCarrier {
  /** The handler aborted the request after its head went out: the connection is closed. */
  abortRequest(request: Http1Request): void;
  pauseReading(): void;
  resumeReading(): void;
}

/**
 * undici 7's DispatchHandler contract as this client calls it, except that heads and trailers come
 * as the parser's lower-cased maps (handed on without a conversion), not IncomingHttpHeaders objects,
 * and a final head says whether every byte of its body came with it (`bodyInHand`: no body, or a
 * Content-Length body in the same read, so it ends in this turn).
 */
export interface Http1Handler {
  onRequestStart?(controller: Dispatcher.DispatchController, context: object): void;
  onResponseStart?(controller: Dispatcher.DispatchController, statusCode: number, headers: ReadonlyMap<string, string>, statusMessage: string, bodyInHand: boolean): void;
  onResponseData?(controller: Dispatcher.DispatchController, chunk: Buffer): void;
  onResponseEnd?(controller: Dispatcher.DispatchController, trailers: ReadonlyMap<string, string>): void;
  onResponseError?(controller: Dispatcher.DispatchController, error: Error): void;
}

const QUEUED = 0;
/** In the handler's onRequestStart: nothing written yet. */
const STARTING = 1;
const SENT = 2;
const SETTLED = 3;

/** undici passes a context object to onRequestStart; this client has nothing to put in it. */
const CONTEXT = Object.freeze({});

/**
 * Owned by the pool's thread. The handler may call `abort`, `pause` and `resume` at any time;
 * once the request is settled (ended or failed) they do nothing.
 */
export class Http1Request implements Dispatcher.DispatchController, RequestWire {
  head = '';
  whole: Buffer | undefined = undefined;
  tail: Uint8Array | undefined = undefined;
  stream: Readable | undefined = undefined;
  streamLength = -1;
  isHead = false;
  closeRequested = false;
  /** The connection carrying the request, from its start until it settles. */
  carrier: RequestCarrier | undefined = undefined;
  readonly #handler: Http1Handler;
  #state = QUEUED;
  #aborted = false;
  #paused = false;
  #reason: Error | null = null;

  constructor(handler: Http1Handler) {
    this.#handler = handler;
  }

  get aborted(): boolean {
    return this.#aborted;
  }

  get paused(): boolean {
    return this.#paused;
  }

  get reason(): Error | null {
    return this.#reason;
  }

  /** Answered in full, failed or aborted: the handler hears nothing more. */
  get settled(): boolean {
    return this.#state === SETTLED;
  }

  abort(reason: Error): void {
    if (this.#state === SETTLED) return;
    const sent = this.#state === SENT;
    this.#aborted = true;
    this.#reason = reason;
    this.#state = SETTLED;
    const carrier = this.carrier;
    this.carrier = undefined;
    if (sent) carrier?.abortRequest(this);
    this.#dropStream();
    this.#handler.onResponseError?.(this, reason);
  }

  pause(): void {
    if (this.#paused) return;
    this.#paused = true;
    this.carrier?.pauseReading();
  }

  resume(): void {
    if (!this.#paused) return;
    this.#paused = false;
    this.carrier?.resumeReading();
  }

  /**
   * A connection took the request: tells the handler, which may abort it there. False when it
   * did (or threw): nothing may be written and the connection is free again.
   */
  start(carrier: RequestCarrier): boolean {
    if (this.#state !== QUEUED) return false;
    this.#state = STARTING;
    this.carrier = carrier;
    try {
      this.#handler.onRequestStart?.(this, CONTEXT);
    } catch (error) {
      this.fail(error instanceof Error ? error : new Error(String(error)));
    }
    if (this.#state !== STARTING) {
      this.carrier = undefined;
      return false;
    }
    this.#state = SENT;
    return true;
  }

  /** A response head (1xx ones too). */
  responseStart(status: number, headers: ReadonlyMap<string, string>, reason: string | undefined, bodyInHand = false): void {
    if (this.#state === SENT) this.#handler.onResponseStart?.(this, status, headers, reason ?? '', bodyInHand);
  }

  responseData(chunk: Buffer): void {
    if (this.#state === SENT) this.#handler.onResponseData?.(this, chunk);
  }

  responseEnd(trailers: ReadonlyMap<string, string>): void {
    if (this.#state !== SENT) return;
    this.#state = SETTLED;
    this.carrier = undefined;
    this.#handler.onResponseEnd?.(this, trailers);
  }

  /** The request failed (connection, protocol or pool error); the handler hears `error` once. */
  fail(error: Error): void {
    if (this.#state === SETTLED) return;
    this.#state = SETTLED;
    this.carrier = undefined;
    this.#dropStream();
    this.#handler.onResponseError?.(this, error);
  }

  /** A streamed body that will not be sent (in full) is destroyed, as undici does, so its source stops. */
  #dropStream(): void {
    const stream = this.stream;
    if (stream !== undefined && !stream.destroyed && !stream.readableEnded) stream.destroy();
  }
}

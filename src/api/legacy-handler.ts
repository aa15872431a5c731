// undici's pre-v7 handler contract (onConnect, onHeaders, onData, onComplete, onError) seen
// through the v7 one (onRequestStart ... onResponseError with a controller). Node's global fetch
// and undici.request() still hand dispatchers legacy handlers. undici has the same adapter
// (lib/handler/wrap-handler.js) but does not export it, so this follows its documented contract.
import type { IncomingHttpHeaders } from 'node:http';
import type { Dispatcher } from 'undici';

type Handler = Dispatcher.DispatchHandler;
type Controller = Dispatcher.DispatchController;

/**
 * A v7 handler as it is; a legacy one wrapped. A handler with any v7 callback is a v7 one (undici
 * looks at onRequestStart alone, which would drop a v7 handler that only reads the body).
 */
export function asDispatchHandler(handler: Handler): Handler {
  const v7 =
    typeof handler.onRequestStart === 'function' ||
    typeof handler.onResponseStart === 'function' ||
    typeof handler.onResponseData === 'function' ||
    typeof handler.onResponseEnd === 'function' ||
    typeof handler.onResponseError === 'function';
  return v7 ? handler : new LegacyHandler(handler);
}

/** Header names repeat from response to response: their latin1 bytes are made once (up to this many names). */
const NAME_CACHE_SIZE = 512;
const nameBytes = new Map<string, Buffer>();

function nameBuffer(name: string): Buffer {
  let bytes = nameBytes.get(name);
  if (bytes === undefined) {
    bytes = Buffer.from(name, 'latin1');
    if (nameBytes.size < NAME_CACHE_SIZE) nameBytes.set(name, bytes);
  }
  return bytes;
}

/** Raw header form of the legacy API: [name, value, ...] as latin1 Buffers, a repeated field as an array. */
function rawHeaders(headers: IncomingHttpHeaders): Buffer[] {
  const raw: Buffer[] = [];
  for (const name in headers) {
    const value = headers[name];
    if (value === undefined) continue;
    if (typeof value === 'string') raw.push(nameBuffer(name), Buffer.from(value, 'latin1'));
    else for (const v of value) raw.push(nameBuffer(name), Buffer.from(v, 'latin1'));
  }
  return raw;
}

class LegacyHandler implements Handler {
  readonly #handler: Handler;

  constructor(handler: Handler) {
    this.#handler = handler;
  }

  onRequestStart(controller: Controller): void {
    this.#handler.onConnect?.((reason) => controller.abort(reason ?? new Error('request aborted')));
  }

  onResponseStart(controller: Controller, statusCode: number, headers: IncomingHttpHeaders, statusMessage?: string): void {
    this.#handler.onResponseStarted?.();
    // A false return asks for backpressure; `resume` lifts it (undici's legacy onHeaders contract).
    if (this.#handler.onHeaders?.(statusCode, rawHeaders(headers), () => controller.resume(), statusMessage ?? '') === false) controller.pause();
  }

  onResponseData(controller: Controller, chunk: Buffer): void {
    if (this.#handler.onData?.(chunk) === false) controller.pause();
  }

  onResponseEnd(_controller: Controller, trailers: IncomingHttpHeaders): void {
    // undici's own legacy callers parse Buffers here too; its type only says string[].
    this.#handler.onComplete?.(rawHeaders(trailers) as unknown as string[]);
  }

  onResponseError(_controller: Controller, error: Error): void {
    this.#handler.onError?.(error);
  }
}

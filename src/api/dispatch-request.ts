// Turns undici dispatch options (origin, path, query, method, headers in any of undici's forms,
// a body of bytes, a string, FormData, a Blob, a Readable or an async iterable) into a mesh request.
import type { EventEmitter } from 'node:events';
import { Readable } from 'node:stream';
import { errors, type Dispatcher } from 'undici';
import type { Bootstrap } from '../config/bootstrap.ts';
import type { CallSignal } from '../core/call-signal.ts';
import type { MeshRequest } from '../core/call/request-pipeline.ts';
import type { RequestBody } from '../protocols/http/http-transport.ts';
import type { MeshCallOptions } from './fetch-adapter.ts';
import { HOP_BY_HOP, type RequestOrigin, requestOrigin } from './request-origin.ts';

/** undici's dispatch options, plus the per-call mesh options (`undici.request(url, { mesh })` passes them through). */
export type MeshDispatchOptions = Dispatcher.DispatchOptions & {
  /** undici.request()'s `signal`, passed through to dispatch: an AbortSignal or an EventEmitter emitting 'abort'. */
  readonly signal?: AbortSignal | EventEmitter | null;
  readonly mesh?: MeshCallOptions;
  /** Routes by this listener's table instead of the one the origin's authority names (a bound listener's requests). */
  readonly listenerName?: string;
};

/**
 * A streamed body that declares a length up to this is read into memory before the call, so
 * retries, hedges and mirrors can send it again (Envoy buffers a request body for retries up to
 * per_request_buffer_limit_bytes; global fetch hands every body over as a stream with a length).
 */
export const REPLAYABLE_BODY_LIMIT = 64 * 1024;

type HeaderValue = string | number | readonly string[] | null | undefined;

/** A mesh request and its body, ready for the call. */
export interface DispatchRequest {
  readonly request: MeshRequest;
  readonly body: RequestBody | undefined;
}

/** Origins most programs call: a handful of services. Beyond this many, the cache starts over. */
const ORIGIN_CACHE_SIZE = 256;

/**
 * An origin's listener name and authority, kept per origin string so a call does not parse its
 * origin URL again. Owned by one dispatcher (one bootstrap) on its thread.
 */
export class OriginCache {
  readonly #bootstrap: Pick<Bootstrap, 'clientDefaultListenerResourceNameTemplate'>;
  readonly #origins = new Map<string, RequestOrigin>();

  constructor(bootstrap: Pick<Bootstrap, 'clientDefaultListenerResourceNameTemplate'>) {
    this.#bootstrap = bootstrap;
  }

  get(origin: string | URL): RequestOrigin {
    const key = String(origin);
    let found = this.#origins.get(key);
    if (found === undefined) {
      found = requestOrigin(new URL(key), this.#bootstrap);
      if (this.#origins.size >= ORIGIN_CACHE_SIZE) this.#origins.clear();
      this.#origins.set(key, found);
    }
    return found;
  }
}

/**
 * The mesh request for undici dispatch options. Synchronous when the body is already in memory
 * (none, a string or bytes: the common case), so the call starts in the dispatch's own turn; a
 * promise when the body must be read or encoded first. Bad options throw undici's errors.
 */
export function toDispatchRequest(opts: MeshDispatchOptions, origins: OriginCache, signal: CallSignal): DispatchRequest | Promise<DispatchRequest> {
  if (opts.origin === undefined || opts.origin === null) throw new errors.InvalidArgumentError('origin is required: the mesh routes by it');
  if (typeof opts.path !== 'string' || !opts.path.startsWith('/')) throw new errors.InvalidArgumentError('path must be a string starting with "/"');
  if (typeof opts.method !== 'string' || opts.method === '') throw new errors.InvalidArgumentError('method must be a non-empty string');
  if (opts.upgrade || opts.method === 'CONNECT') throw new errors.NotSupportedError('upgrades and CONNECT do not go through the mesh');
  const origin = origins.get(opts.origin);
  const headers = headerMap(opts.headers);
  const body = opts.body ?? undefined;
  if (body === undefined || typeof body === 'string' || body instanceof Uint8Array) return meshRequest(opts, origin, headers, body, signal);
  return readBody(body, headers, signal).then((read) => meshRequest(opts, origin, headers, read, signal));
}

function meshRequest(opts: MeshDispatchOptions, origin: RequestOrigin, headers: Map<string, string>, body: RequestBody | undefined, signal: CallSignal): DispatchRequest {
  const request: MeshRequest = {
    listenerName: opts.listenerName ?? origin.listenerName,
    authority: origin.authority,
    path: withQuery(opts.path, opts.query),
    method: opts.method,
    headers,
    bodyReplayable: !(body instanceof Readable),
    signal,
    overrides: opts.mesh,
  };
  return { request, body };
}

/** A body that is not in memory yet: encoded (FormData, Blob), or streamed (read whole when short and of a declared length). */
async function readBody(raw: unknown, headers: Map<string, string>, signal: CallSignal): Promise<RequestBody | undefined> {
  const body = await requestBody(raw, headers);
  const length = Number(headers.get('content-length'));
  if (body instanceof Readable && Number.isInteger(length) && length <= REPLAYABLE_BODY_LIMIT) return collect(body, signal);
  return body;
}

/** Lower-cased names, hop-by-hop headers left out, repeated fields joined (RFC 9110 §5.3; cookies by "; ", RFC 6265 §5.4). */
function headerMap(headers: Dispatcher.DispatchOptions['headers']): Map<string, string> {
  const out = new Map<string, string>();
  if (headers === null || headers === undefined) return out;
  const add = (rawName: unknown, value: HeaderValue): void => {
    const name = String(rawName).toLowerCase();
    if (value === undefined || value === null || HOP_BY_HOP.has(name)) return;
    const values = typeof value === 'object' ? value : [String(value)];
    for (const v of values) {
      const previous = out.get(name);
      out.set(name, previous === undefined ? v : `${previous}${name === 'cookie' ? '; ' : ', '}${v}`);
    }
  };
  if (Array.isArray(headers)) {
    // undici's flat form: [name, value, name, value, ...]
    for (let i = 0; i + 1 < headers.length; i += 2) add(headers[i], headers[i + 1] as HeaderValue);
  } else if (Symbol.iterator in headers) {
    for (const [name, value] of headers as Iterable<[string, HeaderValue]>) add(name, value);
  } else {
    for (const [name, value] of Object.entries(headers as Record<string, HeaderValue>)) add(name, value);
  }
  return out;
}

/** undici's `query` option, appended to the path. */
function withQuery(path: string, query: Record<string, unknown> | undefined): string {
  if (query === undefined || query === null) return path;
  const params = new URLSearchParams();
  for (const [name, value] of Object.entries(query)) {
    for (const v of Array.isArray(value) ? value : [value]) if (v !== undefined && v !== null) params.append(name, String(v));
  }
  const search = params.toString();
  return search === '' ? path : `${path}${path.includes('?') ? '&' : '?'}${search}`;
}

/** Bytes and strings stay as they are (replayable); a stream or an iterable is streamed once. */
async function requestBody(body: unknown, headers: Map<string, string>): Promise<RequestBody | undefined> {
  if (body === undefined || body === null) return undefined;
  if (typeof body === 'string' || body instanceof Uint8Array || body instanceof Readable) return body;
  if (body instanceof FormData) {
    const encoded = new Response(body);
    if (!headers.has('content-type')) headers.set('content-type', encoded.headers.get('content-type') ?? 'multipart/form-data');
    return new Uint8Array(await encoded.arrayBuffer());
  }
  if (body instanceof Blob) return new Uint8Array(await body.arrayBuffer());
  if (typeof body === 'object' && (Symbol.asyncIterator in body || Symbol.iterator in body)) return Readable.from(body as AsyncIterable<Uint8Array | string>, { objectMode: false });
  throw new errors.InvalidArgumentError('body must be a string, a Uint8Array, FormData, a Blob, a Readable or an async iterable');
}

/** Reads a short declared-length body whole; an abort meanwhile destroys the stream and rejects with its reason. */
async function collect(stream: Readable, signal: CallSignal): Promise<Uint8Array> {
  if (signal.aborted) throw signal.reason;
  const onAbort = (): void => void stream.destroy(signal.reason as Error);
  signal.addEventListener('abort', onAbort, { once: true });
  try {
    const chunks: Buffer[] = [];
    for await (const chunk of stream) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer));
    return Buffer.concat(chunks);
  } finally {
    signal.removeEventListener('abort', onAbort);
  }
}

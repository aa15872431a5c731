// Encodes an undici-style request (method, path, headers, body) as HTTP/1.1 bytes (RFC 9112 §3,
// §5, §6): validates every name and value, sets the framing (content-length or chunked) from the
// body, and lays a small buffered body beside the head so one socket write sends both.
import type { Readable } from 'node:stream';
import type { Dispatcher } from 'undici';
import { Http1Error } from './http1-errors.ts';
import { TCHAR } from './http1-syntax.ts';

/** Where the encoding goes (the request object): what the connection writes, in order. */
export interface RequestWire {
  /** The head alone, latin1; written when `whole` is undefined. */
  head: string;
  /** Head and a small body in one buffer, written instead of `head`. */
  whole: Buffer | undefined;
  /** A larger body written right after the head (corked with it: one writev). */
  tail: Uint8Array | undefined;
  /** A streamed body, written after the head as it is read. */
  stream: Readable | undefined;
  /** The streamed body's content-length; -1: it is sent chunked. */
  streamLength: number;
  /** A HEAD request: the response has no body whatever its head says (RFC 9112 §6.3). */
  isHead: boolean;
  /** The request asked for `connection: close`. */
  closeRequested: boolean;
}

/** Bodies up to this size are copied beside the head; larger ones are written after it in the same writev. */
const COPY_BODY_BYTES = 16 * 1024;

/** Methods whose requests carry content even when empty, so an empty body is sent as content-length: 0 (as undici does). */
const PAYLOAD_METHODS: ReadonlySet<string> = new Set(['POST', 'PUT', 'PATCH', 'QUERY']);

/** The state of the head being built; one instance, as encoding never runs twice at once. */
class HeadBuilder {
  head = '';
  host = false;
  length = -1;
  close = false;
  error: string | undefined = undefined;

  begin(line: string): void {
    this.head = line;
    this.host = false;
    this.length = -1;
    this.close = false;
    this.error = undefined;
  }

  field(name: string, value: unknown): void {
    if (value === undefined || value === null) return;
    if (Array.isArray(value)) {
      for (const one of value) this.#one(name, one);
    } else {
      this.#one(name, value);
    }
  }

  #one(name: string, value: unknown): void {
    if (this.error !== undefined) return;
    const text = typeof value === 'string' ? value : String(value);
    if (!isToken(name)) return void (this.error = `invalid header name ${JSON.stringify(name)}`);
    if (!isFieldValue(text)) return void (this.error = `the value of header "${name}" contains CR, LF, NUL or another control character`);
    switch (name.length) {
      case 4:
        if (name.toLowerCase() === 'host') this.host = true;
        break;
      case 6:
        if (name.toLowerCase() === 'expect') return void (this.error = 'header "expect" is not supported');
        break;
      case 7:
        if (name.toLowerCase() === 'upgrade') return void (this.error = 'header "upgrade" is not supported');
        break;
      case 10: {
        const lower = name.toLowerCase();
        if (lower === 'keep-alive') return void (this.error = 'header "keep-alive" is the pool\'s');
        if (lower === 'connection') {
          const token = text.trim().toLowerCase();
          if (token === 'close') this.close = true;
          else if (token !== 'keep-alive') this.error = `header "connection" may only be "close" or "keep-alive", not ${JSON.stringify(text)}`;
          return;
        }
        break;
      }
      case 14:
        if (name.toLowerCase() === 'content-length') {
          const n = digits(text);
          if (n === -1) this.error = `invalid content-length ${JSON.stringify(text)}`;
          else if (this.length !== -1 && this.length !== n) this.error = 'differing content-length headers';
          else this.length = n;
          return;
        }
        break;
      case 17:
        if (name.toLowerCase() === 'transfer-encoding') return void (this.error = 'header "transfer-encoding" is the pool\'s: it frames the body itself');
        break;
    }
    this.head += `${name}: ${text}\r\n`;
  }
}

const builder = new HeadBuilder();

/** Fills `wire` from `options`; an Error (nothing was sent) when the request cannot be sent as given. */
export function encodeRequest(options: Dispatcher.DispatchOptions, defaultHost: string, wire: RequestWire): Http1Error | undefined {
  const method = options.method;
  if (typeof method !== 'string' || !isToken(method)) return bad(`invalid method ${JSON.stringify(method)}`);
  if (method === 'CONNECT') return bad('CONNECT is not supported');
  const path = options.path;
  if (typeof path !== 'string' || !isTarget(path)) return bad(`invalid path ${JSON.stringify(path)}`);
  builder.begin(`${method} ${path} HTTP/1.1\r\n`);
  const headers = options.headers as unknown;
  if (Array.isArray(headers)) {
    for (let i = 0; i < headers.length; i += 2) builder.field(String(headers[i]), headers[i + 1]);
  } else if (headers != null && typeof headers === 'object') {
    if (typeof (headers as Iterable<unknown>)[Symbol.iterator] === 'function') {
      for (const pair of headers as Iterable<[string, unknown]>) builder.field(String(pair[0]), pair[1]);
    } else {
      const record = headers as Record<string, unknown>;
      for (const name of Object.keys(record)) builder.field(name, record[name]);
    }
  }
  if (builder.error !== undefined) return bad(builder.error);
  let head = builder.head;
  if (!builder.host) head += `host: ${defaultHost}\r\n`;
  const declared = builder.length;
  wire.isHead = method === 'HEAD';
  wire.closeRequested = builder.close;
  wire.whole = undefined;
  wire.tail = undefined;
  wire.stream = undefined;
  wire.streamLength = -1;
  const body = options.body as unknown;
  let bytes: Uint8Array | undefined;
  let text: string | undefined;
  let length = 0;
  if (body === null || body === undefined) {
    length = 0;
  } else if (typeof body === 'string') {
    text = body;
    length = Buffer.byteLength(body);
  } else if (body instanceof Uint8Array) {
    bytes = body;
    length = body.byteLength;
  } else if (typeof (body as Readable).pipe === 'function' && typeof (body as Readable).on === 'function') {
    const stream = body as Readable;
    if (stream.destroyed || stream.readableEnded) return bad('the request body stream was already consumed or destroyed');
    wire.stream = stream;
    wire.streamLength = declared;
    head += declared === -1 ? 'transfer-encoding: chunked\r\n' : `content-length: ${declared}\r\n`;
  } else {
    return bad('the request body must be null, a string, a Uint8Array or a Readable');
  }
  if (wire.stream === undefined) {
    if (declared !== -1 && declared !== length) return bad(`the request body has ${length} bytes, its content-length header says ${declared}`);
    if (length > 0 || declared === 0 || PAYLOAD_METHODS.has(method)) head += `content-length: ${length}\r\n`;
  }
  head += builder.close ? 'connection: close\r\n\r\n' : 'connection: keep-alive\r\n\r\n';
  wire.head = head;
  if (length === 0) return undefined;
  if (length <= COPY_BODY_BYTES) {
    const whole = Buffer.allocUnsafe(head.length + length);
    whole.write(head, 0, 'latin1');
    if (text !== undefined) whole.write(text, head.length, 'utf8');
    else whole.set(bytes!, head.length);
    wire.whole = whole;
  } else {
    wire.tail = text !== undefined ? Buffer.from(text) : bytes;
  }
  return undefined;
}

function bad(message: string): Http1Error {
  return new Http1Error('SIDELET_HTTP1_BAD_REQUEST', `request: ${message}`);
}

function isToken(s: string): boolean {
  if (s.length === 0) return false;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c > 0x7f || TCHAR[c] !== 1) return false;
  }
  return true;
}

/** field-value of RFC 9110 §5.5: visible latin1, SP and HTAB; so no CR, LF or NUL. */
function isFieldValue(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if ((c < 0x20 && c !== 0x09) || c === 0x7f || c > 0xff) return false;
  }
  return true;
}

/** A request target: no whitespace, control characters or characters beyond latin1 (undici's rule). */
function isTarget(s: string): boolean {
  if (s.length === 0) return false;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c <= 0x20 || c === 0x7f || c > 0xff) return false;
  }
  return true;
}

/** 1*DIGIT as a number (at most 15 digits), else -1. */
function digits(s: string): number {
  const t = s.trim();
  if (t.length === 0 || t.length > 15) return -1;
  let n = 0;
  for (let i = 0; i < t.length; i++) {
    const c = t.charCodeAt(i);
    if (c < 0x30 || c > 0x39) return -1;
    n = n * 10 + (c - 0x30);
  }
  return n;
}

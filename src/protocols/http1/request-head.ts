// A strict HTTP/1.1 request-head parser (RFC 9112 §2.2, §3, §5, §6): the request line and the
// fields of one request, read from a Buffer at an offset. Anything a lenient parser and the server
// behind it could read two ways (request smuggling) is an error, never a guess.

/** The largest head taken, request line to blank line (node:http stops at 16 KiB, Envoy at 60 KiB). */
export const HEAD_LIMIT = 64 * 1024;

/** More fields than this is an error (node:http's maxHeadersCount; it drops the rest silently). */
export const FIELD_COUNT_LIMIT = 2000;

export interface RequestHead {
  /** As sent (methods are case-sensitive, RFC 9110 §9.1). */
  readonly method: string;
  /** origin-form, absolute-form, authority-form or `*`, as sent (latin1). */
  readonly target: string;
  readonly version: 10 | 11;
  /**
   * Lower-cased names; a repeated field's values joined with ", " (`cookie` with "; ", RFC 6265
   * §5.4); identical repeated content-lengths stand for one.
   */
  readonly headers: Map<string, string>;
  /** Names that occurred more than once, in their first order; undefined when none did (the usual case). */
  readonly repeated: readonly string[] | undefined;
  /** The offset just past the blank line: where the body, or the next request, starts. */
  readonly headEnd: number;
  /** The declared body length; undefined when the request has no Content-Length. */
  readonly contentLength: number | undefined;
  /** The body is chunked: a Transfer-Encoding whose final coding is `chunked` (RFC 9112 §6.3). */
  readonly chunked: boolean;
  /** The connection ends after this exchange: `close` in Connection, or HTTP/1.0 without `keep-alive` (RFC 9112 §9.3). */
  readonly connectionClose: boolean;
  /** `Expect: 100-continue` (RFC 9110 §10.1.1). */
  readonly expectContinue: boolean;
  /** The request carries an Upgrade field (RFC 9110 §7.8). */
  readonly upgrade: boolean;
}

/** A malformed head; `offset` is where in the buffer the fault is. */
export class RequestHeadError extends Error {
  readonly offset: number;
  constructor(message: string, offset: number) {
    super(message);
    this.name = 'RequestHeadError';
    this.offset = offset;
  }
}

const CR = 0x0d;
const LF = 0x0a;
const SP = 0x20;
const HTAB = 0x09;
const COLON = 0x3a;
const UPPER = 2;
const HEAD_END = Buffer.from('\r\n\r\n', 'latin1');

/** tchar (RFC 9110 §5.6.2): the bytes of methods and field names; upper-case letters are marked UPPER. */
const TOKEN = byteClass((b) => (b >= 0x41 && b <= 0x5a ? UPPER : (b >= 0x30 && b <= 0x39) || (b >= 0x61 && b <= 0x7a) || "!#$%&'*+-.^_`|~".includes(String.fromCharCode(b)) ? 1 : 0));
/** Field-value bytes (RFC 9110 §5.5): visible ASCII, space, tab and obs-text; no CTL (CR, LF and NUL among them). */
const VALUE = byteClass((b) => b === HTAB || (b >= 0x20 && b !== 0x7f));
/** Request-target bytes: visible ASCII and obs-text; the parser behind the URL decides what they mean. */
const TARGET = byteClass((b) => b > 0x20 && b !== 0x7f);

/** A table of 256 entries, 0 for the bytes outside the class; charCodeAt past the end (NaN) finds none. */
function byteClass(member: (byte: number) => number | boolean): Uint8Array {
  const table = new Uint8Array(256);
  for (let b = 0; b < 256; b++) table[b] = Number(member(b));
  return table;
}

/**
 * The request head starting at `offset`: undefined while it is incomplete (read more and call
 * again from the same offset), else the parsed head. Throws a RequestHeadError naming the fault
 * and its place: a bare LF as soon as it arrives, a head that outgrows HEAD_LIMIT, and anything
 * else wrong once the head is complete.
 */
export function parseRequestHead(buffer: Buffer, offset = 0): RequestHead | undefined {
  // Empty lines before the request line are ignored (RFC 9112 §2.2): some clients end a body with an extra CRLF.
  let start = offset;
  while (buffer[start] === CR && buffer[start + 1] === LF) start += 2;
  const blank = buffer.indexOf(HEAD_END, start);
  if (blank < 0) return incomplete(buffer, start);
  if (blank + HEAD_END.length - start > HEAD_LIMIT) throw tooLarge(start);
  // One latin1 string for the whole head: its offsets are the buffer's less `start`, and slicing it costs less than decoding each part.
  const text = buffer.toString('latin1', start, blank + 2);
  const { method, target, version, end } = requestLine(text, start);

  const headers = new Map<string, string>();
  let repeated: string[] | undefined;
  let contentLength: number | undefined;
  let line = 1;
  for (let pos = end; pos < text.length; ) {
    line += 1;
    if (line > FIELD_COUNT_LIMIT + 1) throw new RequestHeadError(`request head: more than ${FIELD_COUNT_LIMIT} fields`, start + pos);
    const { name, value, next } = field(text, pos, line, start);
    pos = next;
    if (name === 'content-length') {
      const length = lengthOf(value, line, start + pos);
      if (contentLength !== undefined && contentLength !== length) throw new RequestHeadError(`request head: line ${line}: content-length ${length} differs from ${contentLength} declared before`, start + pos);
      contentLength = length;
    }
    const previous = headers.get(name);
    if (previous === undefined) {
      headers.set(name, value);
      continue;
    }
    if (name === 'host') throw new RequestHeadError(`request head: line ${line}: a second host field (RFC 9112 §3.2)`, start + pos);
    repeated ??= [];
    if (!repeated.includes(name)) repeated.push(name);
    // Identical lengths stand for one (RFC 9110 §8.6); other fields are lists.
    if (name !== 'content-length') headers.set(name, `${previous}${name === 'cookie' ? '; ' : ', '}${value}`);
  }

  const headEnd = blank + HEAD_END.length;
  const transferEncoding = headers.get('transfer-encoding');
  if (transferEncoding !== undefined && contentLength !== undefined) {
    throw new RequestHeadError('request head: both transfer-encoding and content-length (RFC 9112 §6.3: a smuggling vector)', blank);
  }
  const expect = headers.get('expect');
  const connection = headers.get('connection');
  return {
    method,
    target,
    version,
    headers,
    repeated,
    headEnd,
    contentLength,
    chunked: transferEncoding !== undefined && finalCodingIsChunked(transferEncoding, blank),
    connectionClose: version === 10 ? connection === undefined || !hasToken(connection, 'keep-alive') : connection !== undefined && hasToken(connection, 'close'),
    expectContinue: expect !== undefined && expect.toLowerCase() === '100-continue',
    upgrade: headers.has('upgrade'),
  };
}

/**
 * No blank line yet. Some faults are errors now rather than after the head: bytes that cannot
 * begin a method (a TLS handshake on a plaintext port), a bare LF (the head could never end), and
 * a head already at the limit.
 */
function incomplete(buffer: Buffer, start: number): undefined {
  let i = start;
  while (i < buffer.length && TOKEN[buffer[i]!] !== 0) i++;
  if (i < buffer.length && (i === start || buffer[i] !== SP)) {
    throw new RequestHeadError(`request head: line 1, byte ${i - start}: byte ${hex(buffer[i]!)} ${i === start ? 'where the method starts' : 'in the method (a token, then one space)'}`, i);
  }
  let line = 1;
  for (let lf = buffer.indexOf(LF, start); lf >= 0; lf = buffer.indexOf(LF, lf + 1), line++) {
    if (lf === start || buffer[lf - 1] !== CR) throw new RequestHeadError(`request head: line ${line}: a bare LF ends the line (CRLF expected)`, lf);
  }
  if (buffer.length - start >= HEAD_LIMIT) throw tooLarge(start);
  return undefined;
}

function tooLarge(start: number): RequestHeadError {
  return new RequestHeadError(`request head: larger than ${HEAD_LIMIT / 1024} KiB`, start + HEAD_LIMIT);
}

/** method SP request-target SP HTTP-version CRLF (RFC 9112 §3), exactly one space apart; `end` is where the next line starts. */
function requestLine(text: string, base: number): { method: string; target: string; version: 10 | 11; end: number } {
  let i = 0;
  while (TOKEN[text.charCodeAt(i)] !== 0) i++;
  if (i === 0) throw lineError(1, `byte ${hex(text.charCodeAt(i))} where the method starts`, base, 0, i);
  if (text.charCodeAt(i) !== SP) throw lineError(1, `byte ${hex(text.charCodeAt(i))} in the method (a token, then one space)`, base, 0, i);
  const method = text.slice(0, i);
  const targetStart = ++i;
  while (TARGET[text.charCodeAt(i)] === 1) i++;
  if (i === targetStart) throw lineError(1, `byte ${hex(text.charCodeAt(i))} where the request-target starts`, base, 0, i);
  if (text.charCodeAt(i) !== SP) throw lineError(1, `byte ${hex(text.charCodeAt(i))} in the request-target (then one space and the version)`, base, 0, i);
  const target = text.slice(targetStart, i);
  const minor = text.charCodeAt(i + 8);
  if (!text.startsWith('HTTP/1.', i + 1) || (minor !== 0x30 && minor !== 0x31) || text.charCodeAt(i + 9) !== CR || text.charCodeAt(i + 10) !== LF) {
    const eol = text.indexOf('\r', i + 1);
    throw lineError(1, `the version ${JSON.stringify(text.slice(i + 1, eol))} is not HTTP/1.0 or HTTP/1.1 (then CRLF)`, base, 0, i + 1);
  }
  return { method, target, version: minor === 0x31 ? 11 : 10, end: i + 11 };
}

/**
 * field-name ":" OWS field-value OWS CRLF (RFC 9112 §5) at `start`: the lower-cased name, the
 * value without the whitespace around it, and where the next line starts. No control byte (a
 * bare CR or LF, NUL) inside; no whitespace before the name (obs-fold) or the colon.
 */
function field(text: string, start: number, line: number, base: number): { name: string; value: string; next: number } {
  let i = start;
  let kind = 0;
  let c = text.charCodeAt(i);
  for (let t = TOKEN[c]!; t !== 0; t = TOKEN[(c = text.charCodeAt(++i))]!) kind |= t;
  if (i === start) {
    if (c === SP || c === HTAB) throw lineError(line, 'starts with whitespace (obs-fold is not accepted, RFC 9112 §5.2)', base, start, i);
    throw lineError(line, c === COLON ? 'no field name before the colon' : `byte ${hex(c)} where a field name starts`, base, start, i);
  }
  if (c !== COLON) throw lineError(line, `byte ${hex(c)} in the field name (a token, then a colon)`, base, start, i);
  const raw = text.slice(start, i);
  const name = kind & UPPER ? raw.toLowerCase() : raw;
  c = text.charCodeAt(++i);
  while (c === SP || c === HTAB) c = text.charCodeAt(++i);
  const valueStart = i;
  let valueEnd = i;
  for (; VALUE[c] === 1; c = text.charCodeAt(++i)) if (c !== SP && c !== HTAB) valueEnd = i + 1;
  if (c !== CR || text.charCodeAt(i + 1) !== LF) throw lineError(line, `control byte ${hex(c)} in the ${name} value`, base, start, i);
  return { name, value: text.slice(valueStart, valueEnd), next: i + 2 };
}

/** `request head: line 3, byte 12: ...`: the line (1 is the request line) and the byte within it; the error's offset is the buffer's. */
function lineError(line: number, what: string, base: number, lineStart: number, at: number): RequestHeadError {
  return new RequestHeadError(`request head: line ${line}, byte ${at - lineStart}: ${what}`, base + at);
}

function hex(byte: number): string {
  return `0x${byte.toString(16).padStart(2, '0')}`;
}

/** Content-Length = 1*DIGIT (RFC 9110 §8.6), within what a Number holds exactly. */
function lengthOf(value: string, line: number, at: number): number {
  if (!/^\d{1,15}$/.test(value)) throw new RequestHeadError(`request head: line ${line}: content-length ${JSON.stringify(value)} is not a decimal length`, at);
  return Number(value);
}

/**
 * RFC 9112 §6.3: a request whose final transfer coding is not chunked cannot be framed, and
 * chunked applied twice is an error (§7.1): both are rejected rather than guessed at.
 */
function finalCodingIsChunked(value: string, at: number): boolean {
  const codings = value.split(',').map((coding) => coding.split(';')[0]!.trim().toLowerCase());
  const chunked = codings.filter((coding) => coding === 'chunked').length;
  if (codings.at(-1) !== 'chunked' || chunked > 1) throw new RequestHeadError(`request head: transfer-encoding ${JSON.stringify(value)} does not end in exactly one chunked coding (RFC 9112 §6.3)`, at);
  return true;
}

/** A comma-separated list holds `token`, compared case-insensitively (RFC 9110 §5.6.1). */
function hasToken(list: string, token: string): boolean {
  // The usual value is one token, already trimmed as a field value.
  if (!list.includes(',')) return list.length === token.length && list.toLowerCase() === token;
  for (const item of list.split(',')) if (item.trim().toLowerCase() === token) return true;
  return false;
}

// Parses an HTTP/1.1 response head (RFC 9112 §4 status line, §5 fields) and what it says about
// the message's framing (§6) and the connection (§9.3, Keep-Alive): strict, in one pass over
// the bytes, for a head that may still be arriving.
import { type Fields, parseFieldLines } from './field-lines.ts';
import { badResponse } from './http1-errors.ts';
import { CR, LF, latin1, MAX_HEAD_BYTES, SP } from './http1-syntax.ts';

export interface ResponseHead {
  readonly status: number;
  /** The reason phrase; undefined when the status line has none. */
  readonly reason: string | undefined;
  /** HTTP/1.0 → 10; HTTP/1.1 (and any later 1.x, RFC 9110 §2.5) → 11. */
  readonly version: 10 | 11;
  /** Lower-cased names; repeated fields joined with ", "; a valid repeated content-length as its one value. */
  readonly headers: Fields;
  /** Offset just after the empty line that ends the head. */
  readonly headEnd: number;
  /** From Content-Length; undefined without one. */
  readonly contentLength: number | undefined;
  /** Transfer-Encoding ends in chunked: the body is chunked (RFC 9112 §7.1). */
  readonly chunked: boolean;
  /**
   * The connection must close after this response: `Connection: close`, HTTP/1.0 without
   * `Connection: keep-alive`, or a Transfer-Encoding that does not end in chunked (the body
   * then runs until the close, RFC 9112 §6.3).
   */
  readonly connectionClose: boolean;
  /** `Keep-Alive: timeout=N` (seconds), in ms. */
  readonly keepAliveTimeoutMs: number | undefined;
}

const HTTP_SLASH = [0x48, 0x54, 0x54, 0x50, 0x2f];

/**
 * The response head at `offset` of `buf`; undefined while it is incomplete. Throws an Error
 * whose message names the fault and its byte (from `offset`): not a 1.x status line, a bad field
 * (see parseFieldLines), more than MAX_HEAD_BYTES, both Content-Length and Transfer-Encoding,
 * differing Content-Length values, chunked applied twice, Transfer-Encoding in an HTTP/1.0 message.
 */
export function parseResponseHead(buf: Buffer, offset: number): ResponseHead | undefined {
  const len = buf.length;
  const prefix = Math.min(HTTP_SLASH.length, len - offset);
  for (let i = 0; i < prefix; i++) {
    if (buf[offset + i] !== HTTP_SLASH[i]) throw badResponse(`response head: not an HTTP/1.x status line at byte ${i}`);
  }
  const lf = buf.indexOf(LF, offset);
  if (lf === -1 || lf - offset > MAX_HEAD_BYTES) {
    if (len - offset > MAX_HEAD_BYTES) throw badResponse(`response head: larger than ${MAX_HEAD_BYTES} bytes`);
    return undefined;
  }
  const lineEnd = buf[lf - 1] === CR ? lf - 1 : lf;
  if (lineEnd - offset < 12) throw badResponse(`response head: status line too short at byte ${lineEnd - offset}`);
  const major = buf[offset + 5]!;
  const minor = buf[offset + 7]!;
  if (major !== 0x31 || buf[offset + 6] !== 0x2e || !isDigit(minor)) throw badResponse('response head: not an HTTP/1.x version at byte 5');
  if (buf[offset + 8] !== SP) throw badResponse('response head: expected a space after the version at byte 8');
  const d0 = buf[offset + 9]! - 0x30;
  const d1 = buf[offset + 10]! - 0x30;
  const d2 = buf[offset + 11]! - 0x30;
  if (d0 < 1 || d0 > 9 || d1 < 0 || d1 > 9 || d2 < 0 || d2 > 9) throw badResponse('response head: invalid status code at byte 9');
  let reason: string | undefined;
  if (lineEnd > offset + 12) {
    if (buf[offset + 12] !== SP) throw badResponse('response head: expected a space after the status code at byte 12');
    for (let i = offset + 13; i < lineEnd; i++) {
      const c = buf[i]!;
      if ((c < 0x20 && c !== 0x09) || c === 0x7f) throw badResponse(`response head: invalid character in the reason phrase at byte ${i - offset}`);
    }
    reason = latin1(buf, offset + 13, lineEnd);
  }
  const headers: Fields = new Map();
  const headEnd = parseFieldLines(buf, lf + 1, offset, headers, 'response head');
  if (headEnd === -1) return undefined;
  const version = minor === 0x30 ? 10 : 11;
  const status = d0 * 100 + d1 * 10 + d2;

  let contentLength: number | undefined;
  const lengthField = headers.get('content-length');
  if (lengthField !== undefined) {
    contentLength = parseContentLength(lengthField);
    // A repeated length ("5, 5") stands for one.
    const single = String(contentLength);
    if (single !== lengthField) headers.set('content-length', single);
  }
  let chunked = false;
  let connectionClose = false;
  const codings = headers.get('transfer-encoding');
  if (codings !== undefined) {
    if (lengthField !== undefined) throw badResponse('response head: both Content-Length and Transfer-Encoding (RFC 9112 §6.3)');
    if (version === 10) throw badResponse('response head: Transfer-Encoding in an HTTP/1.0 response (RFC 9112 §6.1)');
    chunked = endsInChunked(codings);
    connectionClose = !chunked;
  }
  let keepAlive = version === 11;
  const connection = headers.get('connection');
  if (connection !== undefined) {
    const tokens = connection.toLowerCase();
    if (tokens === 'keep-alive') keepAlive = true;
    else if (tokens === 'close') keepAlive = false;
    else {
      for (const token of tokens.split(',')) {
        const t = token.trim();
        if (t === 'close') {
          keepAlive = false;
          break;
        }
        if (t === 'keep-alive') keepAlive = true;
      }
    }
  }
  const hint = headers.get('keep-alive');
  return {
    status,
    reason,
    version,
    headers,
    headEnd,
    contentLength,
    chunked,
    connectionClose: connectionClose || !keepAlive,
    keepAliveTimeoutMs: hint === undefined ? undefined : keepAliveTimeout(hint),
  };
}

function isDigit(c: number): boolean {
  return c >= 0x30 && c <= 0x39;
}

/** 1*DIGIT, or a list of equal ones (RFC 9110 §8.6: "42, 42" from repeated fields); at most 15 digits. */
function parseContentLength(value: string): number {
  let result = -1;
  let n = -1;
  for (let i = 0; i <= value.length; i++) {
    const c = i < value.length ? value.charCodeAt(i) : 0x2c;
    if (c >= 0x30 && c <= 0x39) {
      n = n === -1 ? c - 0x30 : n * 10 + (c - 0x30);
      if (n > Number.MAX_SAFE_INTEGER) throw badResponse(`response head: Content-Length too large: "${value}"`);
    } else if (c === 0x2c) {
      if (n === -1) throw badResponse(`response head: invalid Content-Length "${value}"`);
      if (result !== -1 && result !== n) throw badResponse(`response head: differing Content-Length values "${value}"`);
      result = n;
      n = -1;
      while (value.charCodeAt(i + 1) === 0x20 || value.charCodeAt(i + 1) === 0x09) i++;
    } else {
      throw badResponse(`response head: invalid Content-Length "${value}"`);
    }
  }
  return result;
}

/**
 * Whether the last transfer coding is chunked. Another coding last means the body runs until the
 * close (RFC 9112 §6.3); chunked applied twice is an error (§7.1).
 */
function endsInChunked(value: string): boolean {
  let last = '';
  let chunked = 0;
  for (const coding of value.toLowerCase().split(',')) {
    const c = coding.trim();
    if (c === '') continue;
    if (c === 'chunked' && ++chunked > 1) throw badResponse(`response head: chunked applied twice in Transfer-Encoding "${value}" (RFC 9112 §7.1)`);
    last = c;
  }
  if (last === '') throw badResponse('response head: empty Transfer-Encoding');
  return last === 'chunked';
}

/** `timeout=N` among the Keep-Alive parameters, in ms; undefined when absent or not a number. */
function keepAliveTimeout(value: string): number | undefined {
  // The form Node and most servers send, read without splitting.
  if (value.startsWith('timeout=')) {
    const seconds = digits(value, 8, value.length);
    if (seconds !== undefined) return seconds * 1000;
  }
  for (const part of value.split(',')) {
    const eq = part.indexOf('=');
    if (eq === -1 || part.slice(0, eq).trim().toLowerCase() !== 'timeout') continue;
    let seconds = part.slice(eq + 1).trim();
    if (seconds.length >= 2 && seconds.startsWith('"') && seconds.endsWith('"')) seconds = seconds.slice(1, -1);
    const n = digits(seconds, 0, seconds.length);
    return n === undefined ? undefined : n * 1000;
  }
  return undefined;
}

/** 1 to 9 decimal digits of `s` from `start` to `end` as a number, else undefined. */
function digits(s: string, start: number, end: number): number | undefined {
  if (end <= start || end - start > 9) return undefined;
  let n = 0;
  for (let i = start; i < end; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x30 || c > 0x39) return undefined;
    n = n * 10 + (c - 0x30);
  }
  return n;
}

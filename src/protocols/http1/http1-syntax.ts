// Byte-level grammar shared by the HTTP/1.1 client's encoder and parsers (RFC 9110 §5.6.2 token,
// RFC 9112 §2.2 line endings) and the limits that bound every length the parsers read.

export const CR = 0x0d;
export const LF = 0x0a;
export const SP = 0x20;
export const HTAB = 0x09;
export const COLON = 0x3a;
export const SEMICOLON = 0x3b;

/** A response head or a trailer section larger than this is refused (Node's and undici's limit is 16 KiB, Envoy's 60 KiB). */
export const MAX_HEAD_BYTES = 64 * 1024;

/** 1 for tchar (RFC 9110 §5.6.2): the bytes of methods and field names. */
export const TCHAR = new Uint8Array(256);
for (const c of "!#$%&'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ") TCHAR[c.charCodeAt(0)] = 1;

/** Value of a hex digit, -1 for any other byte. */
export const HEX = new Int8Array(256).fill(-1);
for (let i = 0; i < 16; i++) HEX['0123456789abcdef'.charCodeAt(i)] = i;
for (let i = 10; i < 16; i++) HEX['ABCDEF'.charCodeAt(i - 10)] = i;

interface Latin1Buffer {
  latin1Slice(start: number, end: number): string;
}

/** `buf.toString('latin1', start, end)` without the encoding lookup (Buffer's own method, untyped in @types/node). */
export function latin1(buf: Buffer, start: number, end: number): string {
  return (buf as unknown as Latin1Buffer).latin1Slice(start, end);
}

/**
 * The offset just after the empty line that ends a field section starting at `start` (a line
 * start), or -1 when `buf` does not hold it yet. `from` (≥ start) skips bytes an earlier search
 * already went through, so a head that arrives in many pieces is searched once. A bare LF ends a
 * line as CRLF does (RFC 9112 §2.2).
 */
export function findEmptyLine(buf: Buffer, start: number, from: number): number {
  if (buf[start] === LF) return start + 1;
  if (buf[start] === CR && buf[start + 1] === LF) return start + 2;
  let at = Math.max(start, from - 2);
  for (;;) {
    const lf = buf.indexOf(LF, at);
    if (lf === -1) return -1;
    const next = buf[lf + 1];
    if (next === LF) return lf + 2;
    if (next === CR) {
      const after = buf[lf + 2];
      if (after === LF) return lf + 3;
      if (after === undefined) return -1;
    } else if (next === undefined) {
      return -1;
    }
    at = lf + 1;
  }
}

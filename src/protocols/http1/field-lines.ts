// Parses a section of HTTP/1.1 field lines (RFC 9112 §5), the header section of a response head
// or the trailer section of a chunked body, into a lower-cased name → value map in one pass.
import { badResponse } from './http1-errors.ts';
import { knownFieldName } from './known-field-names.ts';
import { COLON, CR, HTAB, LF, latin1, MAX_HEAD_BYTES, SP, TCHAR } from './http1-syntax.ts';

/** Lower-cased field names → values; a repeated field's values joined with ", " (RFC 9110 §5.3). */
export type Fields = Map<string, string>;

/** No fields (a response without trailers); shared, so never added to. */
export const NO_FIELDS: ReadonlyMap<string, string> = new Map();

/**
 * Reads field lines from `start` up to and including the empty line that ends them, adding each
 * to `into`. Returns the offset after that empty line, or -1 when `buf` ends first. Throws an
 * Error naming `what` and the byte (counted from `base`, where the head or section began) on a
 * field name that is not a token, whitespace before the colon, obs-fold (RFC 9112 §5.2: a line
 * starting with whitespace), a control character in a value, a bare CR, or a section running
 * past MAX_HEAD_BYTES from `base`. Leading and trailing whitespace of a value is dropped.
 */
export function parseFieldLines(buf: Buffer, start: number, base: number, into: Fields, what: string): number {
  const len = buf.length;
  let p = start;
  for (;;) {
    if (p - base > MAX_HEAD_BYTES) throw tooLarge(what);
    if (p >= len) return incomplete(len, base, what);
    let c = buf[p]!;
    if (c === CR) {
      if (p + 1 >= len) return incomplete(len, base, what);
      if (buf[p + 1] !== LF) throw badResponse(`${what}: bare CR at byte ${p - base}`);
      return ended(p + 2, base, what);
    }
    if (c === LF) return ended(p + 1, base, what);
    if (c === SP || c === HTAB) throw badResponse(`${what}: obsolete line folding or whitespace before a field name at byte ${p - base}`);
    const nameStart = p;
    let upper = false;
    while (c !== COLON) {
      if (TCHAR[c] !== 1) {
        if (c === SP || c === HTAB) throw badResponse(`${what}: whitespace between a field name and its colon at byte ${p - base}`);
        if (c === CR || c === LF) throw badResponse(`${what}: field line without a colon at byte ${p - base}`);
        throw badResponse(`${what}: invalid field name at byte ${p - base}`);
      }
      if (c <= 0x5a && c >= 0x41) upper = true;
      if (++p >= len) return incomplete(len, base, what);
      c = buf[p]!;
    }
    if (p === nameStart) throw badResponse(`${what}: empty field name at byte ${p - base}`);
    let name = knownFieldName(buf, nameStart, p);
    if (name === undefined) {
      const raw = latin1(buf, nameStart, p);
      name = upper ? raw.toLowerCase() : raw;
    }
    p++;
    while (p < len && (buf[p] === SP || buf[p] === HTAB)) p++;
    const valueStart = p;
    let valueEnd = p;
    for (;;) {
      if (p >= len) return incomplete(len, base, what);
      c = buf[p]!;
      if (c === CR || c === LF) break;
      if (c === SP || c === HTAB) {
        p++;
        continue;
      }
      if (c < 0x20 || c === 0x7f) throw badResponse(`${what}: invalid character 0x${c.toString(16).padStart(2, '0')} in the value of "${name}" at byte ${p - base}`);
      valueEnd = ++p;
    }
    if (c === CR) {
      if (p + 1 >= len) return incomplete(len, base, what);
      if (buf[p + 1] !== LF) throw badResponse(`${what}: bare CR at byte ${p - base}`);
      p += 2;
    } else {
      p++;
    }
    const value = latin1(buf, valueStart, valueEnd);
    const previous = into.get(name);
    into.set(name, previous === undefined ? value : `${previous}, ${value}`);
  }
}

function ended(end: number, base: number, what: string): number {
  if (end - base > MAX_HEAD_BYTES) throw tooLarge(what);
  return end;
}

/** -1 (wait for more bytes), unless the section already runs past the bound. */
function incomplete(len: number, base: number, what: string): number {
  if (len - base > MAX_HEAD_BYTES) throw tooLarge(what);
  return -1;
}

function tooLarge(what: string): Error {
  return badResponse(`${what}: larger than ${MAX_HEAD_BYTES} bytes`);
}

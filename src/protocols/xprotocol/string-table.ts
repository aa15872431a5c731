// Decoded metas as strings without a native call per string: service, method and header names
// and values repeat from call to call, so short ASCII strings are kept in a small table by a hash
// of their bytes, and a repeat costs one compare instead of Buffer#toString (a native call that
// was a third of a Dubbo request's decode). A cache only, one per thread: a string comes back
// only when all its bytes compare equal.

/** Longer strings are rarely repeated metas; they are decoded as they come. */
export const TABLE_MAX_LENGTH = 64;
const SLOTS = 1024;
const table: (string | undefined)[] = new Array<string | undefined>(SLOTS).fill(undefined);

/** The hash `tableString` expects, one byte at a time (FNV-1a's multiply), seeded with the length. */
export function hashStep(hash: number, byte: number): number {
  return Math.imul(hash ^ byte, 0x01000193);
}

/** The ASCII string of `count` bytes at `start`, whose `hashStep` hash (seeded with `count`) is `hash`. */
export function tableString(buf: Buffer, start: number, count: number, hash: number): string {
  const slot = (hash ^ (hash >>> 16)) & (SLOTS - 1);
  const known = table[slot];
  if (known !== undefined && known.length === count) {
    let same = true;
    for (let i = 0; i < count; i++) {
      if (known.charCodeAt(i) !== buf[start + i]) {
        same = false;
        break;
      }
    }
    if (same) return known;
  }
  const text = buf.toString('latin1', start, start + count);
  table[slot] = text;
  return text;
}

/** UTF-8 text from `start` to `end`, from the table when short and ASCII. */
export function utf8Text(buf: Buffer, start: number, end: number): string {
  const count = end - start;
  if (count > TABLE_MAX_LENGTH) return buf.toString('utf8', start, end);
  let hash = count;
  for (let i = start; i < end; i++) {
    const byte = buf[i]!;
    if (byte >= 0x80) return buf.toString('utf8', start, end);
    hash = hashStep(hash, byte);
  }
  return tableString(buf, start, count, hash);
}

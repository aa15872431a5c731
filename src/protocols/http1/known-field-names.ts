// Field names most HTTP/1.1 heads carry, matched in place: a known name costs no string copy or
// lower-casing, and every head shares the one (internalized) string, which the header maps then
// look up fastest.

/** Lower-case names, each with its bytes, by length. */
const NAMES_BY_LENGTH: (readonly [Uint8Array, string])[][] = [];

for (const name of [
  'accept',
  'accept-encoding',
  'accept-ranges',
  'age',
  'cache-control',
  'connection',
  'content-encoding',
  'content-length',
  'content-type',
  'date',
  'etag',
  'expires',
  'grpc-message',
  'grpc-status',
  'host',
  'keep-alive',
  'last-modified',
  'location',
  'server',
  'set-cookie',
  'te',
  'trailer',
  'transfer-encoding',
  'user-agent',
  'vary',
  'via',
  'x-forwarded-for',
  'x-request-id',
]) {
  (NAMES_BY_LENGTH[name.length] ??= []).push([Buffer.from(name, 'latin1'), name]);
}

/** The known lower-case name spelled (in any case) by `buf[start..end)`, or undefined. */
export function knownFieldName(buf: Uint8Array, start: number, end: number): string | undefined {
  const candidates = NAMES_BY_LENGTH[end - start];
  if (candidates === undefined) return undefined;
  for (const [bytes, name] of candidates) {
    let i = 0;
    for (; i < bytes.length; i++) {
      let c = buf[start + i]!;
      if (c >= 0x41 && c <= 0x5a) c |= 0x20;
      if (c !== bytes[i]) break;
    }
    if (i === bytes.length) return name;
  }
  return undefined;
}

// A Bolt request's header map (SOFA RPC's SimpleMapSerializer): repeated 32-bit key length, key,
// 32-bit value length (-1 for null), value, all UTF-8. Read into lower-cased headers.
import { FrameFieldError } from '../xprotocol/frame-error.ts';
import { utf8Text } from '../xprotocol/string-table.ts';

export function readHeaderMap(bytes: Buffer, start: number, end: number, into: Map<string, string>): void {
  let pos = start;
  while (pos < end) {
    const key = readPart(bytes, pos, end, 'key');
    pos = key.next;
    const value = readPart(bytes, pos, end, 'value');
    pos = value.next;
    // A null value (length -1) reads as absent.
    if (value.text !== undefined) into.set((key.text ?? '').toLowerCase(), value.text);
  }
}

function readPart(bytes: Buffer, pos: number, end: number, what: 'key' | 'value'): { text: string | undefined; next: number } {
  if (pos + 4 > end) throw new FrameFieldError(`bolt header map: ${what} length at offset ${pos} is cut off by the map's end`);
  const length = bytes.readInt32BE(pos);
  const from = pos + 4;
  if (length === -1) return { text: undefined, next: from };
  if (length < 0 || length > end - from) throw new FrameFieldError(`bolt header map: ${what} length ${length} at offset ${pos} does not fit the ${end - from} bytes left`);
  return { text: utf8Text(bytes, from, from + length), next: from + length };
}

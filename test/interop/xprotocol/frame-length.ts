// The length of the first Dubbo or Bolt frame in a byte stream, read from the fixed header
// fields of each protocol's layout, so recorded streams can be cut into frames.

export type WireProtocol = 'dubbo' | 'bolt';

/** Dubbo: magic 0xdabb, flag, status, 8-byte id, 4-byte body length, then the body. */
const DUBBO_HEADER = 16;
const DUBBO_MAGIC = 0xdabb;

/**
 * Bolt, per version and command type: header size and where its class, header and content
 * lengths sit (2, 2 and 4 bytes, big-endian). v1 puts the type at byte 1, v2 at byte 2 (after
 * `ver1`); a request carries a 4-byte timeout where a response has a 2-byte status.
 */
const BOLT_LAYOUT = {
  1: { typeAt: 1, request: { header: 22, lengthsAt: 14 }, response: { header: 20, lengthsAt: 12 } },
  2: { typeAt: 2, request: { header: 24, lengthsAt: 16 }, response: { header: 22, lengthsAt: 14 } },
} as const;
const BOLT_RESPONSE_TYPE = 0x00;
/** v2 byte 11 (`switch`) set to 1 means a CRC32 of the frame follows it. */
const BOLT_V2_SWITCH_AT = 11;
const CRC32_SIZE = 4;

/**
 * The length of the frame at the start of `bytes`, or undefined while its header is not all
 * there. Bytes that cannot start a frame of `protocol` throw, naming the field.
 */
export function frameLength(protocol: WireProtocol, bytes: Buffer): number | undefined {
  return protocol === 'dubbo' ? dubboFrameLength(bytes) : boltFrameLength(bytes);
}

function dubboFrameLength(bytes: Buffer): number | undefined {
  if (bytes.length >= 2 && bytes.readUInt16BE(0) !== DUBBO_MAGIC) {
    throw new Error(`dubbo frame: magic is 0x${bytes.readUInt16BE(0).toString(16)}, expected 0x${DUBBO_MAGIC.toString(16)}`);
  }
  if (bytes.length < DUBBO_HEADER) return undefined;
  return DUBBO_HEADER + bytes.readUInt32BE(12);
}

function boltFrameLength(bytes: Buffer): number | undefined {
  if (bytes.length === 0) return undefined;
  const proto = bytes[0];
  if (proto !== 1 && proto !== 2) throw new Error(`bolt frame: proto byte is ${String(proto)}, expected 1 (v1) or 2 (v2)`);
  const layout = BOLT_LAYOUT[proto];
  if (bytes.length <= layout.typeAt) return undefined;
  const { header, lengthsAt } = bytes[layout.typeAt] === BOLT_RESPONSE_TYPE ? layout.response : layout.request;
  if (bytes.length < header) return undefined;
  const body = bytes.readUInt16BE(lengthsAt) + bytes.readUInt16BE(lengthsAt + 2) + bytes.readUInt32BE(lengthsAt + 4);
  const crc = proto === 2 && bytes[BOLT_V2_SWITCH_AT] === 1 ? CRC32_SIZE : 0;
  return header + body + crc;
}

/** `bytes` as exactly one frame; anything short of or beyond one frame throws, naming `what`. */
export function singleFrame(protocol: WireProtocol, bytes: Buffer, what: string): Buffer {
  const length = frameLength(protocol, bytes);
  if (length === undefined || bytes.length < length) {
    throw new Error(`${what}: ${bytes.length} bytes hold no complete ${protocol} frame${length === undefined ? '' : ` (header says ${length})`}`);
  }
  if (bytes.length > length) throw new Error(`${what}: ${bytes.length - length} bytes follow the first ${protocol} frame of ${length}`);
  return bytes;
}

// The Dubbo exchange header (Dubbo's ExchangeCodec): 16 bytes — magic 0xdabb, flags (request,
// two-way, event, serialization id), response status, 64-bit request id, 32-bit body length.
export const HEADER_BYTES = 16;
export const MAGIC_HIGH = 0xda;
export const MAGIC_LOW = 0xbb;
export const FLAGS_OFFSET = 2;
export const STATUS_OFFSET = 3;
export const ID_OFFSET = 4;
export const LENGTH_OFFSET = 12;

export const FLAG_REQUEST = 0x80;
export const FLAG_TWO_WAY = 0x40;
export const FLAG_EVENT = 0x20;
export const SERIALIZATION_MASK = 0x1f;
/** The serialization id of hessian2 (Dubbo's Hessian2Serialization), the only one whose bodies are read. */
export const HESSIAN2 = 2;
/** Hessian's null: the body of heartbeats. */
export const HESSIAN_NULL = 0x4e;

/** Response status byte (Dubbo's Response constants). */
export const DUBBO_STATUS = {
  OK: 20,
  CLIENT_TIMEOUT: 30,
  SERVER_TIMEOUT: 31,
  BAD_REQUEST: 40,
  BAD_RESPONSE: 50,
  SERVICE_NOT_FOUND: 60,
  SERVICE_ERROR: 70,
  SERVER_ERROR: 80,
  CLIENT_ERROR: 90,
  SERVER_THREADPOOL_EXHAUSTED: 100,
} as const;

/** A header with the id and body length filled in, followed by `body`. */
export function dubboFrame(flags: number, status: number, id: bigint, body: Buffer | Uint8Array): Buffer {
  const frame = Buffer.allocUnsafe(HEADER_BYTES + body.length);
  frame[0] = MAGIC_HIGH;
  frame[1] = MAGIC_LOW;
  frame[FLAGS_OFFSET] = flags;
  frame[STATUS_OFFSET] = status;
  frame.writeBigInt64BE(id, ID_OFFSET);
  frame.writeInt32BE(body.length, LENGTH_OFFSET);
  frame.set(body, HEADER_BYTES);
  return frame;
}

/** Any id the mesh hands out, as the signed 64-bit value Java reads. */
export function toDubboId(id: number | bigint): bigint {
  return BigInt.asIntN(64, typeof id === 'bigint' ? id : BigInt(id));
}

// The Dubbo 2 codec (`sidelet.protocol.dubbo`): frames by the 16-byte header, reads a request's
// metas and attachments with the arguments stepped over, answers heartbeats and hijacks calls
// with Dubbo's own status bytes. Only hessian2 bodies are read. Stateless: share it.
import type { MeshFailureCode } from '../../core/errors.ts';
import { type Decoded, type Detection, type FrameLength, NEED_MORE, type XProtocolCodec } from '../xprotocol/codec.ts';
import { FrameFieldError, formatSize } from '../xprotocol/frame-error.ts';
import type { FrameKind, RequestId, XFrame } from '../xprotocol/frame.ts';
import { type DubboResponseType, isNullBody, readBodyString, readRequestHeaders, readResponseBody } from './dubbo-body.ts';
import {
  DUBBO_STATUS,
  dubboFrame,
  FLAG_EVENT,
  FLAG_REQUEST,
  FLAG_TWO_WAY,
  FLAGS_OFFSET,
  HEADER_BYTES,
  HESSIAN_NULL,
  HESSIAN2,
  ID_OFFSET,
  LENGTH_OFFSET,
  MAGIC_HIGH,
  MAGIC_LOW,
  SERIALIZATION_MASK,
  STATUS_OFFSET,
  toDubboId,
} from './dubbo-layout.ts';
import { dubboStatusFor, httpStatusOfDubbo } from './dubbo-status.ts';
import { hessianString } from './hessian-string.ts';

export const DUBBO_PROTOCOL = 'sidelet.protocol.dubbo';

export interface DubboFrame extends XFrame {
  readonly requestId: bigint;
  readonly serializationId: number;
  /** OK responses read as hessian2: whether the call returned a value, null, or threw. */
  readonly responseType: DubboResponseType | undefined;
  /** Non-OK responses read as hessian2: the error message the server sent. */
  readonly errorMessage: string | undefined;
}

const NO_HEADERS: ReadonlyMap<string, string> = new Map();
const NULL_BODY = Buffer.from([HESSIAN_NULL]);
const EMPTY = Buffer.alloc(0);

export const dubboCodec: XProtocolCodec<DubboFrame> = {
  name: DUBBO_PROTOCOL,
  headerBytes: HEADER_BYTES,
  detectBytes: 2,

  detect(head: Buffer): Detection {
    if (head.length === 0) return 'need-more';
    if (head[0] !== MAGIC_HIGH) return 'no-match';
    if (head.length === 1) return 'need-more';
    return head[1] === MAGIC_LOW ? 'match' : 'no-match';
  },

  frameLength(head: Buffer, maxPayloadBytes: number): FrameLength {
    if (head.length >= 1 && (head[0] !== MAGIC_HIGH || (head.length >= 2 && head[1] !== MAGIC_LOW))) {
      const magic = head.length >= 2 ? head.readUInt16BE(0) : head[0]!;
      return { kind: 'error', reason: `dubbo header: magic 0x${magic.toString(16).padStart(head.length >= 2 ? 4 : 2, '0')} is not 0xdabb` };
    }
    if (head.length < HEADER_BYTES) return NEED_MORE;
    const bodyLength = head.readInt32BE(LENGTH_OFFSET);
    if (bodyLength < 0) return { kind: 'error', reason: `dubbo header: body length ${bodyLength} is negative` };
    if (bodyLength > maxPayloadBytes) return { kind: 'error', reason: `dubbo header: body length ${bodyLength} exceeds the ${formatSize(maxPayloadBytes)} frame limit` };
    return { kind: 'length', length: HEADER_BYTES + bodyLength };
  },

  decode(bytes: Buffer): Decoded<DubboFrame> {
    try {
      return { kind: 'frame', frame: decodeFrame(bytes) };
    } catch (error) {
      return { kind: 'error', reason: error instanceof FrameFieldError ? error.message : `dubbo: ${String(error)}` };
    }
  },

  setRequestId(bytes: Buffer, id: RequestId): void {
    bytes.writeBigInt64BE(toDubboId(id), ID_OFFSET);
  },

  heartbeat(requestId: RequestId): Buffer {
    return dubboFrame(FLAG_REQUEST | FLAG_TWO_WAY | FLAG_EVENT | HESSIAN2, 0, toDubboId(requestId), NULL_BODY);
  },

  replyHeartbeat(request: DubboFrame): Buffer {
    const serialization = request.serializationId;
    return dubboFrame(FLAG_EVENT | serialization, DUBBO_STATUS.OK, request.requestId, serialization === HESSIAN2 ? NULL_BODY : EMPTY);
  },

  hijack(request: DubboFrame, code: MeshFailureCode, detail: string): Buffer | undefined {
    if (request.kind !== 'request') return undefined;
    // A non-OK response's body is the error message, one string (Dubbo's ExchangeCodec.encodeResponse).
    return dubboFrame(request.serializationId, dubboStatusFor(code), request.requestId, hessianString(`${code}: ${detail}`));
  },

  statusFor: dubboStatusFor,

  httpStatus(response: DubboFrame): number {
    return response.kind === 'heartbeat-response' ? 200 : httpStatusOfDubbo(response.status ?? 0);
  },
};

function decodeFrame(bytes: Buffer): DubboFrame {
  if (bytes.length < HEADER_BYTES || bytes[0] !== MAGIC_HIGH || bytes[1] !== MAGIC_LOW) throw new FrameFieldError(`dubbo header: ${bytes.length} bytes do not start with a 16-byte header with magic 0xdabb`);
  const bodyLength = bytes.readInt32BE(LENGTH_OFFSET);
  if (bodyLength !== bytes.length - HEADER_BYTES) throw new FrameFieldError(`dubbo header: body length ${bodyLength}, but the frame has ${bytes.length - HEADER_BYTES} body bytes`);
  const flags = bytes[FLAGS_OFFSET]!;
  const requestId = bytes.readBigInt64BE(ID_OFFSET);
  const serializationId = flags & SERIALIZATION_MASK;
  const isRequest = (flags & FLAG_REQUEST) !== 0;
  const hessian = serializationId === HESSIAN2;
  const status = isRequest ? undefined : bytes[STATUS_OFFSET]!;
  let kind: FrameKind;
  let headers = NO_HEADERS;
  let responseType: DubboResponseType | undefined;
  let errorMessage: string | undefined;

  if ((flags & FLAG_EVENT) !== 0) {
    // Heartbeats carry null; other events (READONLY: "R") a value. Other serializations' event
    // bodies are not read, and count as heartbeats.
    const heartbeat = !hessian || isNullBody(bytes, HEADER_BYTES);
    kind = heartbeat ? (isRequest ? 'heartbeat-request' : 'heartbeat-response') : 'event';
    if (!heartbeat) headers = new Map([['event', readBodyString(bytes, HEADER_BYTES, 'event')]]);
  } else if (isRequest) {
    if (!hessian) throw new FrameFieldError(`dubbo header: serialization id ${serializationId} of a request is not hessian2 (${HESSIAN2}), the only one whose metas can be read`);
    kind = (flags & FLAG_TWO_WAY) !== 0 ? 'request' : 'oneway';
    headers = readRequestHeaders(bytes, HEADER_BYTES);
  } else {
    kind = 'response';
    if (hessian && status === DUBBO_STATUS.OK) {
      const body = readResponseBody(bytes, HEADER_BYTES);
      responseType = body.type;
      headers = body.headers;
    } else if (hessian) {
      errorMessage = readBodyString(bytes, HEADER_BYTES, 'error message');
    }
  }
  return {
    protocol: DUBBO_PROTOCOL,
    kind,
    requestId,
    headers,
    timeoutMs: kind === 'request' || kind === 'oneway' ? timeoutOf(headers.get('timeout')) : undefined,
    status,
    bytes,
    serializationId,
    responseType,
    errorMessage,
  };
}

/** The `timeout` attachment in ms; anything but a positive integer is no timeout. */
function timeoutOf(value: string | undefined): number | undefined {
  if (value === undefined || !/^[0-9]{1,10}$/.test(value)) return undefined;
  const ms = Number(value);
  return ms > 0 ? ms : undefined;
}

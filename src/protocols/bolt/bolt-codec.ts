// The SOFA Bolt codec (`sidelet.protocol.bolt`): v1 and v2 (with the optional CRC32) requests,
// responses and heartbeats, framed by their fixed headers; routing metas from the header map
// only, the content never read. Stateless: share it.
import type { MeshFailureCode } from '../../core/errors.ts';
import { type Decoded, type Detection, type FrameLength, NEED_MORE, type XProtocolCodec } from '../xprotocol/codec.ts';
import { FrameFieldError, formatSize } from '../xprotocol/frame-error.ts';
import { utf8Text } from '../xprotocol/string-table.ts';
import type { FrameKind, RequestId, XFrame } from '../xprotocol/frame.ts';
import { readHeaderMap } from './bolt-header-map.ts';
import {
  type BoltLayout,
  type BoltOrigin,
  CMD_HEARTBEAT,
  CMD_REQUEST,
  CMD_RESPONSE,
  CODEC_HESSIAN2,
  CRC_BYTES,
  emptyFrame,
  frameCrc,
  hasCrc,
  layoutOf,
  MAX_HEADER_BYTES,
  TYPE_ONEWAY,
  TYPE_REQUEST,
  TYPE_RESPONSE,
} from './bolt-layout.ts';
import { BOLT_STATUS, boltStatusFor, httpStatusOfBolt } from './bolt-status.ts';

export const BOLT_PROTOCOL = 'sidelet.protocol.bolt';

export interface BoltFrame extends XFrame, BoltOrigin {
  readonly requestId: number;
  /** The class of the content (`com.alipay.sofa.rpc.core.request.SofaRequest`); '' when none. */
  readonly className: string;
}

/** What the mesh's own heartbeats look like without a frame to copy: v1, hessian2, as SOFA RPC sends. */
const V1_ORIGIN: BoltOrigin = { version: 1, protocolVersion: 1, commandVersion: 1, codec: CODEC_HESSIAN2, switchBits: 0 };

export const boltCodec: XProtocolCodec<BoltFrame> = {
  name: BOLT_PROTOCOL,
  headerBytes: MAX_HEADER_BYTES,
  detectBytes: 5,

  detect(head: Buffer): Detection {
    // v1: 01 type 00 cmd; v2: 02 version type 00 cmd — with each code in its range.
    const version = head[0];
    if (version === undefined) return 'need-more';
    if (version !== 1 && version !== 2) return 'no-match';
    const expected = version === 1 ? [[1], [0, 1, 2], [0], [0, 1, 2]] : [[2], [1, 2], [0, 1, 2], [0], [0, 1, 2]];
    for (let i = 1; i < expected.length; i++) {
      const byte = head[i];
      if (byte === undefined) return 'need-more';
      if (!expected[i]!.includes(byte)) return 'no-match';
    }
    return 'match';
  },

  frameLength(head: Buffer, maxPayloadBytes: number): FrameLength {
    let layout;
    try {
      layout = layoutOf(head);
    } catch (error) {
      return { kind: 'error', reason: (error as Error).message };
    }
    if (layout === undefined || head.length < layout.headerBytes) return NEED_MORE;
    const classLength = head.readInt16BE(layout.classLength);
    const headerLength = head.readInt16BE(layout.headerLength);
    const contentLength = head.readInt32BE(layout.contentLength);
    const lengths = `class, header and content lengths ${classLength} + ${headerLength} + ${contentLength}`;
    if (classLength < 0 || headerLength < 0 || contentLength < 0) return { kind: 'error', reason: `${layout.name}: ${lengths}: a length is negative` };
    const payload = classLength + headerLength + contentLength + (hasCrc(layout, head) ? CRC_BYTES : 0);
    if (payload > maxPayloadBytes) return { kind: 'error', reason: `${layout.name}: ${lengths} exceed the ${formatSize(maxPayloadBytes)} frame limit` };
    return { kind: 'length', length: layout.headerBytes + payload };
  },

  decode(bytes: Buffer): Decoded<BoltFrame> {
    try {
      return { kind: 'frame', frame: decodeFrame(bytes) };
    } catch (error) {
      return { kind: 'error', reason: error instanceof FrameFieldError ? error.message : `bolt: ${String(error)}` };
    }
  },

  setRequestId(bytes: Buffer, id: RequestId): void {
    const layout = layoutOf(bytes)!;
    bytes.writeUInt32BE(boltId(id), layout.id);
    if (hasCrc(layout, bytes)) bytes.writeUInt32BE(frameCrc(bytes), bytes.length - CRC_BYTES);
  },

  heartbeat(requestId: RequestId, like?: BoltFrame): Buffer {
    // Timeout 0: no deadline on the receiving side, which only acknowledges a heartbeat.
    return emptyFrame(like ?? V1_ORIGIN, TYPE_REQUEST, CMD_HEARTBEAT, boltId(requestId), 0);
  },

  replyHeartbeat(request: BoltFrame): Buffer {
    return emptyFrame(request, TYPE_RESPONSE, CMD_HEARTBEAT, request.requestId, BOLT_STATUS.SUCCESS);
  },

  hijack(request: BoltFrame, code: MeshFailureCode): Buffer | undefined {
    if (request.kind !== 'request') return undefined;
    // No content, as MOSN answers: Bolt clients raise the exception the status names, and no
    // message would be read from a content the serializer did not write.
    return emptyFrame(request, TYPE_RESPONSE, CMD_RESPONSE, request.requestId, boltStatusFor(code));
  },

  statusFor: boltStatusFor,

  httpStatus(response: BoltFrame): number {
    return httpStatusOfBolt(response.status ?? BOLT_STATUS.UNKNOWN);
  },
};

function decodeFrame(bytes: Buffer): BoltFrame {
  const layout = layoutOf(bytes);
  if (layout === undefined || bytes.length < layout.headerBytes) throw new FrameFieldError(`bolt header: ${bytes.length} bytes are too few for a fixed header`);
  const type = bytes[layout.type]!;
  const command = bytes.readUInt16BE(layout.command);
  const kind = kindOf(layout, type, command);
  const crc = hasCrc(layout, bytes);
  const classLength = bytes.readInt16BE(layout.classLength);
  const headerLength = bytes.readInt16BE(layout.headerLength);
  const contentLength = bytes.readInt32BE(layout.contentLength);
  const expected = layout.headerBytes + classLength + headerLength + contentLength + (crc ? CRC_BYTES : 0);
  if (classLength < 0 || headerLength < 0 || contentLength < 0 || expected !== bytes.length) {
    throw new FrameFieldError(`${layout.name}: the frame is ${bytes.length} bytes, its class, header and content lengths ${classLength} + ${headerLength} + ${contentLength} say ${expected}`);
  }
  if (crc) {
    const sent = bytes.readUInt32BE(bytes.length - CRC_BYTES);
    const actual = frameCrc(bytes);
    if (sent !== actual) throw new FrameFieldError(`bolt v2: crc32 mismatch: the frame says 0x${sent.toString(16).padStart(8, '0')}, its bytes give 0x${actual.toString(16).padStart(8, '0')}`);
  }
  const classStart = layout.headerBytes;
  const headerStart = classStart + classLength;
  const className = utf8Text(bytes, classStart, headerStart);
  const headers = new Map<string, string>();
  readHeaderMap(bytes, headerStart, headerStart + headerLength, headers);
  const response = layout.status >= 0;
  if (!response) {
    const service = headers.get('service') ?? headers.get('sofa_head_target_service');
    if (service !== undefined) headers.set('service', service);
    const method = headers.get('sofa_head_method_name');
    if (method !== undefined) headers.set('method', method);
  }
  if (className !== '') headers.set('class', className);
  const timeout = response ? 0 : bytes.readInt32BE(layout.timeout);
  return {
    protocol: BOLT_PROTOCOL,
    kind,
    requestId: bytes.readUInt32BE(layout.id),
    headers,
    timeoutMs: timeout > 0 ? timeout : undefined,
    status: response ? bytes.readUInt16BE(layout.status) : undefined,
    bytes,
    version: layout.version,
    protocolVersion: layout.version === 1 ? 1 : bytes[1]!,
    commandVersion: bytes[layout.commandVersion]!,
    codec: bytes[layout.codec]!,
    switchBits: layout.switch >= 0 ? bytes[layout.switch]! : 0,
    className,
  };
}

/** Any id the mesh hands out, as Bolt's unsigned 32 bits. */
function boltId(id: RequestId): number {
  return typeof id === 'number' ? id >>> 0 : Number(BigInt.asUintN(32, id));
}

function kindOf(layout: BoltLayout, type: number, command: number): FrameKind {
  if (command === CMD_HEARTBEAT && type !== TYPE_ONEWAY) return type === TYPE_REQUEST ? 'heartbeat-request' : 'heartbeat-response';
  if (command === CMD_REQUEST && type !== TYPE_RESPONSE) return type === TYPE_REQUEST ? 'request' : 'oneway';
  if (command === CMD_RESPONSE && type === TYPE_RESPONSE) return 'response';
  throw new FrameFieldError(`${layout.name}: command code ${command} does not go with command type ${type} (heartbeat 0 with type 0 or 1, request 1 with type 1 or 2, response 2 with type 0)`);
}

// SOFA Bolt's fixed headers (sofa-bolt's RpcProtocol and RpcProtocolV2): where each field sits
// in v1 and v2 requests and responses, and the codes of the type, command and switch fields.
import { crc32 } from 'node:zlib';
import { FrameFieldError, hexByte } from '../xprotocol/frame-error.ts';

export const TYPE_RESPONSE = 0;
export const TYPE_REQUEST = 1;
export const TYPE_ONEWAY = 2;
export const CMD_HEARTBEAT = 0;
export const CMD_REQUEST = 1;
export const CMD_RESPONSE = 2;
export const CODEC_HESSIAN2 = 1;
/** Bit 0 of the v2 switch byte: a CRC32 of the frame follows it (v2 with protocol version 2 only). */
export const SWITCH_CRC = 0x01;
export const CRC_BYTES = 4;

/** Offsets of one header kind; -1 for a field it lacks. */
export interface BoltLayout {
  readonly name: string;
  readonly version: 1 | 2;
  readonly headerBytes: number;
  readonly type: number;
  readonly command: number;
  readonly commandVersion: number;
  readonly id: number;
  readonly codec: number;
  readonly switch: number;
  readonly timeout: number;
  readonly status: number;
  readonly classLength: number;
  readonly headerLength: number;
  readonly contentLength: number;
}

// v1: proto type cmd(2) ver2 id(4) codec, then timeout(4) or status(2), then the three lengths.
const V1_REQUEST: BoltLayout = { name: 'bolt v1 request', version: 1, headerBytes: 22, type: 1, command: 2, commandVersion: 4, id: 5, codec: 9, switch: -1, timeout: 10, status: -1, classLength: 14, headerLength: 16, contentLength: 18 };
const V1_RESPONSE: BoltLayout = { name: 'bolt v1 response', version: 1, headerBytes: 20, type: 1, command: 2, commandVersion: 4, id: 5, codec: 9, switch: -1, timeout: -1, status: 10, classLength: 12, headerLength: 14, contentLength: 16 };
// v2: a protocol version byte after the code, and a switch byte after the codec.
const V2_REQUEST: BoltLayout = { name: 'bolt v2 request', version: 2, headerBytes: 24, type: 2, command: 3, commandVersion: 5, id: 6, codec: 10, switch: 11, timeout: 12, status: -1, classLength: 16, headerLength: 18, contentLength: 20 };
const V2_RESPONSE: BoltLayout = { name: 'bolt v2 response', version: 2, headerBytes: 22, type: 2, command: 3, commandVersion: 5, id: 6, codec: 10, switch: 11, timeout: -1, status: 12, classLength: 14, headerLength: 16, contentLength: 18 };

export const MAX_HEADER_BYTES = 24;

/** The layout of the frame starting `head`, undefined while too few bytes tell; throws for unknown codes. */
export function layoutOf(head: Buffer): BoltLayout | undefined {
  if (head.length === 0) return undefined;
  const code = head[0]!;
  if (code !== 1 && code !== 2) throw new FrameFieldError(`bolt header: protocol code ${hexByte(code)} is neither 1 (v1) nor 2 (v2)`);
  if (code === 2) {
    if (head.length < 2) return undefined;
    const version = head[1]!;
    if (version !== 1 && version !== 2) throw new FrameFieldError(`bolt v2 header: protocol version ${version} is neither 1 nor 2`);
  }
  const typeAt = code === 1 ? 1 : 2;
  if (head.length <= typeAt) return undefined;
  const type = head[typeAt]!;
  if (type === TYPE_RESPONSE) return code === 1 ? V1_RESPONSE : V2_RESPONSE;
  if (type === TYPE_REQUEST || type === TYPE_ONEWAY) return code === 1 ? V1_REQUEST : V2_REQUEST;
  throw new FrameFieldError(`bolt v${code} header: command type ${type} is not 0 (response), 1 (request) or 2 (oneway)`);
}

/** Whether a v2 frame ends in a CRC32: protocol version 2 with the CRC switch on (as sofa-bolt decodes it). */
export function hasCrc(layout: BoltLayout, head: Buffer): boolean {
  return layout.version === 2 && head[1] === 2 && (head[layout.switch]! & SWITCH_CRC) !== 0;
}

/** CRC32 (IEEE) of all of a frame but its last four bytes, where the checksum goes. */
export function frameCrc(frame: Buffer): number {
  return crc32(frame.subarray(0, frame.length - CRC_BYTES));
}

/** What a frame the mesh writes copies from the frame it answers. */
export interface BoltOrigin {
  readonly version: 1 | 2;
  readonly protocolVersion: number;
  readonly commandVersion: number;
  readonly codec: number;
  readonly switchBits: number;
}

/** A frame without class, header or content: heartbeats and the mesh's error responses. */
export function emptyFrame(origin: BoltOrigin, type: number, command: number, id: number, statusOrTimeout: number): Buffer {
  const response = type === TYPE_RESPONSE;
  const layout = origin.version === 1 ? (response ? V1_RESPONSE : V1_REQUEST) : response ? V2_RESPONSE : V2_REQUEST;
  const crc = origin.version === 2 && origin.protocolVersion === 2 && (origin.switchBits & SWITCH_CRC) !== 0;
  const frame = Buffer.alloc(layout.headerBytes + (crc ? CRC_BYTES : 0));
  frame[0] = origin.version;
  if (origin.version === 2) {
    frame[1] = origin.protocolVersion;
    frame[layout.switch] = origin.switchBits;
  }
  frame[layout.type] = type;
  frame.writeUInt16BE(command, layout.command);
  frame[layout.commandVersion] = origin.commandVersion;
  frame.writeUInt32BE(id >>> 0, layout.id);
  frame[layout.codec] = origin.codec;
  if (response) frame.writeUInt16BE(statusOrTimeout, layout.status);
  else frame.writeInt32BE(statusOrTimeout, layout.timeout);
  if (crc) frame.writeUInt32BE(frameCrc(frame), frame.length - CRC_BYTES);
  return frame;
}

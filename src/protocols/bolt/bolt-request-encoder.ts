// A SOFA Bolt request frame from a call, as SOFA RPC sends one: v1 or v2 (optionally with the
// CRC32 trailer), class com.alipay.sofa.rpc.core.request.SofaRequest, the routing header map,
// and a hessian content — the SofaRequest, then each argument — in the Hessian 2.0 draft SOFA speaks.
import { encodeValues, hessian2Draft } from '../xprotocol/hessian-libraries.ts';
import { type JavaArg, sofaTypeName } from '../xprotocol/java-args.ts';
import { type BoltOrigin, CMD_REQUEST, CODEC_HESSIAN2, CRC_BYTES, emptyFrame, frameCrc, hasCrc, layoutOf, SWITCH_CRC, TYPE_REQUEST } from './bolt-layout.ts';

export const SOFA_REQUEST_CLASS = 'com.alipay.sofa.rpc.core.request.SofaRequest';
/** The version SOFA RPC gives a service published without one. */
export const SOFA_DEFAULT_VERSION = '1.0';

/** v1 (what SOFA RPC sends by default), v2, or v2 with the CRC32 trailer. */
export type BoltWireVersion = 'v1' | 'v2' | 'v2-crc';

export interface BoltCall {
  /** SOFA's unique service name, `interface:version[:uniqueId]` (see `sofaServiceName`). */
  readonly service: string;
  readonly method: string;
  readonly args: readonly JavaArg[];
  /** The target application, for routing by app (`sofa_head_target_app`). */
  readonly targetApp?: string;
  /** SofaRequest.requestProps; also flattened into the header map, as SOFA RPC's Java client does. */
  readonly requestProps?: Readonly<Record<string, string>>;
  /** The frame's timeout field (ms); 0 or absent: none. A SOFA server drops answers later than it. */
  readonly timeoutMs?: number;
  readonly wire?: BoltWireVersion;
}

const ORIGINS: Readonly<Record<BoltWireVersion, BoltOrigin>> = {
  v1: { version: 1, protocolVersion: 1, commandVersion: 1, codec: CODEC_HESSIAN2, switchBits: 0 },
  v2: { version: 2, protocolVersion: 1, commandVersion: 1, codec: CODEC_HESSIAN2, switchBits: 0 },
  'v2-crc': { version: 2, protocolVersion: 2, commandVersion: 1, codec: CODEC_HESSIAN2, switchBits: SWITCH_CRC },
};
const CLASS_BYTES = Buffer.from(SOFA_REQUEST_CLASS);
/** Class and header-map lengths are 16-bit fields. */
const MAX_SHORT = 0x7fff;

/** SOFA RPC's unique name of a service (ConfigUniqueNameGenerator): the uniqueId is what Dubbo calls a group. */
export function sofaServiceName(iface: string, version = SOFA_DEFAULT_VERSION, uniqueId = ''): string {
  return uniqueId === '' ? `${iface}:${version}` : `${iface}:${version}:${uniqueId}`;
}

/** Throws an Error naming the field when the header map outgrows its 16-bit length. */
export function encodeBoltRequest(call: BoltCall, id: number): Buffer {
  const headers = headerMap(call);
  if (headers.length > MAX_SHORT) throw new Error(`bolt request: the header map is ${headers.length} bytes, more than the ${MAX_SHORT} its length field holds`);
  const content = sofaContent(call);
  const head = emptyFrame(ORIGINS[call.wire ?? 'v1'], TYPE_REQUEST, CMD_REQUEST, id, call.timeoutMs ?? 0);
  const layout = layoutOf(head)!;
  const crc = hasCrc(layout, head) ? CRC_BYTES : 0;
  const frame = Buffer.allocUnsafe(layout.headerBytes + CLASS_BYTES.length + headers.length + content.length + crc);
  head.copy(frame, 0, 0, layout.headerBytes);
  frame.writeInt16BE(CLASS_BYTES.length, layout.classLength);
  frame.writeInt16BE(headers.length, layout.headerLength);
  frame.writeInt32BE(content.length, layout.contentLength);
  let at = layout.headerBytes;
  at += CLASS_BYTES.copy(frame, at);
  at += headers.copy(frame, at);
  content.copy(frame, at);
  if (crc > 0) frame.writeUInt32BE(frameCrc(frame), frame.length - CRC_BYTES);
  return frame;
}

/**
 * SOFA RPC's request header map (SimpleMapSerializer: 32-bit length and UTF-8 bytes for each key
 * and value): `service` and `sofa_head_target_service` (the unique name), `sofa_head_method_name`,
 * `sofa_head_target_app` when set, then the request props — what the mesh routes on.
 */
function headerMap(call: BoltCall): Buffer {
  const entries: [string, string][] = [
    ['service', call.service],
    ['sofa_head_target_service', call.service],
    ['sofa_head_method_name', call.method],
  ];
  if (call.targetApp !== undefined && call.targetApp !== '') entries.push(['sofa_head_target_app', call.targetApp]);
  for (const [name, value] of Object.entries(call.requestProps ?? {})) entries.push([name, value]);
  const parts: Buffer[] = [];
  for (const [name, value] of entries) parts.push(sized(name), sized(value));
  return Buffer.concat(parts);
}

function sized(text: string): Buffer {
  const bytes = Buffer.from(text, 'utf8');
  const out = Buffer.allocUnsafe(4 + bytes.length);
  out.writeInt32BE(bytes.length, 0);
  bytes.copy(out, 4);
  return out;
}

/** The SofaRequest's fields in the order sofa-hessian-node defines its class, then the arguments. */
function sofaContent(call: BoltCall): Buffer {
  return encodeValues(hessian2Draft(), (content) => {
    content.write({
      $class: SOFA_REQUEST_CLASS,
      $: {
        methodName: call.method,
        methodArgSigs: { $class: '[java.lang.String', $: call.args.map((arg) => sofaTypeName(arg.type)) },
        targetServiceUniqueName: call.service,
        targetAppName: call.targetApp ?? null,
        requestProps: call.requestProps === undefined ? null : { $class: 'java.util.HashMap', $: { ...call.requestProps } },
      },
    });
    for (const arg of call.args) content.write(arg.value);
  });
}

// How a Dubbo call ended, from its response frame (Dubbo's DecodeableRpcResult): status 20 with
// a value, null or exception flag (and attachments from 2.0.2 on), read with hessian.js; any other
// status is the server's error message — or, prefixed with a mesh code, sidelet's own answer.
import { MESH_FAILURES, type MeshFailureCode } from '../../core/errors.ts';
import { hessian2 } from '../xprotocol/hessian-libraries.ts';
import { describeException, type RpcOutcome, typedClass } from '../xprotocol/rpc-outcome.ts';
import type { DubboFrame } from './dubbo-codec.ts';
import { DUBBO_STATUS, HEADER_BYTES, HESSIAN2 } from './dubbo-layout.ts';

const STATUS_NAMES: ReadonlyMap<number, string> = new Map(Object.entries(DUBBO_STATUS).map(([name, status]) => [status, name]));
/** The codec's hijack writes `CODE: detail` as the error message. */
const HIJACKED = /^(SIDELET_[A-Z_]+): ([\s\S]*)$/;

/** Response flags 0 to 2 (exception, value, null); 3 to 5 are the same with attachments after. */
const WITH_ATTACHMENTS = 3;

export function dubboStatusName(status: number): string {
  return STATUS_NAMES.get(status) ?? 'UNKNOWN';
}

/** Reads a decoded response frame; never throws: an unreadable body is a `server-error` naming the field. */
export function decodeDubboResponse(frame: DubboFrame): RpcOutcome {
  const status = frame.status ?? 0;
  if (frame.serializationId !== HESSIAN2) return serverError(status, `dubbo response: serialization id ${frame.serializationId} is not hessian2 (${HESSIAN2})`);
  if (status !== DUBBO_STATUS.OK) {
    const message = frame.errorMessage ?? '';
    const hijacked = HIJACKED.exec(message);
    if (hijacked !== null && Object.hasOwn(MESH_FAILURES, hijacked[1]!)) return { kind: 'mesh-failure', code: hijacked[1] as MeshFailureCode, detail: hijacked[2]! };
    return serverError(status, message);
  }
  try {
    return readOkBody(frame.bytes.subarray(HEADER_BYTES));
  } catch (error) {
    return serverError(status, `dubbo response body: ${error instanceof Error ? error.message : String(error)}`);
  }
}

function readOkBody(body: Buffer): RpcOutcome {
  const { DecoderV2 } = hessian2();
  const decoder = new DecoderV2(body);
  const flag = decoder.readInt();
  if (flag < 0 || flag > 5) throw new Error(`response flag ${flag} is not one of 0 to 5`);
  const kind = flag % WITH_ATTACHMENTS;
  let value: unknown = null;
  let className: string | undefined;
  if (kind === 0) {
    value = decoder.read();
    // Read again with types for its class: hessian.js names only classes ending in "Exception".
    const typed = new DecoderV2(body);
    typed.readInt();
    className = typedClass(typed.read(true));
  } else if (kind === 1) {
    value = decoder.read();
  }
  const attachments = flag >= WITH_ATTACHMENTS ? toRecord(decoder.read()) : {};
  if (kind !== 0) return { kind: 'value', value, attachments };
  return { kind: 'exception', ...describeException(value, className), exception: value };
}

function toRecord(value: unknown): Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? { ...(value as Record<string, unknown>) } : {};
}

function serverError(status: number, message: string): RpcOutcome {
  return { kind: 'server-error', status, statusName: dubboStatusName(status), message };
}

// How a SOFA Bolt call ended, from its response frame: status SUCCESS with a SofaResponse
// (isError / errorMsg / appResponse, an exception object when the method threw), another status
// with the server's RpcServerException — or no content at all, which is sidelet's own answer.
import { MESH_FAILURES, type MeshFailureCode } from '../../core/errors.ts';
import { hexByte } from '../xprotocol/frame-error.ts';
import { hessian2Draft } from '../xprotocol/hessian-libraries.ts';
import { describeException, type RpcOutcome, typedClass } from '../xprotocol/rpc-outcome.ts';
import type { BoltFrame } from './bolt-codec.ts';
import { CODEC_HESSIAN2, layoutOf } from './bolt-layout.ts';
import { BOLT_STATUS, boltStatusFor } from './bolt-status.ts';

export const SOFA_RESPONSE_CLASS = 'com.alipay.sofa.rpc.core.response.SofaResponse';

const STATUS_NAMES: ReadonlyMap<number, string> = new Map(Object.entries(BOLT_STATUS).map(([name, status]) => [status, name]));

/**
 * The mesh code a hijacked status stands for. Several codes share a Bolt status and the answer
 * carries nothing else, so the first code (in MESH_FAILURES order) the codec answers it for.
 */
const MESH_CODES: ReadonlyMap<number, MeshFailureCode> = (() => {
  const codes = new Map<number, MeshFailureCode>();
  for (const code of Object.keys(MESH_FAILURES) as MeshFailureCode[]) {
    const status = boltStatusFor(code);
    if (!codes.has(status)) codes.set(status, code);
  }
  return codes;
})();

export function boltStatusName(status: number): string {
  return STATUS_NAMES.get(status) ?? 'UNKNOWN';
}

interface SofaResponse {
  readonly isError?: unknown;
  readonly errorMsg?: unknown;
  readonly appResponse?: unknown;
  readonly responseProps?: unknown;
}

/** Reads a decoded response frame; never throws: an unreadable content is a `server-error` naming the field. */
export function decodeBoltResponse(frame: BoltFrame): RpcOutcome {
  const status = frame.status ?? BOLT_STATUS.UNKNOWN;
  const content = contentOf(frame);
  if (status !== BOLT_STATUS.SUCCESS && content.length === 0 && frame.className === '') {
    const code = MESH_CODES.get(status);
    if (code !== undefined) return { kind: 'mesh-failure', code, detail: `bolt status ${hexByte(status)} (${boltStatusName(status)}) from the mesh` };
  }
  if (content.length > 0 && frame.codec !== CODEC_HESSIAN2) return serverError(status, `bolt response: content codec ${frame.codec} is not hessian2 (${CODEC_HESSIAN2})`);
  try {
    if (status !== BOLT_STATUS.SUCCESS) return serverError(status, content.length === 0 ? '' : errorMessage(content));
    return readSofaResponse(content, status);
  } catch (error) {
    return serverError(status, `bolt response content: ${error instanceof Error ? error.message : String(error)}`);
  }
}

function readSofaResponse(content: Buffer, status: number): RpcOutcome {
  const { DecoderV2 } = hessian2Draft();
  const read = new DecoderV2(content).read();
  if (typeof read === 'string') return serverError(status, read);
  if (typeof read !== 'object' || read === null) throw new Error(`expected a ${SOFA_RESPONSE_CLASS}, found ${read === null ? 'null' : typeof read}`);
  const response = read as SofaResponse;
  if (response.isError === true) return serverError(status, typeof response.errorMsg === 'string' ? response.errorMsg : '');
  const value = response.appResponse ?? null;
  if (value instanceof Error || isThrowable(value)) {
    // Read again with types for the exception's class: hessian.js names only classes ending in "Exception".
    const typed = new DecoderV2(content).read(true) as { $?: { appResponse?: unknown } };
    return { kind: 'exception', ...describeException(value, typedClass(typed.$?.appResponse)), exception: value };
  }
  return { kind: 'value', value, attachments: toRecord(response.responseProps) };
}

/** A Java Throwable read as a plain object: its class name did not end in "Exception". */
function isThrowable(value: unknown): boolean {
  return typeof value === 'object' && value !== null && 'detailMessage' in value && 'stackTrace' in value;
}

/** The message of an error status's RpcServerException (or a bare string). */
function errorMessage(content: Buffer): string {
  const read = new (hessian2Draft().DecoderV2)(content).read();
  if (typeof read === 'string') return read;
  if (read instanceof Error) return read.message;
  const detail = (read as { detailMessage?: unknown } | null)?.detailMessage;
  return typeof detail === 'string' ? detail : '';
}

function contentOf(frame: BoltFrame): Buffer {
  const { bytes } = frame;
  const layout = layoutOf(bytes)!;
  const start = layout.headerBytes + bytes.readInt16BE(layout.classLength) + bytes.readInt16BE(layout.headerLength);
  return bytes.subarray(start, start + bytes.readInt32BE(layout.contentLength));
}

function toRecord(value: unknown): Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? { ...(value as Record<string, unknown>) } : {};
}

function serverError(status: number, message: string): RpcOutcome {
  return { kind: 'server-error', status, statusName: boltStatusName(status), message };
}

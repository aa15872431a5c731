// One RPC request frame through the mesh and back: the call runs through the runtime, the answer
// frame gets the caller's request id back, and every mesh failure becomes the protocol's own error
// response (codec.hijack), so a caller always gets a frame it understands.
import type { LocalAnswer, MeshRequest, PipelineResult } from '../../core/call/request-pipeline.ts';
import { MeshError, type MeshFailureCode } from '../../core/errors.ts';
import type { XProtocolCodec } from './codec.ts';
import type { XFrame } from './frame.ts';
import { rpcMeshRequest, type RpcRequestOptions } from './rpc-request.ts';

/** The runtime's call: inline or worker host, the frame's bytes as the body. */
export type RuntimeCall = (request: MeshRequest, frame: Uint8Array) => Promise<PipelineResult>;

/**
 * Resolves with the answer to `frame` carrying the caller's request id: the upstream's response,
 * or a hijacked error response for a mesh failure; undefined for a oneway request. A heartbeat
 * request is answered at once. Rejects only with the signal's reason once it aborts, or for a
 * frame that asks no answer of the mesh (a response, a heartbeat answer, an event).
 */
export async function relayFrame(frame: XFrame, codec: XProtocolCodec, listenerName: string, options: RpcRequestOptions, call: RuntimeCall): Promise<Buffer | undefined> {
  if (frame.kind === 'heartbeat-request') return codec.replyHeartbeat(frame);
  if (frame.kind !== 'request' && frame.kind !== 'oneway') throw new TypeError(`only request frames are relayed, not a ${frame.kind} frame`);
  let result: PipelineResult;
  try {
    result = await call(rpcMeshRequest(frame, listenerName, options), frame.bytes);
  } catch (error) {
    if (options.signal?.aborted === true) throw error;
    if (error instanceof MeshError) return codec.hijack(frame, error.code, error.message);
    return codec.hijack(frame, 'SIDELET_RUNTIME_FAILURE', error instanceof Error ? error.message : String(error));
  }
  if (result.kind === 'local') return codec.hijack(frame, localAnswerCode(result), `${result.responseFlag === 'FI' ? 'fault filter abort' : 'direct_response'} ${result.status}${result.body === undefined ? '' : `: ${result.body}`}`);
  if (frame.kind === 'oneway') return undefined;
  const body = result.call.response.body;
  if (!(body instanceof Uint8Array)) return codec.hijack(frame, 'SIDELET_UPSTREAM_RESET', `no response frame from ${result.call.endpoint.id}`);
  const answer = Buffer.isBuffer(body) ? body : Buffer.from(body.buffer, body.byteOffset, body.byteLength);
  codec.setRequestId(answer, frame.requestId);
  return answer;
}

/** The mesh's own answers in RPC terms: a fault abort as a service error, a direct_response by its status. */
const LOCAL_BY_STATUS: Readonly<Record<number, MeshFailureCode>> = { 404: 'SIDELET_NO_ROUTE', 429: 'SIDELET_RATE_LIMITED', 503: 'SIDELET_OVERLOADED', 504: 'SIDELET_TIMEOUT' };

function localAnswerCode(answer: LocalAnswer): MeshFailureCode {
  if (answer.responseFlag === 'FI') return 'SIDELET_FAULT_ABORT';
  return LOCAL_BY_STATUS[answer.status] ?? 'SIDELET_FAULT_ABORT';
}

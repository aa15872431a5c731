// A decoded request frame as a call through the core: routed like a gRPC call (authority = the
// service, path = /service/method, every meta a header, as route-context.ts lays out), with the
// frame as its replayable body and its oneway flag and timeout for the pipeline.
import type { MeshRequest } from '../../core/call/request-pipeline.ts';
import type { PolicyOverrides } from '../../core/model/caller-overrides.ts';
import type { XFrame } from './frame.ts';
import { methodName, RPC_METHOD, serviceName } from './route-context.ts';

export interface RpcRequestOptions {
  readonly signal?: AbortSignal;
  /** Per-call overrides, the top of the precedence. */
  readonly overrides?: PolicyOverrides;
}

/** `frame` must be a `request` or `oneway` frame; `listenerName` is the listener whose routes apply. */
export function rpcMeshRequest(frame: XFrame, listenerName: string, options: RpcRequestOptions = {}): MeshRequest {
  const service = serviceName(frame);
  return {
    listenerName,
    authority: service,
    path: `/${service}/${methodName(frame)}`,
    method: RPC_METHOD,
    headers: frame.headers,
    bodyReplayable: true,
    rpc: { protocol: frame.protocol, oneway: frame.kind === 'oneway', timeoutMs: frame.timeoutMs },
    ...(options.signal === undefined ? {} : { signal: options.signal }),
    ...(options.overrides === undefined ? {} : { overrides: options.overrides }),
  };
}

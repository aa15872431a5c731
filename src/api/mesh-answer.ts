// A mesh call's outcome as an HTTP answer (status, headers, body), made in one place for the
// undici dispatcher and for sidelet run's HTTP/1.1 listeners, so a local answer, a mesh failure
// and an upstream's head look the same whichever way a request came in.
import type { IncomingHttpHeaders } from 'node:http';
import type { LocalAnswer } from '../core/call/request-pipeline.ts';
import { MeshError } from '../core/errors.ts';
import { RESPONSE_FLAGS_HEADER } from './fetch-adapter.ts';
import { HOP_BY_HOP } from './request-origin.ts';

/** An answer the mesh makes itself, body whole (undefined: none). */
export interface MadeAnswer {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly body: Buffer | undefined;
}

/** Statuses whose answers never carry a body (RFC 9110 §15.2, §15.3.6, §15.4.5). */
export const NULL_BODY_STATUSES: ReadonlySet<number> = new Set([101, 204, 205, 304]);

/** direct_response or an injected fault: its flag and grpc-status as headers; no body for HEAD or a null-body status. */
export function localAnswer(result: LocalAnswer, headOnly: boolean): MadeAnswer {
  const headers: IncomingHttpHeaders = result.responseFlag === undefined ? {} : { [RESPONSE_FLAGS_HEADER]: result.responseFlag };
  if (result.grpcStatus !== undefined) headers['grpc-status'] = String(result.grpcStatus);
  const noBody = NULL_BODY_STATUSES.has(result.status) || headOnly || result.body === undefined;
  return { status: result.status, headers, body: noBody ? undefined : Buffer.from(result.body ?? '') };
}

/** A call failed by the mesh, answered as Envoy would (errorsAsResponses): its status, its response flag, `CODE: message`. */
export function meshErrorAnswer(error: MeshError): MadeAnswer {
  return { status: error.status, headers: { [RESPONSE_FLAGS_HEADER]: error.responseFlag, 'content-type': 'text/plain' }, body: Buffer.from(`${error.code}: ${error.message}`) };
}

/**
 * A call that ended in an error before its head, as a listener answers it: a MeshError (a call
 * aborted by the drain deadline) with its status and flag, anything else a 502 saying why.
 */
export function failureAnswer(error: Error): MadeAnswer {
  if (!(error instanceof MeshError)) return textAnswer(502, `sidelet: ${error.message}\n`);
  return textAnswer(error.status, `${error.code}: ${error.message}\n`, { [RESPONSE_FLAGS_HEADER]: error.responseFlag });
}

/** A plain-text answer of a listener's own (a 400 for a request that names no authority). */
export function textAnswer(status: number, text: string, headers: IncomingHttpHeaders = {}): MadeAnswer {
  return { status, headers: { ...headers, 'content-type': 'text/plain' }, body: Buffer.from(text) };
}

/** An upstream's response headers as the client gets them: the hop-by-hop fields left out. */
export function upstreamHeaders(headers: ReadonlyMap<string, string>): IncomingHttpHeaders {
  const out: IncomingHttpHeaders = {};
  for (const [name, value] of headers) if (!HOP_BY_HOP.has(name)) out[name] = value;
  return out;
}

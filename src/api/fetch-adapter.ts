// Turns WHATWG fetch input into a mesh request (authority, listener name, lower-cased headers,
// a replayable or streamed body) and a pipeline result back into a Response.
import { Readable } from 'node:stream';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import type { Bootstrap } from '../config/bootstrap.ts';
import type { PolicyOverrides } from '../core/model/caller-overrides.ts';
import type { MeshRequest, PipelineResult } from '../core/call/request-pipeline.ts';
import type { MeshError } from '../core/errors.ts';
import type { RequestBody } from '../protocols/http/http-transport.ts';
import { HOP_BY_HOP, requestOrigin } from './request-origin.ts';

/** Per-call mesh options, the top of the precedence (docs/caller-overrides.md). */
export interface MeshCallOptions extends PolicyOverrides {
  /** Mesh failures as HTTP responses (Envoy's statuses, flag in x-sidelet-response-flags) instead of rejections. */
  readonly errorsAsResponses?: boolean;
}

export type MeshRequestInit = RequestInit & { readonly mesh?: MeshCallOptions };

export const RESPONSE_FLAGS_HEADER = 'x-sidelet-response-flags';


export async function toMeshRequest(
  input: string | URL | Request,
  init: MeshRequestInit | undefined,
  bootstrap: Bootstrap,
): Promise<{ request: MeshRequest; body: RequestBody | undefined }> {
  const source = input instanceof Request ? input : undefined;
  const url = new URL(source?.url ?? String(input));
  const headers = new Map<string, string>();
  new Headers(init?.headers ?? source?.headers).forEach((value, name) => {
    if (!HOP_BY_HOP.has(name)) headers.set(name, value);
  });
  const body = await requestBody(init?.body ?? source?.body ?? undefined);
  const request: MeshRequest = {
    ...requestOrigin(url, bootstrap),
    path: `${url.pathname}${url.search}`,
    method: (init?.method ?? source?.method ?? 'GET').toUpperCase(),
    headers,
    bodyReplayable: !(body instanceof Readable),
    signal: init?.signal ?? source?.signal ?? undefined,
    overrides: init?.mesh,
  };
  return { request, body };
}

/** Buffers the body kinds that are already in memory; a stream stays a stream (sent once, never retried). */
async function requestBody(body: RequestInit['body'] | undefined): Promise<RequestBody | undefined> {
  if (body === null || body === undefined) return undefined;
  if (typeof body === 'string' || body instanceof Uint8Array) return body;
  if (body instanceof ArrayBuffer) return new Uint8Array(body);
  if (ArrayBuffer.isView(body)) return new Uint8Array(body.buffer, body.byteOffset, body.byteLength);
  if (body instanceof ReadableStream) return Readable.fromWeb(body as WebReadableStream);
  return new Uint8Array(await new Response(body).arrayBuffer());
}

const NULL_BODY_STATUSES = new Set([101, 204, 205, 304]);

export function toResponse(result: PipelineResult, method: string): Response {
  if (result.kind === 'local') {
    const headers = new Headers(result.responseFlag === undefined ? {} : { [RESPONSE_FLAGS_HEADER]: result.responseFlag });
    if (result.grpcStatus !== undefined) headers.set('grpc-status', String(result.grpcStatus));
    return new Response(NULL_BODY_STATUSES.has(result.status) ? null : (result.body ?? ''), { status: result.status, headers });
  }
  const { response } = result.call;
  const headers = new Headers();
  for (const [name, value] of response.headers) if (!HOP_BY_HOP.has(name)) headers.append(name, value);
  const noBody = NULL_BODY_STATUSES.has(response.status) || method === 'HEAD';
  const body = response.body instanceof Readable && !noBody ? (Readable.toWeb(response.body) as ReadableStream<Uint8Array>) : null;
  if (noBody && response.body instanceof Readable) response.body.resume();
  return new Response(body, { status: response.status, headers });
}

export function errorResponse(error: MeshError): Response {
  return new Response(`${error.code}: ${error.message}`, { status: error.status, headers: { [RESPONSE_FLAGS_HEADER]: error.responseFlag, 'content-type': 'text/plain' } });
}

// How a listener answers a gRPC call the mesh failed: Envoy's local reply for gRPC, a
// trailers-only response whose grpc-status says why (no route, no upstream, rate limited,
// timed out) and whose grpc-message carries the detail, percent-encoded as gRPC requires.
import type { MeshError, MeshFailureCode } from '../core/errors.ts';

/** google.rpc.Code values a listener answers with. */
export const GRPC_STATUS = {
  UNKNOWN: 2,
  DEADLINE_EXCEEDED: 4,
  PERMISSION_DENIED: 7,
  RESOURCE_EXHAUSTED: 8,
  UNIMPLEMENTED: 12,
  INTERNAL: 13,
  UNAVAILABLE: 14,
  UNAUTHENTICATED: 16,
} as const;

/**
 * Envoy's local reply to a gRPC request maps its HTTP code (grpc/doc/http-grpc-status-mapping.md,
 * Envoy's Grpc::Utility::httpToGrpcStatus): 404 (no route) → UNIMPLEMENTED, 503 (no healthy
 * upstream, overflow, open breaker, reset) → UNAVAILABLE.
 */
function fromHttpStatus(status: number): number {
  if (status === 400) return GRPC_STATUS.INTERNAL;
  if (status === 401) return GRPC_STATUS.UNAUTHENTICATED;
  if (status === 403) return GRPC_STATUS.PERMISSION_DENIED;
  if (status === 404) return GRPC_STATUS.UNIMPLEMENTED;
  if (status === 429 || status === 502 || status === 503 || status === 504) return GRPC_STATUS.UNAVAILABLE;
  return GRPC_STATUS.UNKNOWN;
}

/**
 * Where Envoy says more than the HTTP code: a rate-limited call gets RESOURCE_EXHAUSTED
 * (local_ratelimit's rate_limited_as_resource_exhausted), a timed-out one DEADLINE_EXCEEDED
 * (Envoy's router since envoyproxy/envoy#44479, fixing #10184: UNAVAILABLE made clients retry
 * calls whose deadline had passed).
 */
const BY_FAILURE: Partial<Record<MeshFailureCode, number>> = {
  SIDELET_RATE_LIMITED: GRPC_STATUS.RESOURCE_EXHAUSTED,
  SIDELET_QUEUE_TIMEOUT: GRPC_STATUS.RESOURCE_EXHAUSTED,
  SIDELET_TIMEOUT: GRPC_STATUS.DEADLINE_EXCEEDED,
};

export function grpcStatusFor(error: Pick<MeshError, 'code' | 'status'>): number {
  return BY_FAILURE[error.code] ?? fromHttpStatus(error.status);
}

/** A request is gRPC when its content-type is application/grpc or application/grpc+<codec> (gRPC over HTTP/2 spec). */
export function isGrpcContentType(contentType: string | undefined): boolean {
  return contentType !== undefined && /^application\/grpc(?:$|[+;])/i.test(contentType);
}

/**
 * grpc-message is percent-encoded UTF-8: bytes outside printable ASCII (0x20–0x7E) and `%`
 * itself become `%XX` (gRPC over HTTP/2, "Responses").
 */
export function encodeGrpcMessage(message: string): string {
  let out = '';
  for (const byte of Buffer.from(message, 'utf8')) {
    out += byte >= 0x20 && byte <= 0x7e && byte !== 0x25 ? String.fromCharCode(byte) : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

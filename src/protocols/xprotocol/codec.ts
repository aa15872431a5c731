// The x-protocol plugin contract, layered like SOFA Mesh's x-protocol and MOSN's XProtocol:
// multiplexing (framing, request ids) → tracing and request routing (metas as headers) →
// governance (heartbeats, hijacked error responses, outcome classification).
//
// Threading: a codec is stateless and immutable — one instance serves every connection on every
// thread, and any thread may call it (the table of decoded strings behind it is a per-thread
// cache, string-table.ts). Per-connection state (partial input) lives in a FrameReader.
import type { MeshFailureCode } from '../../core/errors.ts';
import type { RequestId, XFrame } from './frame.ts';

/** Whether the first bytes of a connection are this protocol's. */
export type Detection = 'match' | 'no-match' | 'need-more';

/** The total length of the frame that starts a buffer, read from its fixed header. */
export type FrameLength =
  | { readonly kind: 'length'; readonly length: number }
  | { readonly kind: 'need-more' }
  | { readonly kind: 'error'; readonly reason: string };

export type Decoded<F extends XFrame> = { readonly kind: 'frame'; readonly frame: F } | { readonly kind: 'error'; readonly reason: string };

export const NEED_MORE: FrameLength = Object.freeze({ kind: 'need-more' });

/**
 * Layer 1, multiplexing: cut a byte stream into frames and tell the frames of one connection
 * apart by request id, so many calls share one connection and the mesh can renumber them.
 * `detect`, `frameLength` and `decode` never throw, whatever the bytes: bad input gives an error
 * result whose reason names the field (`dubbo header: magic 0x1234 is not 0xdabb`).
 */
export interface Multiplexing<F extends XFrame> {
  /** Dotted registry name: `sidelet.protocol.dubbo`. */
  readonly name: string;
  /** The longest fixed header: `frameLength` answers `need-more` only for fewer bytes than this. */
  readonly headerBytes: number;
  /** How many first bytes `detect` may need before it can answer. */
  readonly detectBytes: number;
  detect(head: Buffer): Detection;
  /**
   * The length of the frame at `head[0]`, once its fixed header is in `head`. A payload (all
   * after the fixed header) larger than `maxPayloadBytes` is an error, found before it is buffered.
   */
  frameLength(head: Buffer, maxPayloadBytes: number): FrameLength;
  /** Decodes exactly one whole frame (`bytes` as long as `frameLength` said). Reads headers, never bodies' arguments. */
  decode(bytes: Buffer): Decoded<F>;
  /**
   * Rewrites the request id of a frame this codec decoded, in place: only its id bytes, and the
   * checksum over them if the frame has one.
   */
  setRequestId(bytes: Buffer, id: RequestId): void;
}

// Layers 2 and 3, tracing and request routing, need no methods: a decoded frame carries its
// service, method and routing metas in `headers` (read from header fields and header maps only),
// which route-context.ts turns into the router's context.

/** Keepalive: answer a peer's heartbeats and send our own. */
export interface Heartbeats<F extends XFrame> {
  /** A heartbeat request; `like` (a frame from the same connection) picks the protocol version and options. */
  heartbeat(requestId: RequestId, like?: F): Buffer;
  /** The answer to a `heartbeat-request` frame. */
  replyHeartbeat(request: F): Buffer;
}

/** Governance: answer for the mesh in the protocol's own terms, and read an upstream's answer. */
export interface Hijacking<F extends XFrame> {
  /**
   * A protocol-native error response to `request` for a mesh failure, with the codec's documented
   * status for `code` and `detail` as the message where the protocol carries one. Undefined for
   * frames that expect no answer (oneway requests, heartbeats, events).
   */
  hijack(request: F, code: MeshFailureCode, detail: string): Buffer | undefined;
  /** The protocol status `hijack` answers with for `code`. */
  statusFor(code: MeshFailureCode): number;
  /**
   * An HTTP-like status for a response frame, for retries, outlier detection and breakers:
   * 200 for a completed call (a business exception included), 404, 5xx or 504 for mesh-level failures.
   */
  httpStatus(response: F): number;
}

export interface XProtocolCodec<F extends XFrame = XFrame> extends Multiplexing<F>, Heartbeats<F>, Hijacking<F> {}

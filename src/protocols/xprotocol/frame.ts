// The protocol-neutral frame every x-protocol codec decodes to: what kind of message it is, its
// request id, its routing metas as lower-cased headers, its timeout and status, and its raw bytes.

/** Bolt's ids are 32-bit (a number), Dubbo's 64-bit (a bigint); one connection sees one kind. */
export type RequestId = number | bigint;

/**
 * - `request`: expects a response with the same request id; `oneway`: expects none;
 * - `response`: answers the request with its id (`status` says how it went);
 * - `heartbeat-request` / `heartbeat-response`: connection keepalive, answered by the codec's
 *   `replyHeartbeat`, never routed;
 * - `event`: any other connection-level notice (Dubbo's READONLY event): neither routed nor answered.
 */
export type FrameKind = 'request' | 'oneway' | 'response' | 'heartbeat-request' | 'heartbeat-response' | 'event';

export interface XFrame {
  /** The codec's registry name, e.g. `sidelet.protocol.dubbo`. */
  readonly protocol: string;
  readonly kind: FrameKind;
  readonly requestId: RequestId;
  /**
   * Metas read from the frame's header fields and header maps only (bodies are never decoded),
   * names lower-cased. Requests carry at least `service` and `method` when the peer sent them;
   * see docs/xprotocol.md for each protocol's names.
   */
  readonly headers: ReadonlyMap<string, string>;
  /** The caller's timeout carried in the frame, in ms; undefined when absent or not positive. */
  readonly timeoutMs: number | undefined;
  /** The protocol's own response status (Dubbo status byte, Bolt response status); undefined for requests. */
  readonly status: number | undefined;
  /** The whole frame as received. Forwarding sends these bytes, with only the request id rewritten. */
  readonly bytes: Buffer;
}

// What the core needs from a protocol's upstream transport: send one attempt to one endpoint
// and report its answer through a handler (undici's handler style), cancellable. The runtime
// plugs in real HTTP/1.1, HTTP/2 and RPC transports; tests plug in simulated ones.
import type { Endpoint } from '../model/endpoint.ts';
import type { LocalFailure } from '../policy/retry-classifier.ts';

export interface UpstreamRequest {
  readonly cluster: string;
  readonly endpoint: Endpoint;
  readonly method: string;
  readonly path: string;
  readonly authority: string;
  /** Lower-cased names; the attempt count is in `x-envoy-attempt-count` when the loop adds it. */
  readonly headers: ReadonlyMap<string, string>;
  /** 1 for the first attempt of the call, counting retries, hedges and backups. */
  readonly attempt: number;
}

export interface UpstreamResponse {
  readonly status: number;
  readonly headers: ReadonlyMap<string, string>;
  /** grpc-status from trailers-only responses or trailers, when the protocol is gRPC. */
  readonly grpcStatus?: number;
  /** The protocol's body handle, handed to the caller untouched when this attempt wins. */
  readonly body?: unknown;
  /**
   * The body is still arriving, and the transport goes on reporting it: `onProgress` as bytes
   * move, then `onStreamEnd`. The loop keeps idle timeouts on such a body; without the flag they
   * end with the head.
   */
  readonly streaming?: boolean;
  /**
   * Every byte of the streaming body arrived with the head: it ends in this turn, so no idle
   * timeout is armed for it (the call's signal still governs it until its end).
   */
  readonly bodyInHand?: boolean;
}

/**
 * Called on the thread that called `send`, never after `cancel()`. `onResponse` or `onFailure`
 * is called at most once: `onResponse` means the response head arrived; the body is then the
 * caller's to read. The optional progress calls drive idle timeouts; a transport that makes them
 * may call `onProgress` any number of times, before and after the head.
 */
export interface AttemptHandler {
  onResponse(response: UpstreamResponse): void;
  onFailure(failure: LocalFailure, detail: string): void;
  /** Bytes moved on the attempt's stream: request bytes written, a 1xx head, response body bytes received. */
  onProgress?(): void;
  /** After a `streaming` response: its body ended (complete, failed, or dropped by the reader); no progress follows. */
  onStreamEnd?(): void;
}

export interface AttemptControl {
  /**
   * The attempt lost (another answered first), timed out, or the call was aborted: stop it and
   * drop its body. With a `reason` after the head (an idle timeout), the body fails with it
   * instead of ending quietly.
   */
  cancel(reason?: Error): void;
  /**
   * After the head: the answer is not wanted, but its exchange may finish. The transport reads
   * the body and drops it, so the connection can carry the next request (Envoy drains a
   * shadow's response). A transport without it is cancelled instead.
   */
  discard?(): void;
}

export interface Transport {
  send(request: UpstreamRequest, handler: AttemptHandler): AttemptControl;
}

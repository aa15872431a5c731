// The body handle an HTTP attempt hands to the caller: a Node Readable fed by undici, with
// backpressure (a full buffer pauses the upstream read) and the response trailers.
import { Readable } from 'node:stream';

/** What the body needs from the undici request feeding it. */
export interface BodySource {
  /** The reader wants more: resume the upstream read if it was paused. */
  resume(): void;
  /** The reader dropped the body: abort the request (the upstream sees a reset). No-op once complete. */
  abort(reason: Error): void;
}

/**
 * Owned by the thread that sent the attempt; the caller reads it like any Readable. Trailers
 * (gRPC's `grpc-status` and `grpc-message` on a normal response) are set just before 'end'.
 */
export class HttpResponseBody extends Readable {
  /** Lower-cased trailer names; an empty map when the response had none; undefined until the body ends. */
  trailers: ReadonlyMap<string, string> | undefined = undefined;
  readonly #source: BodySource;

  constructor(source: BodySource) {
    super();
    this.#source = source;
  }

  override _read(): void {
    this.#source.resume();
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    this.#source.abort(error ?? new Error('response body destroyed before its end'));
    callback(error);
  }
}

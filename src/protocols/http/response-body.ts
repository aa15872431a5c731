// The body handle an HTTP attempt hands to the caller: a Node Readable fed by undici, with
// backpressure (a full buffer pauses the upstream read) and the response trailers. A caller that
// takes the body whole (the mesh's undici Dispatcher) can read it without the stream machinery.
import { Readable } from 'node:stream';

/** What the body needs from the undici request feeding it. */
export interface BodySource {
  /** The reader wants more: resume the upstream read if it was paused. */
  resume(): void;
  /** The reader dropped the body: abort the request (the upstream sees a reset). No-op once complete. */
  abort(reason: Error): void;
}

/** Takes a body's chunks directly (`HttpResponseBody.readWith`), with the same backpressure as the stream. */
export interface BodyReader {
  /** A chunk of the body. False holds the next ones back until `resumeReader()`. */
  onData(chunk: Buffer): boolean;
  /** The body ended; `trailers` as `HttpResponseBody.trailers`. */
  onEnd(trailers: ReadonlyMap<string, string>): void;
  /** The body failed (the upstream reset mid-body, or the attempt was cancelled) or was destroyed. */
  onError(error: Error): void;
}

/** A body its reader can take without stream events: HttpResponseBody, or any Readable with the same methods. */
export type DirectBody = Readable & Pick<HttpResponseBody, 'readWith' | 'pauseReader' | 'resumeReader'>;

export function readsDirectly(body: Readable): body is DirectBody {
  return typeof (body as Partial<DirectBody>).readWith === 'function';
}

const NO_TRAILERS: ReadonlyMap<string, string> = new Map();

/**
 * Owned by the thread that sent the attempt; the caller reads it like any Readable, or hands it a
 * BodyReader. Trailers (gRPC's `grpc-status` and `grpc-message` on a normal response) are set
 * just before 'end' (before `onEnd`).
 */
export class HttpResponseBody extends Readable {
  /** Lower-cased trailer names; an empty map when the response had none; undefined until the body ends. */
  trailers: ReadonlyMap<string, string> | undefined = undefined;
  readonly #source: BodySource;
  /**
   * Chunks (null: the end) not handed on yet. Until the body is read, pushes wait here instead of
   * in the Readable's buffer, so a BodyReader never starts the stream machinery (nextTicks, events
   * and a destroy per body); undefined once the body is read as a stream.
   */
  #held: (Buffer | null)[] | undefined = [];
  #heldBytes = 0;
  #reader: BodyReader | undefined;
  /** readWith was called: the body is the reader's, once. */
  #taken = false;
  #readerPaused = false;
  /** A push was refused: the source is paused until the body wants more. */
  #sourcePaused = false;
  /** The source pushed the end: it has nothing left to abort. */
  #complete = false;

  constructor(source: BodySource) {
    super();
    this.#source = source;
  }

  override push(chunk: Buffer | null, encoding?: BufferEncoding): boolean {
    if (chunk === null) this.#complete = true;
    const held = this.#held;
    if (held === undefined) return super.push(chunk, encoding);
    // As in a Readable, an empty chunk is no data: a reader never sees it (a gRPC trailers-only
    // answer must reach the handler as a head and an end, nothing between).
    if (chunk !== null && chunk.length === 0) return this.#heldBytes < this.readableHighWaterMark;
    held.push(chunk);
    if (chunk !== null) this.#heldBytes += chunk.length;
    if (this.#reader !== undefined) this.#deliver();
    const more = this.#heldBytes < this.readableHighWaterMark;
    if (!more) this.#sourcePaused = true;
    return more;
  }

  /**
   * Hands the body to `reader` instead of the stream: the chunks so far, then each as it arrives,
   * each at most once and never while paused. False when the body is already read as a stream.
   * The Readable side then gives nothing; destroying the body still aborts the request (and tells
   * the reader).
   */
  readWith(reader: BodyReader): boolean {
    if (this.#held === undefined || this.#taken) return false;
    this.#taken = true;
    if (this.destroyed) {
      reader.onError(this.errored ?? new Error('response body destroyed before its end'));
      return true;
    }
    this.#reader = reader;
    this.#deliver();
    return true;
  }

  /** Stops delivery to the reader until `resumeReader()`; a full buffer then pauses the upstream. */
  pauseReader(): void {
    this.#readerPaused = true;
  }

  resumeReader(): void {
    if (!this.#readerPaused) return;
    this.#readerPaused = false;
    if (this.#reader !== undefined) this.#deliver();
  }

  override _read(): void {
    const held = this.#held;
    if (held !== undefined) {
      // A body given to a reader is not also a stream.
      if (this.#taken) return;
      this.#held = undefined;
      for (const chunk of held) super.push(chunk);
    }
    this.#sourcePaused = false;
    this.#source.resume();
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    // A body destroyed after its end (autoDestroy) has nothing to abort: no Error to build then.
    if (!this.#complete) this.#source.abort(error ?? new Error('response body destroyed before its end'));
    const reader = this.#reader;
    if (reader === undefined) return callback(error);
    this.#reader = undefined;
    this.#held = [];
    reader.onError(error ?? new Error('response body destroyed before its end'));
    // The reader heard of it; the Readable has no listeners to tell, and an 'error' nobody listens for would throw.
    callback(null);
  }

  #deliver(): void {
    const held = this.#held!;
    const reader = this.#reader;
    while (!this.#readerPaused && held.length > 0 && this.#reader === reader) {
      const chunk = held.shift()!;
      if (chunk === null) {
        this.#reader = undefined;
        return reader!.onEnd(this.trailers ?? NO_TRAILERS);
      }
      this.#heldBytes -= chunk.length;
      if (!reader!.onData(chunk)) this.#readerPaused = true;
    }
    // As a Readable refills its buffer below the high-water mark, whether or not its reader is paused.
    if (this.#sourcePaused && this.#heldBytes < this.readableHighWaterMark) {
      this.#sourcePaused = false;
      this.#source.resume();
    }
  }
}

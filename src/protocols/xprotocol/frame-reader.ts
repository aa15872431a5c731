// Cuts one connection's byte stream into frames with a codec: accumulates partial input, hands
// out whole frames, and never holds more than one frame (payload limit + fixed header) at a time.
// One reader per connection, used by the thread that reads the socket.
import type { XProtocolCodec } from './codec.ts';
import type { XFrame } from './frame.ts';

/** Dubbo's default payload limit (`payload` in Dubbo's URL parameters), used for every protocol. */
export const DEFAULT_MAX_PAYLOAD_BYTES = 8 * 1024 * 1024;

export interface FrameReaderOptions {
  /** The largest payload (all after the fixed header) a frame may declare. Default 8 MiB. */
  readonly maxPayloadBytes?: number;
}

export class FrameReader<F extends XFrame> {
  readonly codec: XProtocolCodec<F>;
  readonly maxPayloadBytes: number;
  /** Bytes of the frame in progress: fewer than `headerBytes` while its length is unknown. */
  #parts: Buffer[] = [];
  #partsBytes = 0;
  /** The frame in progress's total length once its header is read; 0 while unknown. */
  #expected = 0;
  #failure: string | undefined;

  constructor(codec: XProtocolCodec<F>, options: FrameReaderOptions = {}) {
    this.codec = codec;
    this.maxPayloadBytes = options.maxPayloadBytes ?? DEFAULT_MAX_PAYLOAD_BYTES;
  }

  /** Bytes held for the frame in progress; never more than `maxPayloadBytes + codec.headerBytes`. */
  get bufferedBytes(): number {
    return this.#partsBytes;
  }

  /** Why the stream was given up, once it was: every later push answers the same and reads nothing. */
  get failure(): string | undefined {
    return this.#failure;
  }

  /**
   * Feeds the next bytes received; calls `onFrame` for each whole frame, in order. Returns the
   * reason the stream cannot be read any further (the connection should close), else undefined.
   * Never throws for any input; an exception thrown by `onFrame` propagates to the caller.
   */
  push(chunk: Buffer, onFrame: (frame: F) => void): string | undefined {
    if (this.#failure !== undefined) return this.#failure;
    const { codec } = this;
    let offset = 0;
    while (offset < chunk.length) {
      if (this.#expected === 0) {
        const head = this.#parts.length === 0 ? chunk.subarray(offset) : Buffer.concat([...this.#parts, chunk.subarray(offset, offset + codec.headerBytes)]);
        const length = this.#frameLength(head);
        if (length === undefined) return this.#failure;
        if (length === 0) {
          // The fixed header is still incomplete, and so short that copying it is cheaper than
          // keeping the whole chunk it sits in alive.
          this.#parts = [Buffer.from(head)];
          this.#partsBytes = head.length;
          return undefined;
        }
        this.#expected = length;
        if (this.#parts.length === 0 && chunk.length - offset >= length) {
          const frame = chunk.subarray(offset, offset + length);
          offset += length;
          this.#expected = 0;
          if (!this.#emit(frame, onFrame)) return this.#failure;
          continue;
        }
      }
      const take = Math.min(this.#expected - this.#partsBytes, chunk.length - offset);
      this.#parts.push(chunk.subarray(offset, offset + take));
      this.#partsBytes += take;
      offset += take;
      if (this.#partsBytes < this.#expected) return undefined;
      const frame = this.#parts.length === 1 ? this.#parts[0]! : Buffer.concat(this.#parts, this.#expected);
      this.#parts = [];
      this.#partsBytes = 0;
      this.#expected = 0;
      if (!this.#emit(frame, onFrame)) return this.#failure;
    }
    return undefined;
  }

  /** The frame's total length, 0 when more bytes are needed, undefined after failing. */
  #frameLength(head: Buffer): number | undefined {
    const { codec } = this;
    let answer;
    try {
      answer = codec.frameLength(head, this.maxPayloadBytes);
    } catch (error) {
      return this.#fail(`${codec.name}: frame header decoder failed: ${String(error)}`);
    }
    if (answer.kind === 'error') return this.#fail(answer.reason);
    if (answer.kind === 'need-more') {
      if (head.length >= codec.headerBytes) return this.#fail(`${codec.name}: decoder asked for more than its ${codec.headerBytes}-byte header`);
      return 0;
    }
    const { length } = answer;
    if (!Number.isSafeInteger(length) || length < this.#partsBytes || length <= 0) return this.#fail(`${codec.name}: decoder gave frame length ${length}`);
    if (length > this.maxPayloadBytes + codec.headerBytes) return this.#fail(`${codec.name}: frame length ${length} exceeds the payload limit ${this.maxPayloadBytes} + header`);
    return length;
  }

  #emit(bytes: Buffer, onFrame: (frame: F) => void): boolean {
    let decoded;
    try {
      decoded = this.codec.decode(bytes);
    } catch (error) {
      this.#fail(`${this.codec.name}: frame decoder failed: ${String(error)}`);
      return false;
    }
    if (decoded.kind === 'error') {
      this.#fail(decoded.reason);
      return false;
    }
    onFrame(decoded.frame);
    return true;
  }

  #fail(reason: string): undefined {
    this.#failure = reason;
    this.#parts = [];
    this.#partsBytes = 0;
    this.#expected = 0;
    return undefined;
  }
}

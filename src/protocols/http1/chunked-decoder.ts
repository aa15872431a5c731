// Incremental decoder of the chunked transfer coding (RFC 9112 §7.1): fed the bytes as they
// arrive, it hands the chunk data on as slices of the input (no copy), reads the trailer
// section, and says where the body ended. Every length it reads is bounded.
import { ByteAccumulator } from './byte-accumulator.ts';
import { type Fields, NO_FIELDS, parseFieldLines } from './field-lines.ts';
import { badResponse } from './http1-errors.ts';
import { CR, findEmptyLine, HEX, HTAB, LF, MAX_HEAD_BYTES, SEMICOLON, SP } from './http1-syntax.ts';

/** Hex digits of a chunk size, leading zeros included (16 fit any size below 2^53). */
export const MAX_CHUNK_SIZE_DIGITS = 16;
/** Bytes of chunk extensions on one chunk-size line (Node's parser allows 16 KiB; they carry nothing sidelet reads). */
export const MAX_CHUNK_EXTENSION_BYTES = 4096;

/** Where the decoded data goes. */
export interface ChunkSink {
  /** A piece of chunk data, a slice of the fed buffer. False stops `feed` right after it (the reader paused). */
  onChunkData(data: Buffer): boolean;
}

const SIZE = 0;
const EXTENSION = 1;
const SIZE_LF = 2;
const DATA = 3;
const DATA_CR = 4;
const DATA_LF = 5;
const TRAILERS = 6;
const DONE = 7;

const WHAT = 'chunked body';

/** One body at a time; `reset()` readies it for the next. */
export class ChunkedDecoder {
  readonly #sink: ChunkSink;
  #state = SIZE;
  #size = 0;
  #digits = 0;
  #extension = 0;
  #semicolon = false;
  #remaining = 0;
  /** Body bytes consumed before the current `feed`, for the byte positions in errors. */
  #consumed = 0;
  #trailerBytes: ByteAccumulator | undefined;
  /** The trailer fields (lower-cased names) once the body is done; the shared empty map when there were none. */
  trailers: ReadonlyMap<string, string> = NO_FIELDS;

  constructor(sink: ChunkSink) {
    this.#sink = sink;
  }

  /** The last chunk and the trailer section have been read. */
  get done(): boolean {
    return this.#state === DONE;
  }

  reset(): void {
    this.#state = SIZE;
    this.#size = 0;
    this.#digits = 0;
    this.#extension = 0;
    this.#semicolon = false;
    this.#remaining = 0;
    this.#consumed = 0;
    this.#trailerBytes = undefined;
    this.trailers = NO_FIELDS;
  }

  /**
   * Decodes `buf` from `offset`. Returns the offset where it stopped: the end of `buf`, the end
   * of the body (`done`; what follows is not the body's), or just after a chunk the sink refused
   * (feed the rest again later). Throws an Error naming the byte of the body on a chunk size
   * that is not hex or too long, an extension too long or with control characters, a chunk not
   * followed by CRLF, or a bad trailer section.
   */
  feed(buf: Buffer, offset: number): number {
    const len = buf.length;
    const origin = this.#consumed - offset;
    let p = offset;
    while (p < len) {
      switch (this.#state) {
        case SIZE: {
          let c = buf[p]!;
          let v = HEX[c]!;
          while (v !== -1) {
            if (++this.#digits > MAX_CHUNK_SIZE_DIGITS) throw badResponse(`${WHAT}: chunk size longer than ${MAX_CHUNK_SIZE_DIGITS} hex digits at byte ${origin + p}`);
            this.#size = this.#size * 16 + v;
            if (++p === len) break;
            c = buf[p]!;
            v = HEX[c]!;
          }
          if (p === len) break;
          if (this.#digits === 0) throw badResponse(`${WHAT}: invalid chunk size at byte ${origin + p}`);
          if (this.#size > Number.MAX_SAFE_INTEGER) throw badResponse(`${WHAT}: chunk size too large at byte ${origin + p}`);
          if (c === CR) {
            this.#state = SIZE_LF;
            p++;
          } else if (c === LF) {
            p++;
            this.#sizeLineRead();
          } else if (c === SEMICOLON || c === SP || c === HTAB) {
            this.#state = EXTENSION;
          } else {
            throw badResponse(`${WHAT}: invalid chunk size at byte ${origin + p}`);
          }
          break;
        }
        case EXTENSION: {
          const c = buf[p]!;
          if (c === CR) {
            this.#state = SIZE_LF;
          } else if (c === LF) {
            this.#sizeLineRead();
          } else {
            if (++this.#extension > MAX_CHUNK_EXTENSION_BYTES) throw badResponse(`${WHAT}: chunk extensions longer than ${MAX_CHUNK_EXTENSION_BYTES} bytes at byte ${origin + p}`);
            if (!this.#semicolon) {
              if (c === SEMICOLON) this.#semicolon = true;
              else if (c !== SP && c !== HTAB) throw badResponse(`${WHAT}: invalid chunk size at byte ${origin + p}`);
            } else if ((c < 0x20 && c !== HTAB) || c === 0x7f) {
              throw badResponse(`${WHAT}: invalid character in a chunk extension at byte ${origin + p}`);
            }
          }
          p++;
          break;
        }
        case SIZE_LF:
          if (buf[p] !== LF) throw badResponse(`${WHAT}: bare CR after a chunk size at byte ${origin + p}`);
          p++;
          this.#sizeLineRead();
          break;
        case DATA: {
          const n = Math.min(this.#remaining, len - p);
          const data = buf.subarray(p, p + n);
          p += n;
          this.#remaining -= n;
          if (this.#remaining === 0) this.#state = DATA_CR;
          if (!this.#sink.onChunkData(data)) {
            this.#consumed = origin + p;
            return p;
          }
          break;
        }
        case DATA_CR: {
          const c = buf[p];
          if (c === CR) this.#state = DATA_LF;
          else if (c === LF) this.#state = SIZE;
          else throw badResponse(`${WHAT}: chunk data not followed by CRLF at byte ${origin + p}`);
          p++;
          break;
        }
        case DATA_LF:
          if (buf[p] !== LF) throw badResponse(`${WHAT}: chunk data not followed by CRLF at byte ${origin + p}`);
          this.#state = SIZE;
          p++;
          break;
        case TRAILERS:
          p = this.#readTrailers(buf, p);
          break;
        default:
          this.#consumed = origin + p;
          return p;
      }
    }
    this.#consumed = origin + p;
    return p;
  }

  #sizeLineRead(): void {
    this.#remaining = this.#size;
    this.#state = this.#size === 0 ? TRAILERS : DATA;
    this.#size = 0;
    this.#digits = 0;
    this.#extension = 0;
    this.#semicolon = false;
  }

  /** The trailer section from `p`: usually just the final CRLF; otherwise fields, collected across reads when split. */
  #readTrailers(buf: Buffer, p: number): number {
    const collected = this.#trailerBytes;
    if (collected === undefined) {
      const c = buf[p];
      if (c === LF) return this.#trailersRead(NO_FIELDS, p + 1);
      if (c === CR && buf[p + 1] === LF) return this.#trailersRead(NO_FIELDS, p + 2);
      const fields: Fields = new Map();
      const end = parseFieldLines(buf, p, p, fields, `${WHAT} trailers`);
      if (end !== -1) return this.#trailersRead(fields, end);
      this.#trailerBytes = new ByteAccumulator();
      this.#trailerBytes.append(buf, p);
      return buf.length;
    }
    const before = collected.length;
    collected.append(buf, p);
    const bytes = collected.view();
    const end = findEmptyLine(bytes, 0, before);
    if (end === -1) {
      if (bytes.length > MAX_HEAD_BYTES) throw badResponse(`${WHAT} trailers: larger than ${MAX_HEAD_BYTES} bytes`);
      return buf.length;
    }
    const fields: Fields = new Map();
    const parsedEnd = parseFieldLines(bytes, 0, 0, fields, `${WHAT} trailers`);
    if (parsedEnd === -1) return buf.length;
    this.#trailerBytes = undefined;
    return this.#trailersRead(fields, p + (parsedEnd - before));
  }

  #trailersRead(fields: ReadonlyMap<string, string>, end: number): number {
    this.trailers = fields;
    this.#state = DONE;
    return end;
  }
}

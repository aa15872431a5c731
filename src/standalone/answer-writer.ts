// An answer's bytes on a fast-path client socket, framed as fast-http1-response.ts decided: what
// one turn makes (the head, the body that came with it, its end) is held and leaves in one write
// of one buffer; pieces that come later are written as they come.
import type { Socket } from 'node:net';
import type { Framing } from './fast-http1-response.ts';

/** A held batch up to this size is copied into one buffer; a larger one leaves as a writev of its pieces. */
const JOIN_LIMIT = 16 * 1024;

/** Owned by the main thread with its socket; one per exchange. */
export class AnswerWriter {
  readonly #socket: Socket;
  framing: Framing = 'none';
  /** Pieces held until flush(); latin1 strings (the head, chunk framing) and buffers. */
  #held: (string | Buffer)[] | undefined;
  #heldBytes = 0;

  constructor(socket: Socket) {
    this.#socket = socket;
  }

  /** Holds what is written until flush(). */
  hold(): void {
    this.#held ??= [];
  }

  head(text: string): void {
    this.#put(text);
  }

  /** One piece of the body as the framing wants it; false when the socket's buffer is full (wait for 'drain'). */
  body(chunk: Buffer): boolean {
    if (this.framing === 'none' || chunk.length === 0) return true;
    if (this.framing !== 'chunked') return this.#put(chunk);
    const held = this.#held !== undefined;
    if (!held) this.hold();
    this.#put(`${chunk.length.toString(16)}\r\n`);
    this.#put(chunk);
    const room = this.#put('\r\n');
    return held ? room : this.flush();
  }

  /** The body's end: the last chunk when chunked; the other framings need nothing written. */
  end(): void {
    if (this.framing === 'chunked') this.#put('0\r\n\r\n');
  }

  /** Writes what is held, in one write; false when the socket's buffer is full. A socket destroyed meanwhile gets nothing. */
  flush(): boolean {
    const held = this.#held;
    const bytes = this.#heldBytes;
    this.#held = undefined;
    this.#heldBytes = 0;
    const socket = this.#socket;
    if (held === undefined || held.length === 0 || socket.destroyed) return !socket.writableNeedDrain;
    if (held.length === 1) return this.#write(held[0]!);
    if (bytes <= JOIN_LIMIT) return socket.write(joined(held, bytes));
    socket.cork();
    for (const piece of held) this.#write(piece);
    socket.uncork();
    return !socket.writableNeedDrain;
  }

  #put(piece: string | Buffer): boolean {
    const held = this.#held;
    if (held === undefined) return this.#write(piece);
    held.push(piece);
    this.#heldBytes += piece.length;
    return this.#heldBytes + this.#socket.writableLength < this.#socket.writableHighWaterMark;
  }

  #write(piece: string | Buffer): boolean {
    return typeof piece === 'string' ? this.#socket.write(piece, 'latin1') : this.#socket.write(piece);
  }
}

/** The pieces in one buffer; a string's length is its latin1 byte count. */
function joined(pieces: readonly (string | Buffer)[], bytes: number): Buffer {
  const out = Buffer.allocUnsafe(bytes);
  let at = 0;
  for (const piece of pieces) {
    if (typeof piece === 'string') {
      at += out.write(piece, at, 'latin1');
    } else {
      out.set(piece, at);
      at += piece.length;
    }
  }
  return out;
}

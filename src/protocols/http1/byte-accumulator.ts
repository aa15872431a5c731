// Collects the pieces of a head or trailer section that arrives over several socket reads into
// one growing buffer (capacity doubling, so n bytes cost O(n) copying however they are split).

export class ByteAccumulator {
  #buf: Buffer = Buffer.alloc(0);
  #length = 0;

  get length(): number {
    return this.#length;
  }

  /** Appends `source[start..]`. */
  append(source: Buffer, start: number): void {
    const n = source.length - start;
    if (this.#length + n > this.#buf.length) {
      const grown = Buffer.allocUnsafe(Math.max(4096, 2 * (this.#length + n)));
      this.#buf.copy(grown, 0, 0, this.#length);
      this.#buf = grown;
    }
    source.copy(this.#buf, this.#length, start);
    this.#length += n;
  }

  /**
   * The bytes collected, and forgets them. The caller may hand out slices of the result (a body
   * chunk after a head), so the memory is never written again.
   */
  take(): Buffer {
    const out = this.#buf.subarray(0, this.#length);
    this.#buf = Buffer.alloc(0);
    this.#length = 0;
    return out;
  }

  /** The bytes collected so far, still owned by the accumulator. */
  view(): Buffer {
    return this.#buf.subarray(0, this.#length);
  }
}

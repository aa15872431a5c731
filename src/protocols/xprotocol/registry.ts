// Codecs registered by dotted name (`sidelet.protocol.dubbo`), and protocol detection by the
// first bytes of a connection. A registry is filled at start-up, then only read: share it freely.
import { hexByte } from './frame-error.ts';
import type { XProtocolCodec } from './codec.ts';
import type { XFrame } from './frame.ts';

const NAME = /^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+$/;

export type ProtocolDetection =
  | { readonly kind: 'match'; readonly codec: XProtocolCodec }
  | { readonly kind: 'need-more' }
  | { readonly kind: 'unknown'; readonly reason: string };

export class ProtocolRegistry {
  readonly #codecs = new Map<string, XProtocolCodec>();
  #detectBytes = 0;

  /** Throws for a name that is not dotted lower-case or is already taken: both are programming errors. */
  register<F extends XFrame>(codec: XProtocolCodec<F>): void {
    if (!NAME.test(codec.name)) throw new Error(`x-protocol name "${codec.name}" is not a dotted lower-case name like sidelet.protocol.dubbo`);
    if (this.#codecs.has(codec.name)) throw new Error(`x-protocol "${codec.name}" is already registered`);
    this.#codecs.set(codec.name, codec);
    this.#detectBytes = Math.max(this.#detectBytes, codec.detectBytes);
  }

  get(name: string): XProtocolCodec | undefined {
    return this.#codecs.get(name);
  }

  names(): string[] {
    return [...this.#codecs.keys()];
  }

  /** The most first bytes `detect` needs before it answers `match` or `unknown`. */
  get detectBytes(): number {
    return this.#detectBytes;
  }

  /** Which registered protocol the first bytes of a connection belong to. */
  detect(head: Buffer): ProtocolDetection {
    let waiting = false;
    for (const codec of this.#codecs.values()) {
      const answer = codec.detect(head);
      if (answer === 'match') return { kind: 'match', codec };
      if (answer === 'need-more') waiting = true;
    }
    if (waiting && head.length < this.#detectBytes) return { kind: 'need-more' };
    const shown = [...head.subarray(0, Math.max(this.#detectBytes, 1))].map(hexByte).join(' ');
    return { kind: 'unknown', reason: `unknown protocol: first bytes ${shown || '(none)'} match none of ${this.names().join(', ') || 'no registered protocol'}` };
  }
}

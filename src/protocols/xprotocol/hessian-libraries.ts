// The two Hessian 2 grammars the RPC peers speak, each from the hessian.js line that writes it,
// loaded on first use (most processes never invoke): hessian.js 2.x writes Hessian 2.0 as
// Dubbo's hessian-lite reads it; hessian.js-1 (1.x) the 2.0 draft SOFA's hessian speaks ('O'
// class definitions, 'V t … z' lists), which the final grammar's readers cannot read.
import { createRequire } from 'node:module';

export interface HessianEncoder {
  write(value: unknown): HessianEncoder;
  /** A copy of the bytes written so far. */
  get(): Buffer;
  /** Empties the buffer (keeping its capacity) and forgets class definitions and references. */
  reset(): HessianEncoder;
}

export interface HessianDecoder {
  /** The next value; with `withType`, every value comes as `{ $class, $ }`. Throws on bad input. */
  read(withType?: boolean): unknown;
  readInt(): number;
}

export interface HessianLibrary {
  readonly EncoderV2: new () => HessianEncoder;
  readonly DecoderV2: new (bytes: Buffer) => HessianDecoder;
}

const require = createRequire(import.meta.url);
let final: HessianLibrary | undefined;
let draft: HessianLibrary | undefined;

/** An idle encoder per library: a new one allocates its buffer, which cost more than writing a call's body. */
const idle = new Map<HessianLibrary, HessianEncoder>();
/** An encoder whose buffer grew past this is dropped after use rather than kept holding the memory. */
const KEEP_MAX_BYTES = 64 * 1024;

/** The bytes `write` puts into an empty encoder of `library`, one Hessian message. */
export function encodeValues(library: HessianLibrary, write: (encoder: HessianEncoder) => void): Buffer {
  // Taken out while in use, and not put back if `write` throws half-way.
  const encoder = idle.get(library) ?? new library.EncoderV2();
  idle.delete(library);
  write(encoder.reset());
  const bytes = encoder.get();
  if (bytes.length <= KEEP_MAX_BYTES) idle.set(library, encoder);
  return bytes;
}

/** Hessian 2.0 (hessian.js): Dubbo bodies. */
export function hessian2(): HessianLibrary {
  final ??= require('hessian.js') as HessianLibrary;
  return final;
}

/** The Hessian 2.0 draft (hessian.js-1, what sofa-hessian-node encodes with): SOFA Bolt contents. */
export function hessian2Draft(): HessianLibrary {
  try {
    draft ??= require('hessian.js-1') as HessianLibrary;
  } catch (error) {
    throw new Error('SOFA Bolt bodies need the hessian.js-1 package (the Hessian 2.0 draft SOFA speaks): npm install hessian.js-1', { cause: error });
  }
  return draft;
}

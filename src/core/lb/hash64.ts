// xxHash64 as Envoy's HashUtil::xxHash64 computes it (UTF-8 bytes, seed 0 unless given), for
// ring hash, maglev and request hashes. One wasm instance; instantiating it does no I/O.
import xxhash from 'xxhash-wasm';

const { h64 } = await xxhash();

export function xxHash64(input: string, seed = 0n): bigint {
  return h64(input, seed);
}

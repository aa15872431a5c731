// A sliding-window latency histogram for the dynamic backup-request delay (Finagle's
// WindowedPercentileHistogram): a ring of per-second buckets over the last N seconds, log-linear
// bins, O(1) record, percentile in O(bins), bounded memory, on the injected Clock.
import type { Clock } from '../clock.ts';

// Log-linear bins over whole microseconds: values below 2^SUB_BITS get a bin each; above, every
// power of two is split into 2^SUB_BITS equal bins, so a bin is at most 1/16 (6.25 %) wide.
const SUB_BITS = 4;
const SUB = 1 << SUB_BITS;
const MAX_US = 2 ** 31 - 1;
/** Bins for 0 µs up to MAX_US (about 35 minutes). */
export const BIN_COUNT = (31 - SUB_BITS) * SUB + SUB;

// Slots of the state array. Header, then per-bucket epoch seconds and sample counts, then the
// window's running totals per bin, then each bucket's bins.
const kLastSweep = 0;
const kCount = 1;
const kHeader = 2;

/** The bin of a value in whole µs. */
export function binOf(us: number): number {
  if (us < SUB) return us;
  const shift = 31 - Math.clz32(us) - SUB_BITS;
  return (shift << SUB_BITS) + (us >>> shift);
}

/** The exclusive upper edge of a bin, in µs: every value in the bin is below it. */
export function binUpperUs(bin: number): number {
  if (bin < SUB) return bin + 1;
  const shift = (bin >>> SUB_BITS) - 1;
  return (bin - (shift << SUB_BITS) + 1) * 2 ** shift;
}

/**
 * The rank (1-based) of the p-quantile among n sorted samples, nearest-rank method. A tiny
 * tolerance keeps p × n = 19.000000000000004 at rank 19.
 */
export function nearestRank(p: number, n: number): number {
  return Math.min(n, Math.max(1, Math.ceil(p * n - 1e-9)));
}

/**
 * Latencies recorded over the last `windowSeconds` whole seconds of the clock (the current one
 * included). State lives in an Int32Array updated with Atomics, so the runtime may back it with
 * a SharedArrayBuffer and let every thread that serves the route record into one histogram;
 * each thread then builds its own LatencyHistogram over the same array, and all must use
 * clocks with one origin. Between threads, a sample recorded exactly as its second's bucket is
 * recycled may be lost; counts never go wrong otherwise.
 */
export class LatencyHistogram {
  readonly windowSeconds: number;
  readonly #clock: Clock;
  readonly #s: Int32Array;
  readonly #epochs: number;
  readonly #bucketCounts: number;
  readonly #totals: number;
  readonly #buckets: number;

  /** Int32 slots a histogram over `windowSeconds` needs. */
  static stateLength(windowSeconds: number): number {
    return kHeader + 2 * windowSeconds + BIN_COUNT * (windowSeconds + 1);
  }

  constructor(clock: Clock, windowSeconds: number, state?: Int32Array) {
    if (!Number.isInteger(windowSeconds) || windowSeconds < 1) throw new RangeError(`windowSeconds must be a positive integer, got ${windowSeconds}`);
    const length = LatencyHistogram.stateLength(windowSeconds);
    if (state !== undefined && state.length !== length) throw new RangeError(`state must have ${length} slots, got ${state.length}`);
    this.windowSeconds = windowSeconds;
    this.#clock = clock;
    this.#s = state ?? new Int32Array(length);
    this.#epochs = kHeader;
    this.#bucketCounts = kHeader + windowSeconds;
    this.#totals = kHeader + 2 * windowSeconds;
    this.#buckets = this.#totals + BIN_COUNT;
  }

  /** Records one latency in ms (clamped to [0, ~35 min], kept to the µs). */
  record(ms: number): void {
    const second = this.#advance();
    const us = Math.min(MAX_US, Math.max(0, Math.round(ms * 1000)));
    const bin = binOf(us);
    const s = this.#s;
    const index = ((second % this.windowSeconds) + this.windowSeconds) % this.windowSeconds;
    if (Atomics.load(s, this.#epochs + index) !== (second | 0)) Atomics.store(s, this.#epochs + index, second | 0);
    Atomics.add(s, this.#buckets + index * BIN_COUNT + bin, 1);
    Atomics.add(s, this.#totals + bin, 1);
    Atomics.add(s, this.#bucketCounts + index, 1);
    Atomics.add(s, kCount, 1);
  }

  /** Samples in the window. */
  count(): number {
    this.#advance();
    return Atomics.load(this.#s, kCount);
  }

  /**
   * The p-quantile (p in [0, 1], nearest rank) of the window in ms, as the upper edge of its
   * bin: never below the true sample, at most 6.25 % (+1 µs) above it. Undefined when empty.
   */
  percentile(p: number): number | undefined {
    this.#advance();
    const s = this.#s;
    const n = Atomics.load(s, kCount);
    if (n <= 0) return undefined;
    const rank = nearestRank(p, n);
    let seen = 0;
    let last = -1;
    for (let bin = 0; bin < BIN_COUNT; bin++) {
      const c = Atomics.load(s, this.#totals + bin);
      if (c === 0) continue;
      seen += c;
      last = bin;
      if (seen >= rank) break;
    }
    return last < 0 ? undefined : binUpperUs(last) / 1000;
  }

  /** Once per clock second, empties the buckets that fell out of the window. Returns the current second. */
  #advance(): number {
    const second = Math.floor(this.#clock.now() / 1000);
    const s = this.#s;
    const tag = second | 0;
    const last = Atomics.load(s, kLastSweep);
    if (last === tag || Atomics.compareExchange(s, kLastSweep, last, tag) !== last) return second;
    for (let i = 0; i < this.windowSeconds; i++) {
      const age = (tag - Atomics.load(s, this.#epochs + i)) | 0;
      if (age >= this.windowSeconds && Atomics.exchange(s, this.#bucketCounts + i, 0) !== 0) this.#clear(i);
    }
    return second;
  }

  #clear(bucket: number): void {
    const s = this.#s;
    const base = this.#buckets + bucket * BIN_COUNT;
    let removed = 0;
    for (let bin = 0; bin < BIN_COUNT; bin++) {
      const c = Atomics.exchange(s, base + bin, 0);
      if (c === 0) continue;
      Atomics.sub(s, this.#totals + bin, c);
      removed += c;
    }
    Atomics.sub(s, kCount, removed);
  }
}

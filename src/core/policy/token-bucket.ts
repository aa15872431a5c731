// A token bucket refilled lazily from the Clock (no timer), its state in a few 64-bit slots
// updated with Atomics compare-and-swap, so a SharedArrayBuffer can back it and one limit
// holds for every thread of the process (DESIGN.md "Limits are per process").
import type { Clock } from '../clock.ts';
import type { TokenBucketConfig, WarmUpConfig } from '../model/policy-rate-limit.ts';
import { nextWarmth, warmUpCostFactor } from './rate-limit-warm-up.ts';

// Slots of the BigInt64Array view; each holds the bits of a float64.
/** When the bucket was (or will be) empty, in ms on the shared clock: tokens = (now − emptyAt) / msPerToken. */
const kEmptyAt = 0;
/** Warm-up: warmth in ms, 0 (cold) to the warm-up period (warm). */
const kWarmth = 1;
/** Warm-up: when the last token was taken. */
const kLastTake = 2;
const SLOTS = 3;

/** Bytes a bucket's state takes; allocate a SharedArrayBuffer of this size to share a bucket across threads. */
export const TOKEN_BUCKET_BYTES = SLOTS * 8;

/** Tolerance for float rounding when a token falls due exactly now (ms). */
const EPSILON_MS = 1e-6;

const scratchFloat = new Float64Array(1);
const scratchBits = new BigInt64Array(scratchFloat.buffer);

function toBits(value: number): bigint {
  scratchFloat[0] = value;
  return scratchBits[0]!;
}

function fromBits(bits: bigint): number {
  scratchBits[0] = bits;
  return scratchFloat[0]!;
}

/**
 * Envoy's local rate limit bucket in its timer-free form (AtomicTokenBucketImpl: one atomic
 * word holding the time the bucket was empty; a take moves it forward by the tokens' time):
 * tokens accrue continuously at tokensPerFill / fillInterval up to maxTokens, so a refill is
 * exact at any instant rather than in fill_interval steps.
 *
 * Threading: the state lives in `buffer`; any thread holding a TokenBucket over the same buffer
 * may call any method at any time. Every thread must use clocks with one origin (the runtime
 * passes workers the main thread's time origin). Warm-up bookkeeping is updated after a take
 * wins its swap; two threads racing on it can lose a gap's worth of warmth, never a token.
 */
export class TokenBucket {
  readonly config: TokenBucketConfig;
  readonly warmUp: WarmUpConfig | undefined;
  readonly msPerToken: number;
  readonly #clock: Clock;
  readonly #slots: BigInt64Array;

  private constructor(config: TokenBucketConfig, clock: Clock, warmUp: WarmUpConfig | undefined, buffer: ArrayBufferLike) {
    this.config = config;
    this.warmUp = warmUp;
    this.msPerToken = config.fillIntervalMs / config.tokensPerFill;
    this.#clock = clock;
    this.#slots = new BigInt64Array(buffer, 0, SLOTS);
  }

  /** A new bucket, full (Envoy: max_tokens is also the initial content) and, with warm-up, cold. */
  static create(config: TokenBucketConfig, clock: Clock, warmUp?: WarmUpConfig, buffer: ArrayBufferLike = new ArrayBuffer(TOKEN_BUCKET_BYTES)): TokenBucket {
    const bucket = new TokenBucket(config, clock, warmUp, buffer);
    const now = clock.now();
    Atomics.store(bucket.#slots, kEmptyAt, toBits(now - config.maxTokens * bucket.msPerToken));
    Atomics.store(bucket.#slots, kWarmth, toBits(0));
    Atomics.store(bucket.#slots, kLastTake, toBits(now));
    return bucket;
  }

  /** A view of a bucket another thread created over `buffer`. */
  static attach(config: TokenBucketConfig, clock: Clock, warmUp: WarmUpConfig | undefined, buffer: ArrayBufferLike): TokenBucket {
    return new TokenBucket(config, clock, warmUp, buffer);
  }

  /**
   * Takes a token if there is one now; never waits. While warming up, the token is taken when
   * there is one and its higher cost delays the next (Guava's SmoothWarmingUp: a permit's cost
   * is paid by the one after it), so even a one-token bucket warms up.
   */
  tryTake(): boolean {
    const now = this.#clock.now();
    const cost = this.#tokenCost();
    for (;;) {
      const old = Atomics.load(this.#slots, kEmptyAt);
      const start = this.#start(fromBits(old), now);
      if (start + this.msPerToken > now + EPSILON_MS) return false;
      if (Atomics.compareExchange(this.#slots, kEmptyAt, old, toBits(start + cost)) === old) break;
    }
    if (this.warmUp !== undefined) this.#recordTake(now, this.warmUp);
    return true;
  }

  /** Milliseconds until the `count`-th token from now can be taken at today's cost, if nobody else takes any; 0 when it is there. */
  msUntil(count = 1): number {
    const now = this.#clock.now();
    const start = this.#start(fromBits(Atomics.load(this.#slots, kEmptyAt)), now);
    return Math.max(0, start + (count - 1) * this.#tokenCost() + this.msPerToken - now);
  }

  /** Whole tokens in the bucket now (at the full-rate cost). */
  available(): number {
    const now = this.#clock.now();
    const tokens = (now - fromBits(Atomics.load(this.#slots, kEmptyAt))) / this.msPerToken;
    return Math.min(this.config.maxTokens, Math.floor(tokens + EPSILON_MS));
  }

  /** The cost multiplier warm-up applies now (1 without warm-up or once warm). */
  costFactor(): number {
    return this.#tokenCost() / this.msPerToken;
  }

  /** The empty-at time, moved up so that the bucket holds at most max_tokens. */
  #start(emptyAt: number, now: number): number {
    return Math.max(emptyAt, now - this.config.maxTokens * this.msPerToken);
  }

  #tokenCost(): number {
    if (this.warmUp === undefined) return this.msPerToken;
    return this.msPerToken * warmUpCostFactor(this.warmUp, this.#warmthAt(this.#clock.now(), this.warmUp));
  }

  /** The warmth as it will be once the gap since the last take is accounted for. */
  #warmthAt(now: number, warmUp: WarmUpConfig): number {
    const last = fromBits(Atomics.load(this.#slots, kLastTake));
    const warmth = fromBits(Atomics.load(this.#slots, kWarmth));
    return nextWarmth(warmUp, warmth, now - last, this.msPerToken);
  }

  /** The thread that moves lastTake from `last` to `now` owns that gap and applies it to the warmth. */
  #recordTake(now: number, warmUp: WarmUpConfig): void {
    const lastBits = Atomics.load(this.#slots, kLastTake);
    const last = fromBits(lastBits);
    if (now <= last || Atomics.compareExchange(this.#slots, kLastTake, lastBits, toBits(now)) !== lastBits) return;
    for (;;) {
      const old = Atomics.load(this.#slots, kWarmth);
      const next = nextWarmth(warmUp, fromBits(old), now - last, this.msPerToken);
      if (Atomics.compareExchange(this.#slots, kWarmth, old, toBits(next)) === old) return;
    }
  }
}

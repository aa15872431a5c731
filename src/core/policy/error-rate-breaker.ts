// One error-rate circuit breaker on opossum: opens when the error percentage over a rolling
// window exceeds a threshold after a minimum request volume; after the reset timeout one
// half-open trial decides between closing and opening again.
import CircuitBreaker from 'opossum';
import { MeshError } from '../errors.ts';
import type { ErrorRateBreakerConfig } from '../model/policy-circuit-breakers.ts';
import type { BucketRotation } from './error-rate-breaker-rotation.ts';

export type BreakerState = 'closed' | 'open' | 'half-open';

/** An admitted call; report its outcome exactly once (an unreported trial would hold a half-open breaker). */
export interface ErrorRatePermit {
  success(): void;
  failure(): void;
}

export type BreakerStateListener = (name: string, state: BreakerState) => void;

/** One reusable rejection value: a failure report needs no stack trace. */
const FAILED = Object.freeze(new Error('failure reported to the error-rate breaker'));
const ignore = (): void => {};
const awaitOutcome = (outcome: Promise<void>): Promise<void> => outcome;

class Permit implements ErrorRatePermit {
  readonly outcome: Promise<void>;
  #resolve: () => void = ignore;
  #reject: (reason: unknown) => void = ignore;

  constructor() {
    this.outcome = new Promise<void>((resolve, reject) => {
      this.#resolve = resolve;
      this.#reject = reject;
    });
  }

  success(): void {
    this.#resolve();
  }

  failure(): void {
    this.#reject(FAILED);
  }
}

/**
 * Threads: one instance lives on the thread that owns the cluster's breakers (the control
 * thread in worker mode) and only that thread calls it, so the breaker is one per process;
 * `onStateChange` lets the runtime publish the state to other threads.
 *
 * Time: opossum runs the reset timeout on the global setTimeout and measures with Date.now
 * (tests use node:test mock timers); window rotation comes from the BucketRotation's Clock.
 * Outcomes take effect once the microtasks queued by success()/failure() have run.
 */
export class ErrorRateBreaker {
  readonly name: string;
  readonly #breaker: CircuitBreaker<[Promise<void>], void>;
  readonly #rotation: BucketRotation;
  readonly #bucketMs: number;

  constructor(name: string, config: ErrorRateBreakerConfig, rotation: BucketRotation, onStateChange?: BreakerStateListener) {
    this.name = name;
    this.#rotation = rotation;
    this.#bucketMs = Math.floor(config.windowMs / config.buckets);
    const breaker = new CircuitBreaker(awaitOutcome, {
      name,
      errorThresholdPercentage: config.errorPercent,
      volumeThreshold: config.minRequestVolume,
      resetTimeout: config.resetTimeoutMs,
      rollingCountTimeout: config.windowMs,
      rollingCountBuckets: config.buckets,
      // sidelet's per-try timeout ends attempts; opossum's would add a timer to every call.
      timeout: false,
      // With percentiles on, every failure concatenates and sorts all latencies in the window
      // (Status#stats, nodeshift/opossum#648).
      rollingPercentilesEnabled: false,
      // Snapshots cost one more interval timer per breaker and nobody listens.
      enableSnapshots: false,
      rotateBucketController: rotation.acquire(this.#bucketMs),
    });
    // Hystrix clears the rolling counts when a half-open trial closes the circuit
    // (HystrixCircuitBreakerImpl.markSuccess); opossum keeps them, so the failures that opened
    // it would open it again at the next error. Rotating every bucket out clears them.
    const status = breaker.status as unknown as { rotateBucket(): void };
    breaker.on('close', () => {
      for (let i = 0; i < config.buckets; i++) status.rotateBucket();
    });
    if (onStateChange !== undefined) {
      breaker.on('open', () => onStateChange(name, 'open'));
      breaker.on('halfOpen', () => onStateChange(name, 'half-open'));
      breaker.on('close', () => onStateChange(name, 'closed'));
    }
    this.#breaker = breaker;
  }

  get state(): BreakerState {
    const breaker = this.#breaker;
    return breaker.closed ? 'closed' : breaker.halfOpen ? 'half-open' : 'open';
  }

  /**
   * Admits a call or fails fast with SIDELET_BREAKER_OPEN. Half-open admits one trial: opossum
   * clears its pending-close flag on the first fire, so a second call before the trial's
   * outcome is refused.
   */
  tryAcquire(): ErrorRatePermit | MeshError {
    const breaker = this.#breaker;
    // The predicate opossum's fire() rejects on; checking it first spares a rejected promise.
    if (!breaker.closed && !breaker.pendingClose) {
      const why = breaker.halfOpen ? 'half-open and its one trial request is in flight' : 'open';
      return new MeshError('SIDELET_BREAKER_OPEN', `${this.name}: error-rate breaker ${why}`);
    }
    const permit = new Permit();
    breaker.fire(permit.outcome).catch(ignore);
    return permit;
  }

  /** Stops the breaker's timers and listeners; it must not be used afterwards. */
  close(): void {
    this.#breaker.shutdown();
    this.#rotation.release(this.#bucketMs);
  }
}

// The error-rate breakers of one cluster: one for the whole cluster, or one per method created
// when the method is first called, at most max_methods of them (least recently used dropped).
import type { MeshError } from '../errors.ts';
import type { ErrorRateBreakerConfig } from '../model/policy-circuit-breakers.ts';
import { type BreakerState, type BreakerStateListener, ErrorRateBreaker, type ErrorRatePermit } from './error-rate-breaker.ts';
import type { BucketRotation } from './error-rate-breaker-rotation.ts';

/**
 * Threads: as ErrorRateBreaker — owned and called by one thread (the control thread in worker
 * mode). A dropped per-method breaker forgets its state: an open one closes. `maxMethods`
 * bounds memory against callers inventing method names.
 */
export class ClusterErrorRateBreakers {
  readonly cluster: string;
  readonly #config: ErrorRateBreakerConfig;
  readonly #rotation: BucketRotation;
  readonly #onStateChange: BreakerStateListener | undefined;
  readonly #clusterBreaker: ErrorRateBreaker | undefined;
  /** Per-method breakers in least- to most-recently-used order. */
  readonly #methods = new Map<string, ErrorRateBreaker>();
  #lastMethod: string | undefined;

  constructor(cluster: string, config: ErrorRateBreakerConfig, rotation: BucketRotation, onStateChange?: BreakerStateListener) {
    this.cluster = cluster;
    this.#config = config;
    this.#rotation = rotation;
    this.#onStateChange = onStateChange;
    this.#clusterBreaker = config.perMethod ? undefined : new ErrorRateBreaker(cluster, config, rotation, onStateChange);
  }

  /** Admits a call to `method` (ignored unless per_method) or fails fast with SIDELET_BREAKER_OPEN. */
  tryAcquire(method: string): ErrorRatePermit | MeshError {
    return (this.#clusterBreaker ?? this.#methodBreaker(method)).tryAcquire();
  }

  /** The state of the breaker `method` would use; a method without a breaker yet is closed. */
  state(method: string): BreakerState {
    return (this.#clusterBreaker ?? this.#methods.get(method))?.state ?? 'closed';
  }

  /** Breakers alive now. */
  get size(): number {
    return this.#clusterBreaker === undefined ? this.#methods.size : 1;
  }

  close(): void {
    this.#clusterBreaker?.close();
    for (const breaker of this.#methods.values()) breaker.close();
    this.#methods.clear();
    this.#lastMethod = undefined;
  }

  #methodBreaker(method: string): ErrorRateBreaker {
    const methods = this.#methods;
    let breaker = methods.get(method);
    if (breaker !== undefined) {
      if (method !== this.#lastMethod) {
        methods.delete(method);
        methods.set(method, breaker);
        this.#lastMethod = method;
      }
      return breaker;
    }
    breaker = new ErrorRateBreaker(`${this.cluster} ${method}`, this.#config, this.#rotation, this.#onStateChange);
    methods.set(method, breaker);
    this.#lastMethod = method;
    if (methods.size > this.#config.maxMethods) {
      const [oldest, dropped] = methods.entries().next().value!;
      dropped.close();
      methods.delete(oldest);
    }
    return breaker;
  }
}

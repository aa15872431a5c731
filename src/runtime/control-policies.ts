// The process-wide policy state the control thread owns for one snapshot: rate limiters (with
// their priority queues), outlier detectors and error-rate breakers. Workers reach it through
// messages; it tells them which hosts are out and which breakers are open.
import type { Clock } from '../core/clock.ts';
import { type OutlierInput, outlierOutcome } from '../core/call/cluster-services.ts';
import type { MeshStats } from '../core/call/mesh-stats.ts';
import type { RateLimitConfig } from '../core/model/policy-rate-limit.ts';
import type { Snapshot } from '../core/model/snapshot.ts';
import type { BreakerState } from '../core/policy/error-rate-breaker.ts';
import { BucketRotation } from '../core/policy/error-rate-breaker-rotation.ts';
import { ClusterErrorRateBreakers } from '../core/policy/error-rate-breakers.ts';
import { OutlierDetector } from '../core/policy/outlier-detector.ts';
import { CallerRateLimiter } from '../core/policy/rate-limit-callers.ts';

export interface ControlPolicyEvents {
  /** Outlier detection ejected or returned a host of `cluster`. */
  readonly onEjectionChange: (cluster: string) => void;
  /** `resetTimeoutMs`: the breaker's reset timeout (how long a half-open trial may take before another is allowed). */
  readonly onBreakerState: (name: string, state: BreakerState, resetTimeoutMs: number) => void;
  readonly stats: MeshStats | undefined;
}

/** Owned and called by the control thread only. */
export class ControlPolicies {
  readonly #snapshot: Snapshot;
  readonly #clock: Clock;
  readonly #random: () => number;
  readonly #events: ControlPolicyEvents;
  readonly #limiters = new Map<string, CallerRateLimiter>();
  readonly #detectors = new Map<string, OutlierDetector | undefined>();
  readonly #breakers = new Map<string, ClusterErrorRateBreakers | undefined>();
  #rotation: BucketRotation | undefined;

  constructor(snapshot: Snapshot, clock: Clock, random: () => number, events: ControlPolicyEvents) {
    this.#snapshot = snapshot;
    this.#clock = clock;
    this.#random = random;
    this.#events = events;
  }

  /** One limiter per route and config key, shared by every worker's calls on that route. */
  limiter(key: string, config: RateLimitConfig): CallerRateLimiter {
    let limiter = this.#limiters.get(key);
    if (limiter === undefined) this.#limiters.set(key, (limiter = new CallerRateLimiter(config, this.#clock)));
    return limiter;
  }

  reportOutcome(cluster: string, hostId: string, outcome: OutlierInput): void {
    const result = outlierOutcome(outcome);
    if (result !== undefined) this.#detector(cluster)?.reportResult(hostId, result);
  }

  /** A call's outcome for the cluster's breaker; dropped while the breaker is open here already. */
  reportBreaker(cluster: string, method: string, failed: boolean): void {
    const permit = this.#clusterBreakers(cluster)?.tryAcquire(method);
    if (permit === undefined || permit instanceof Error) return;
    if (failed) permit.failure();
    else permit.success();
  }

  /** The hosts of `cluster` outlier detection has ejected now. */
  ejected(cluster: string): string[] {
    const detector = this.#detectors.get(cluster);
    const assignment = this.#snapshot.endpoints.get(cluster);
    if (detector === undefined || assignment === undefined) return [];
    return assignment.localities.flatMap((l) => l.endpoints.filter((e) => detector.isEjected(e.id)).map((e) => e.id));
  }

  close(): void {
    for (const detector of this.#detectors.values()) detector?.close();
    for (const breakers of this.#breakers.values()) breakers?.close();
  }

  #detector(cluster: string): OutlierDetector | undefined {
    if (this.#detectors.has(cluster)) return this.#detectors.get(cluster);
    const config = this.#snapshot.clusters.get(cluster)?.outlierDetection;
    const assignment = this.#snapshot.endpoints.get(cluster);
    const detector =
      config === undefined || assignment === undefined
        ? undefined
        : new OutlierDetector(cluster, config, {
            clock: this.#clock,
            random: this.#random,
            onEvent: (event) => {
              if (event.type === 'ejected') this.#events.stats?.ejected(cluster, event.kind);
              this.#events.onEjectionChange(cluster);
            },
          });
    detector?.setHosts(assignment!.localities.flatMap((l) => l.endpoints.map((e) => e.id)));
    this.#detectors.set(cluster, detector);
    return detector;
  }

  #clusterBreakers(cluster: string): ClusterErrorRateBreakers | undefined {
    if (this.#breakers.has(cluster)) return this.#breakers.get(cluster);
    const config = this.#snapshot.clusters.get(cluster)?.errorRateBreaker;
    this.#rotation ??= config && new BucketRotation(this.#clock);
    const breakers = config && new ClusterErrorRateBreakers(cluster, config, this.#rotation!, (name, state) => this.#events.onBreakerState(name, state, config.resetTimeoutMs));
    this.#breakers.set(cluster, breakers);
    return breakers;
  }
}

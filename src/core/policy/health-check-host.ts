// One host's standing under one active health check: Envoy's consecutive-result thresholds
// (HealthCheckerImplBase::ActiveHealthCheckSession, handleSuccess and handleFailure).
import type { HealthCheckConfig } from '../model/policy-health-check.ts';
import type { CheckResult } from './health-check-result.ts';

/**
 * Envoy's HealthTransition for one result: the standing changed, a change is under way (a
 * threshold not reached yet), or nothing moved.
 */
export type HealthTransition = 'changed' | 'pending' | 'unchanged';

/**
 * A host starts failing and unchecked: Envoy sets FAILED_ACTIVE_HC on every host added to a
 * health-checked cluster, and "during startup, only a single successful health check is required
 * to mark a host healthy" (HealthCheck.healthy_threshold). Owned by its HealthCheckSession.
 */
export class HostCheckState {
  readonly #healthyThreshold: number;
  readonly #unhealthyThreshold: number;
  #passing = false;
  #checked = false;
  #successes = 0;
  #failures = 0;

  constructor(config: Pick<HealthCheckConfig, 'healthyThreshold' | 'unhealthyThreshold'>) {
    this.#healthyThreshold = config.healthyThreshold;
    this.#unhealthyThreshold = config.unhealthyThreshold;
  }

  /** Passing this check; false until a first success. */
  get passing(): boolean {
    return this.#passing;
  }

  /** At least one result has been recorded. */
  get checked(): boolean {
    return this.#checked;
  }

  record(result: CheckResult): HealthTransition {
    const first = !this.#checked;
    this.#checked = true;
    if (result === 'success') {
      this.#failures = 0;
      if (this.#passing) return 'unchanged';
      if (first || ++this.#successes >= this.#healthyThreshold) {
        this.#passing = true;
        this.#successes = 0;
        return 'changed';
      }
      return 'pending';
    }
    this.#successes = 0;
    if (!this.#passing) return 'unchanged';
    if (result === 'immediate-failure' || ++this.#failures >= this.#unhealthyThreshold) {
      this.#passing = false;
      this.#failures = 0;
      return 'changed';
    }
    return 'pending';
  }
}

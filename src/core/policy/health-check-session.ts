// One host under one active health check on the injected clock: the first check after
// initial_jitter, each check bounded by its timeout (a timeout is a failure, as in Envoy), and
// the next one scheduled after the result.
import type { Clock, TimerHandle } from '../clock.ts';
import type { Endpoint } from '../model/endpoint.ts';
import type { HealthCheckConfig } from '../model/policy-health-check.ts';
import { type HealthTransition, HostCheckState } from './health-check-host.ts';
import { firstCheckDelayMs, nextCheckDelayMs } from './health-check-interval.ts';
import type { CheckResult } from './health-check-result.ts';

export interface ProbeHandle {
  /** Abandons the check (its timeout passed, or the session closed); `done` must not be called after. */
  cancel(): void;
}

/**
 * Starts one check of `host` (I/O lives with the caller: the runtime's HTTP request or TCP
 * connect, a script in tests) and calls `done` once with its result; `done` may be called at once.
 */
export type Probe = (host: Endpoint, check: HealthCheckConfig, done: (result: CheckResult) => void) => ProbeHandle;

export interface HealthCheckSessionOptions {
  readonly clock: Clock;
  /** Uniform in [0, 1): the jitters. */
  readonly random: () => number;
  readonly probe: Probe;
  /** Whether the cluster has carried traffic yet (no_traffic_interval applies until it has). */
  readonly trafficSeen: () => boolean;
  /** Every recorded result, with the transition it caused. */
  readonly onResult: (session: HealthCheckSession, result: CheckResult, transition: HealthTransition) => void;
}

/** Owned by the ClusterHealthChecks that made it, on that owner's thread. */
export class HealthCheckSession {
  readonly host: Endpoint;
  readonly check: HealthCheckConfig;
  readonly state: HostCheckState;
  readonly #options: HealthCheckSessionOptions;
  #timer: TimerHandle | undefined;
  #inFlight: { readonly probe: ProbeHandle; readonly timeout: TimerHandle } | undefined;
  #closed = false;

  constructor(host: Endpoint, check: HealthCheckConfig, options: HealthCheckSessionOptions) {
    this.host = host;
    this.check = check;
    this.state = new HostCheckState(check);
    this.#options = options;
    this.#timer = options.clock.schedule(firstCheckDelayMs(check, options.random), () => this.#run());
  }

  /** Stops the schedule and abandons a check in flight. */
  close(): void {
    this.#closed = true;
    this.#timer?.cancel();
    this.#timer = undefined;
    if (this.#inFlight !== undefined) {
      this.#inFlight.timeout.cancel();
      this.#inFlight.probe.cancel();
      this.#inFlight = undefined;
    }
  }

  #run(): void {
    this.#timer = undefined;
    let settled = false;
    const settle = (result: CheckResult): void => {
      if (settled || this.#closed) return;
      settled = true;
      timeout.cancel();
      this.#inFlight = undefined;
      this.#record(result);
    };
    const timeout = this.#options.clock.schedule(this.check.timeoutMs, () => {
      if (settled) return;
      this.#inFlight?.probe.cancel();
      settle('failure');
    });
    const probe = this.#options.probe(this.host, this.check, settle);
    if (!settled && !this.#closed) this.#inFlight = { probe, timeout };
  }

  #record(result: CheckResult): void {
    const transition = this.state.record(result);
    const { clock, random, trafficSeen } = this.#options;
    this.#timer = clock.schedule(nextCheckDelayMs(this.check, result === 'success', transition, trafficSeen(), random), () => this.#run());
    this.#options.onResult(this, result, transition);
  }
}

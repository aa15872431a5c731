// Envoy outlier detection for one cluster (config.cluster.v3.OutlierDetection and the
// architecture overview "Outlier detection"): consecutive errors eject at once, success rate
// and failure percentage are judged every interval, ejected hosts return after their time.
import type { Clock, TimerHandle } from '../clock.ts';
import type { OutlierDetectionConfig } from '../model/policy-outlier-detection.ts';
import { HostMonitor, type RequestCounts } from './outlier-host-monitor.ts';
import { successRateEjectionThreshold } from './outlier-success-rate.ts';

/** An error of the local origin: no upstream response (Envoy's LOCAL_ORIGIN_* results). */
export type LocalOriginEvent = 'connect-failure' | 'timeout' | 'reset';
/** What an attempt on a host came to: the upstream's HTTP status, or a local-origin error. */
export type OutlierOutcome = number | LocalOriginEvent;

/** Envoy data.cluster.v3.OutlierEjectionType. */
export type EjectionKind =
  | 'CONSECUTIVE_5XX'
  | 'CONSECUTIVE_GATEWAY_FAILURE'
  | 'CONSECUTIVE_LOCAL_ORIGIN_FAILURE'
  | 'SUCCESS_RATE'
  | 'SUCCESS_RATE_LOCAL_ORIGIN'
  | 'FAILURE_PERCENTAGE'
  | 'FAILURE_PERCENTAGE_LOCAL_ORIGIN';

export const EJECTION_KINDS: readonly EjectionKind[] = [
  'CONSECUTIVE_5XX',
  'CONSECUTIVE_GATEWAY_FAILURE',
  'CONSECUTIVE_LOCAL_ORIGIN_FAILURE',
  'SUCCESS_RATE',
  'SUCCESS_RATE_LOCAL_ORIGIN',
  'FAILURE_PERCENTAGE',
  'FAILURE_PERCENTAGE_LOCAL_ORIGIN',
];

export type OutlierEvent =
  | { readonly type: 'ejected'; readonly hostId: string; readonly kind: EjectionKind; readonly ejectionTimeMs: number; readonly timesEjected: number }
  | { readonly type: 'returned'; readonly hostId: string };

/** Envoy's outlier_detection stats: ejections_active, ejections_overflow, ejections_detected_*, ejections_enforced_*. */
export interface OutlierStats {
  readonly active: number;
  /** Ejections refused because max_ejection_percent was reached. */
  readonly overflow: number;
  readonly detected: { readonly [K in EjectionKind]: number };
  readonly enforced: { readonly [K in EjectionKind]: number };
}

export interface OutlierDetectorOptions {
  readonly clock: Clock;
  /** Uniform in [0, 1): draws the enforcing_* percentages and the ejection jitter. */
  readonly random: () => number;
  readonly onEvent?: (event: OutlierEvent) => void;
}

type Origin = 'external' | 'local';

function zeroCounts(): { [K in EjectionKind]: number } {
  return Object.fromEntries(EJECTION_KINDS.map((kind) => [kind, 0])) as { [K in EjectionKind]: number };
}

/**
 * Threads: owned by the thread that owns the cluster's host set (the control thread in worker
 * mode); results from other threads reach it by message, as Envoy's workers post consecutive
 * errors to its main thread. Only the owner calls it; the LB reads `isEjected` there or from
 * the host set the owner publishes.
 */
export class OutlierDetector {
  readonly cluster: string;
  readonly #config: OutlierDetectionConfig;
  readonly #clock: Clock;
  readonly #random: () => number;
  readonly #onEvent: ((event: OutlierEvent) => void) | undefined;
  readonly #hosts = new Map<string, HostMonitor>();
  readonly #detected = zeroCounts();
  readonly #enforced = zeroCounts();
  #active = 0;
  #overflow = 0;
  #timer: TimerHandle;

  constructor(cluster: string, config: OutlierDetectionConfig, options: OutlierDetectorOptions) {
    this.cluster = cluster;
    this.#config = config;
    this.#clock = options.clock;
    this.#random = options.random;
    this.#onEvent = options.onEvent;
    this.#timer = this.#clock.schedule(config.intervalMs, () => this.#onInterval());
  }

  /** The cluster's hosts now: new ones are watched, removed ones forgotten (an ejected one frees its place). */
  setHosts(hostIds: Iterable<string>): void {
    const keep = new Set(hostIds);
    for (const [hostId, host] of this.#hosts) {
      if (keep.has(hostId)) continue;
      if (host.ejected) this.#active--;
      this.#hosts.delete(hostId);
    }
    for (const hostId of keep) if (!this.#hosts.has(hostId)) this.#hosts.set(hostId, new HostMonitor(hostId));
  }

  /** Records one attempt's outcome on `hostId`; a host not in the set is ignored. */
  reportResult(hostId: string, outcome: OutlierOutcome): void {
    const host = this.#hosts.get(hostId);
    if (host === undefined) return;
    const split = this.#config.splitExternalLocalOriginErrors;
    if (typeof outcome === 'number') {
      // A response means the connection worked: a local-origin success when split.
      if (split) this.#localOrigin(host, true);
      this.#httpStatus(host, outcome);
    } else if (split) {
      this.#localOrigin(host, false);
    } else {
      // Unsplit, Envoy maps local-origin errors to codes: a timeout to 504, the rest to 503.
      this.#httpStatus(host, outcome === 'timeout' ? 504 : 503);
    }
  }

  isEjected(hostId: string): boolean {
    return this.#hosts.get(hostId)?.ejected ?? false;
  }

  get stats(): OutlierStats {
    return { active: this.#active, overflow: this.#overflow, detected: { ...this.#detected }, enforced: { ...this.#enforced } };
  }

  /** Stops the interval timer. */
  close(): void {
    this.#timer.cancel();
  }

  #httpStatus(host: HostMonitor, status: number): void {
    const config = this.#config;
    host.external.total++;
    if (status < 500 || status > 599) {
      host.external.success++;
      host.consecutive5xx = 0;
      host.consecutiveGatewayFailure = 0;
      return;
    }
    if (status >= 502 && status <= 504) {
      if (++host.consecutiveGatewayFailure === config.consecutiveGatewayFailure) this.#consecutive(host, 'CONSECUTIVE_GATEWAY_FAILURE');
    } else {
      host.consecutiveGatewayFailure = 0;
    }
    if (++host.consecutive5xx === config.consecutive5xx) this.#consecutive(host, 'CONSECUTIVE_5XX');
  }

  #localOrigin(host: HostMonitor, success: boolean): void {
    host.local.total++;
    if (success) {
      host.local.success++;
      host.consecutiveLocalOriginFailure = 0;
    } else if (++host.consecutiveLocalOriginFailure === this.#config.consecutiveLocalOriginFailure) {
      this.#consecutive(host, 'CONSECUTIVE_LOCAL_ORIGIN_FAILURE');
    }
  }

  /** A consecutive-error threshold reached: the counter starts again and the host is judged at once. */
  #consecutive(host: HostMonitor, kind: EjectionKind): void {
    if (host.ejected) return;
    if (kind === 'CONSECUTIVE_5XX') host.consecutive5xx = 0;
    else if (kind === 'CONSECUTIVE_GATEWAY_FAILURE') host.consecutiveGatewayFailure = 0;
    else host.consecutiveLocalOriginFailure = 0;
    this.#detected[kind]++;
    this.#eject(host, kind);
  }

  /** Envoy's ejection algorithm: the max_ejection_percent cap, then the enforcing_* draw. */
  #eject(host: HostMonitor, kind: EjectionKind): void {
    const config = this.#config;
    // "If no hosts have been ejected, Envoy will eject the host immediately. Otherwise, it
    // checks to make sure the number of ejected hosts is below the allowed threshold."
    if (this.#active > 0 && (100 * this.#active) / this.#hosts.size >= config.maxEjectionPercent) {
      this.#overflow++;
      return;
    }
    if (!this.#draw(this.#enforcing(kind))) return;
    this.#active++;
    this.#enforced[kind]++;
    host.ejected = true;
    host.ejectedAt = this.#clock.now();
    host.timesEjected++;
    // The back-off stops growing once base × backoff passes the cap (Envoy DetectorImpl::ejectHost).
    if (host.backoff * config.baseEjectionTimeMs < this.#maxEjectionTimeMs() + config.baseEjectionTimeMs) host.backoff++;
    const jitter = config.maxEjectionTimeJitterMs;
    host.jitterMs = jitter > 0 ? Math.floor(this.#random() * (jitter + 1)) : 0;
    this.#onEvent?.({ type: 'ejected', hostId: host.hostId, kind, ejectionTimeMs: this.#ejectionTimeMs(host), timesEjected: host.timesEjected });
  }

  /** base_ejection_time × back-off, capped at max_ejection_time, plus the host's jitter. */
  #ejectionTimeMs(host: HostMonitor): number {
    return Math.min(this.#config.baseEjectionTimeMs * host.backoff, this.#maxEjectionTimeMs()) + host.jitterMs;
  }

  /** Envoy caps at max(base, max): a base above the cap is never cut short. */
  #maxEjectionTimeMs(): number {
    return Math.max(this.#config.baseEjectionTimeMs, this.#config.maxEjectionTimeMs);
  }

  #enforcing(kind: EjectionKind): number {
    const c = this.#config;
    switch (kind) {
      case 'CONSECUTIVE_5XX':
        return c.enforcingConsecutive5xx;
      case 'CONSECUTIVE_GATEWAY_FAILURE':
        return c.enforcingConsecutiveGatewayFailure;
      case 'CONSECUTIVE_LOCAL_ORIGIN_FAILURE':
        return c.enforcingConsecutiveLocalOriginFailure;
      case 'SUCCESS_RATE':
        return c.enforcingSuccessRate;
      case 'SUCCESS_RATE_LOCAL_ORIGIN':
        return c.enforcingLocalOriginSuccessRate;
      case 'FAILURE_PERCENTAGE':
        return c.enforcingFailurePercentage;
      case 'FAILURE_PERCENTAGE_LOCAL_ORIGIN':
        return c.enforcingFailurePercentageLocalOrigin;
    }
  }

  /** True with probability percent/100; 0 and 100 draw nothing. */
  #draw(percent: number): boolean {
    if (percent <= 0) return false;
    if (percent >= 100) return true;
    return this.#random() * 100 < percent;
  }

  /** Envoy DetectorImpl::onIntervalTimer: returns and back-off, a new interval, then the sweeps. */
  #onInterval(): void {
    this.#timer = this.#clock.schedule(this.#config.intervalMs, () => this.#onInterval());
    const now = this.#clock.now();
    for (const host of this.#hosts.values()) {
      this.#checkReturn(host, now);
      host.rotate();
    }
    this.#sweep('external');
    if (this.#config.splitExternalLocalOriginErrors) this.#sweep('local');
  }

  /** Envoy DetectorImpl::checkHostForUneject. */
  #checkReturn(host: HostMonitor, now: number): void {
    if (!host.ejected) {
      // A host healthy for an interval since it returned sheds one step of back-off.
      if (host.backoff > 0 && host.returnedAt !== undefined && now - host.returnedAt >= this.#config.intervalMs) host.backoff--;
      return;
    }
    if (now - host.ejectedAt < this.#ejectionTimeMs(host)) return;
    host.ejected = false;
    this.#active--;
    // Counters close to their thresholds would eject the host again after a few errors.
    host.resetConsecutive();
    host.returnedAt = now;
    this.#onEvent?.({ type: 'returned', hostId: host.hostId });
  }

  /** Envoy DetectorImpl::processSuccessRateEjections, over the interval that just ended. */
  #sweep(origin: Origin): void {
    const c = this.#config;
    if (this.#hosts.size < c.successRateMinimumHosts && this.#hosts.size < c.failurePercentageMinimumHosts) return;
    const successRateHosts: HostMonitor[] = [];
    const successRates: number[] = [];
    const failurePercentageHosts: HostMonitor[] = [];
    for (const host of this.#hosts.values()) {
      if (host.ejected) continue;
      const counts = last(host, origin);
      if (counts.total >= c.successRateRequestVolume && counts.total > 0) {
        successRateHosts.push(host);
        successRates.push(rate(counts));
      }
      if (counts.total >= c.failurePercentageRequestVolume && counts.total > 0) failurePercentageHosts.push(host);
    }
    if (successRateHosts.length > 0 && successRateHosts.length >= c.successRateMinimumHosts) {
      const threshold = successRateEjectionThreshold(successRates, c.successRateStdevFactor);
      const kind = origin === 'external' ? 'SUCCESS_RATE' : 'SUCCESS_RATE_LOCAL_ORIGIN';
      successRateHosts.forEach((host, i) => {
        if (successRates[i]! >= threshold) return;
        this.#detected[kind]++;
        this.#eject(host, kind);
      });
    }
    if (failurePercentageHosts.length > 0 && failurePercentageHosts.length >= c.failurePercentageMinimumHosts) {
      const kind = origin === 'external' ? 'FAILURE_PERCENTAGE' : 'FAILURE_PERCENTAGE_LOCAL_ORIGIN';
      for (const host of failurePercentageHosts) {
        // A host the success-rate sweep just ejected is not judged twice.
        if (host.ejected || 100 - rate(last(host, origin)) < c.failurePercentageThreshold) continue;
        this.#detected[kind]++;
        this.#eject(host, kind);
      }
    }
  }
}

function last(host: HostMonitor, origin: Origin): RequestCounts {
  return origin === 'external' ? host.lastExternal : host.lastLocal;
}

function rate(counts: RequestCounts): number {
  return (100 * counts.success) / counts.total;
}

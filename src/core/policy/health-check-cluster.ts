// A cluster's active health checks: one session per host and check, and the set of hosts that
// fail any of them (Envoy runs every configured checker; all must pass for a host to be healthy).
import type { Clock } from '../clock.ts';
import type { Endpoint } from '../model/endpoint.ts';
import type { HealthCheckConfig } from '../model/policy-health-check.ts';
import type { HealthTransition } from './health-check-host.ts';
import type { CheckResult } from './health-check-result.ts';
import { HealthCheckSession, type HealthCheckSessionOptions, type Probe } from './health-check-session.ts';

/** A host's standing across every check changed. */
export interface HealthCheckEvent {
  readonly type: 'healthy' | 'unhealthy';
  readonly hostId: string;
}

export interface ClusterHealthChecksOptions {
  readonly clock: Clock;
  readonly random: () => number;
  readonly probe: Probe;
  /** The hosts failing active checks (never checked ones included), each time the set changes. */
  readonly onChange?: (unhealthy: ReadonlySet<string>) => void;
  /** Each host whose standing changed; a host never checked is already counted unhealthy. */
  readonly onEvent?: (event: HealthCheckEvent) => void;
  /** Once, when every host present has a first result from every check (Envoy's cluster warming waits for it). */
  readonly onInitialized?: () => void;
  /** Every result, for stats (Envoy's health_check.attempt / success / failure). */
  readonly onResult?: (hostId: string, check: HealthCheckConfig, result: CheckResult, transition: HealthTransition) => void;
}

/**
 * Threads: owned by the thread that owns the cluster's host set (the control thread in worker
 * mode, the calling thread inline); only that thread calls it, and it publishes `unhealthy` to
 * the balancers through `onChange`.
 */
export class ClusterHealthChecks {
  readonly cluster: string;
  readonly #checks: readonly HealthCheckConfig[];
  readonly #options: ClusterHealthChecksOptions;
  readonly #sessionOptions: HealthCheckSessionOptions;
  readonly #hosts = new Map<string, HealthCheckSession[]>();
  /** Sessions still waiting for their first result. */
  readonly #unchecked = new Set<HealthCheckSession>();
  #unhealthy: ReadonlySet<string> = new Set();
  #trafficSeen = false;
  #initialized = false;
  #closed = false;

  constructor(cluster: string, checks: readonly HealthCheckConfig[], options: ClusterHealthChecksOptions) {
    this.cluster = cluster;
    this.#checks = checks;
    this.#options = options;
    const { clock, random, probe } = options;
    this.#sessionOptions = { clock, random, probe, trafficSeen: () => this.#trafficSeen, onResult: (session, result, transition) => this.#onResult(session, result, transition) };
  }

  /** Hosts failing any check now; a fresh set each time it changes. */
  get unhealthy(): ReadonlySet<string> {
    return this.#unhealthy;
  }

  /** Every host present has had a first result from every check. */
  get initialized(): boolean {
    return this.#initialized;
  }

  /**
   * The cluster's hosts now. A host already known (same `address:port` id) keeps its standing and
   * schedule; a new one starts unhealthy and is checked at once (or after initial_jitter); a
   * removed one stops being checked.
   */
  setHosts(hosts: readonly Endpoint[]): void {
    if (this.#closed) return;
    const present = new Set(hosts.map((h) => h.id));
    for (const [hostId, sessions] of this.#hosts) {
      if (present.has(hostId)) continue;
      for (const session of sessions) {
        session.close();
        this.#unchecked.delete(session);
      }
      this.#hosts.delete(hostId);
    }
    for (const host of hosts) {
      if (this.#hosts.has(host.id)) continue;
      const sessions = this.#checks.map((check) => new HealthCheckSession(host, check, this.#sessionOptions));
      for (const session of sessions) this.#unchecked.add(session);
      this.#hosts.set(host.id, sessions);
    }
    this.#update();
  }

  /** The cluster has carried traffic: a configured no_traffic_interval no longer applies. */
  noteTraffic(): void {
    this.#trafficSeen = true;
  }

  /** Stops every session. */
  close(): void {
    this.#closed = true;
    for (const sessions of this.#hosts.values()) for (const session of sessions) session.close();
    this.#hosts.clear();
    this.#unchecked.clear();
  }

  /** One result moves at most its own host: the set is copied only when that host's standing changes. */
  #onResult(session: HealthCheckSession, result: CheckResult, transition: HealthTransition): void {
    const hostId = session.host.id;
    this.#options.onResult?.(hostId, session.check, result, transition);
    this.#unchecked.delete(session);
    const failing = this.#hosts.get(hostId)?.some((s) => !s.state.passing);
    if (failing !== undefined && failing !== this.#unhealthy.has(hostId)) {
      const next = new Set(this.#unhealthy);
      if (failing) next.add(hostId);
      else next.delete(hostId);
      this.#publish(next);
    }
    this.#checkInitialized();
  }

  /** After a host-set change: the whole set again. */
  #update(): void {
    const next = new Set<string>();
    for (const [hostId, sessions] of this.#hosts) if (sessions.some((s) => !s.state.passing)) next.add(hostId);
    const previous = this.#unhealthy;
    if (next.size !== previous.size || [...next].some((id) => !previous.has(id))) this.#publish(next);
    this.#checkInitialized();
  }

  #publish(next: ReadonlySet<string>): void {
    const previous = this.#unhealthy;
    this.#unhealthy = next;
    for (const hostId of next) if (!previous.has(hostId)) this.#options.onEvent?.({ type: 'unhealthy', hostId });
    for (const hostId of previous) if (!next.has(hostId) && this.#hosts.has(hostId)) this.#options.onEvent?.({ type: 'healthy', hostId });
    this.#options.onChange?.(next);
  }

  #checkInitialized(): void {
    if (this.#initialized || this.#unchecked.size > 0) return;
    this.#initialized = true;
    this.#options.onInitialized?.();
  }
}

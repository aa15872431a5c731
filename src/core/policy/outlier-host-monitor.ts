// What outlier detection knows about one host: its consecutive-error counters, its request
// counts for the current and the last interval, and its ejection state and back-off.

/** Requests and successes seen in one interval, for one origin of errors. */
export interface RequestCounts {
  total: number;
  success: number;
}

/**
 * Threads: owned by the OutlierDetector holding it, on that detector's thread; nothing else
 * reads or writes it.
 */
export class HostMonitor {
  readonly hostId: string;
  consecutive5xx = 0;
  consecutiveGatewayFailure = 0;
  consecutiveLocalOriginFailure = 0;
  /** Upstream responses (and, unsplit, local-origin errors) this interval and the last. */
  external: RequestCounts = { total: 0, success: 0 };
  lastExternal: RequestCounts = { total: 0, success: 0 };
  /** Split mode: local-origin outcomes this interval and the last. */
  local: RequestCounts = { total: 0, success: 0 };
  lastLocal: RequestCounts = { total: 0, success: 0 };
  ejected = false;
  ejectedAt = 0;
  /** Envoy's eject-time back-off: ejection time = base × this, up one per ejection, down one per healthy interval. */
  backoff = 0;
  jitterMs = 0;
  /** Ejections over the host's life. */
  timesEjected = 0;
  returnedAt: number | undefined;

  constructor(hostId: string) {
    this.hostId = hostId;
  }

  /** Starts a new interval: this interval's counts become the last one's. */
  rotate(): void {
    const external = this.lastExternal;
    this.lastExternal = this.external;
    external.total = 0;
    external.success = 0;
    this.external = external;
    const local = this.lastLocal;
    this.lastLocal = this.local;
    local.total = 0;
    local.success = 0;
    this.local = local;
  }

  resetConsecutive(): void {
    this.consecutive5xx = 0;
    this.consecutiveGatewayFailure = 0;
    this.consecutiveLocalOriginFailure = 0;
  }
}

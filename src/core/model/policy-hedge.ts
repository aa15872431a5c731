// Hedging settings of a route: Envoy's config.route.v3.HedgePolicy and sidelet's backup-request
// extension (typed_per_filter_config "sidelet.filters.http.backup_request"). Immutable.

/** Envoy config.route.v3.HedgePolicy. */
export interface HedgePolicyConfig {
  /** Attempts sent at once at the start, each to a different host; default 1. */
  readonly initialRequests: number;
  /** Chance of one more initial attempt, in parts per million; default 0. */
  readonly additionalRequestChancePerMillion: number;
  /** On a per-try timeout, keep the timed-out attempt and start another; first good answer wins. */
  readonly hedgeOnPerTryTimeout: boolean;
}

export const DEFAULT_HEDGE_POLICY: HedgePolicyConfig = Object.freeze({
  initialRequests: 1,
  additionalRequestChancePerMillion: 0,
  hedgeOnPerTryTimeout: false,
});

/** The filter name under typed_per_filter_config. */
export const BACKUP_REQUEST_FILTER_NAME = 'sidelet.filters.http.backup_request';
/** The message the config carries (as an Any @type or a TypedStruct type_url). */
export const BACKUP_REQUEST_TYPE_URL = 'type.googleapis.com/sidelet.filters.http.backup_request.v1.BackupRequestPolicy';

/**
 * A budget keeping backups within `maxExtraLoad` of requests: each request deposits
 * maxExtraLoad tokens, each backup takes one, the balance never exceeds `maxBurst` (Finagle
 * BackupRequestFilter's retry budget, as a capped token bucket).
 */
export interface BackupBudgetConfig {
  /** In (0, 1): 0.05 allows at most 5 % extra requests. */
  readonly maxExtraLoad: number;
  /** Most tokens the bucket holds, so a quiet period cannot bank a storm of backups; default 10. */
  readonly maxBurst: number;
}

/** Static: one backup after a fixed delay (the Qunar mesh's static BackupRequest). */
export interface StaticBackupConfig {
  readonly mode: 'static';
  readonly delayMs: number;
  /** Optional: without it every request whose first attempt is slow gets a backup. */
  readonly budget: BackupBudgetConfig | undefined;
}

/**
 * Dynamic (Finagle BackupRequestFilter): the delay is the p(1 − maxExtraLoad) latency over a
 * sliding window, never below `minDelayMs`, and no backup until `minSamples` were seen in it.
 */
export interface DynamicBackupConfig {
  readonly mode: 'dynamic';
  readonly budget: BackupBudgetConfig;
  /**
   * The latency quantile the delay tracks; default 1 − maxExtraLoad (Finagle). Setting it a
   * little lower keeps the delay out of a slow mode that holds exactly maxExtraLoad of the
   * traffic (see docs/policy-retry-and-hedge.md); the budget still caps backups at maxExtraLoad.
   */
  readonly percentile: number;
  /** Default 1 ms (Finagle's minimum send-backup-after). */
  readonly minDelayMs: number;
  /** Default 100. */
  readonly minSamples: number;
  /** The latency window, in whole seconds; default 30. */
  readonly windowSeconds: number;
}

/** `off`: the filter is disabled for this route (a FilterConfig with disabled: true). */
export type BackupRequestConfig = StaticBackupConfig | DynamicBackupConfig | { readonly mode: 'off' };

export const DEFAULT_MAX_BURST = 10;
export const DEFAULT_MIN_DELAY_MS = 1;
export const DEFAULT_MIN_SAMPLES = 100;
export const DEFAULT_WINDOW_SECONDS = 30;

// Caller-side overrides (sidelet extension): what the calling app sets for a service it calls,
// and what a single call sets. Precedence: per-call > caller > provider (xDS/static) > default.
import type { BackupRequestConfig } from './policy-hedge.ts';
import type { RateLimitConfig } from './policy-rate-limit.ts';
import type { RetryOn } from './policy-retry.ts';

/** Partial retry settings; an absent field keeps the next layer's. `off` disables retries. */
export interface RetryOverride {
  readonly numRetries?: number;
  readonly retryOn?: ReadonlySet<RetryOn>;
  readonly perTryTimeoutMs?: number;
}

export interface PolicyOverrides {
  readonly timeoutMs?: number;
  readonly idleTimeoutMs?: number;
  readonly retry?: RetryOverride | 'off';
  readonly backupRequest?: BackupRequestConfig;
  /** A limit of the caller's own on its calls to the service. */
  readonly rateLimit?: RateLimitConfig;
  /** The call's priority for priority-queued limits (higher is served first). */
  readonly priority?: number;
}

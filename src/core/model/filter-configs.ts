// The HTTP filter settings sidelet acts on, decoded from a listener's http_filters or a virtual
// host's / route's typed_per_filter_config. 'disabled' is Envoy's FilterConfig{disabled: true}.
import type { HttpFaultConfig } from './policy-fault.ts';
import type { BackupRequestConfig } from './policy-hedge.ts';
import type { RateLimitConfig } from './policy-rate-limit.ts';

export interface FilterConfigs {
  readonly fault?: HttpFaultConfig | 'disabled';
  readonly rateLimit?: RateLimitConfig | 'disabled';
  readonly backupRequest?: BackupRequestConfig;
}

export const NO_FILTER_CONFIGS: FilterConfigs = Object.freeze({});

// Decodes the filter settings sidelet acts on — fault, local/sidelet rate limit, backup requests —
// from typed_per_filter_config maps and HttpConnectionManager http_filters, by filter name.
import { ConfigError, type ConfigPath } from '../core/errors.ts';
import type { FilterConfigs } from '../core/model/filter-configs.ts';
import { FAULT_FILTER } from '../core/model/policy-fault.ts';
import { BACKUP_REQUEST_FILTER_NAME } from '../core/model/policy-hedge.ts';
import { LOCAL_RATE_LIMIT_FILTER, SIDELET_RATE_LIMIT_FILTER } from '../core/model/policy-rate-limit.ts';
import { decodeFault } from './decode-fault.ts';
import { decodeBackupRequestPolicy } from './decode-hedge-policy.ts';
import { decodeRateLimitFilterConfig } from './decode-local-rate-limit.ts';
import { type DecodeOptions, Fields, isPlainObject } from './fields.ts';

const FILTER_CONFIG_TYPE = 'type.googleapis.com/envoy.config.route.v3.FilterConfig';
/** Filters that need no settings of their own. */
const PLAIN_FILTERS = new Set(['envoy.filters.http.router']);

type Slot = keyof FilterConfigs;
const SLOTS: Readonly<Record<string, Slot>> = {
  [FAULT_FILTER]: 'fault',
  [LOCAL_RATE_LIMIT_FILTER]: 'rateLimit',
  [SIDELET_RATE_LIMIT_FILTER]: 'rateLimit',
  [BACKUP_REQUEST_FILTER_NAME]: 'backupRequest',
};

/** typed_per_filter_config: a map of filter name to an Any. Unknown filters are refused in strict mode, skipped otherwise. */
export function decodeTypedPerFilterConfig(f: Fields): FilterConfigs {
  const out: Record<string, unknown> = {};
  for (const entry of f.mapEntries('typed_per_filter_config')) {
    const slot = SLOTS[entry.key];
    if (slot === undefined) {
      if (f.options.strict && !PLAIN_FILTERS.has(entry.key)) throw new ConfigError(entry.path, `unknown filter "${entry.key}"; sidelet knows ${Object.keys(SLOTS).join(', ')}`);
      continue;
    }
    if (out[slot] !== undefined) throw new ConfigError(entry.path, `a second ${slot} filter config; only one of ${Object.keys(SLOTS).filter((k) => SLOTS[k] === slot).join(' or ')} may be set`);
    out[slot] = decodeOne(slot, entry.value, entry.path, f.options);
  }
  return out as FilterConfigs;
}

/** An HttpConnectionManager's http_filters: each filter's typed_config where sidelet acts on it. */
export function decodeHttpFilters(f: Fields): { names: string[]; configs: FilterConfigs } {
  const out: Record<string, unknown> = {};
  const names = f.list('http_filters', (v, p) => {
    const filter = new Fields(v, p, f.options);
    const name = filter.requiredString('name');
    const slot = SLOTS[name];
    const typed = filter.raw('typed_config');
    if (slot !== undefined && typed !== undefined && slot !== 'backupRequest') out[slot] = decodeOne(slot, typed.value, typed.path, f.options);
    filter.end(['typed_config', 'is_optional', 'disabled', 'config_discovery']);
    return name;
  });
  return { names, configs: out as FilterConfigs };
}

function decodeOne(slot: Slot, value: unknown, path: ConfigPath, options: DecodeOptions): unknown {
  if (slot === 'backupRequest') return decodeBackupRequestPolicy(value, path, options);
  if (isPlainObject(value) && value['@type'] === FILTER_CONFIG_TYPE) {
    const wrapper = new Fields(value, path, options);
    wrapper.string('@type');
    const disabled = wrapper.bool('disabled', false);
    const inner = wrapper.raw('config');
    wrapper.end(['is_optional']);
    if (disabled) return 'disabled';
    if (inner === undefined) throw new ConfigError(wrapper.pathOf('config'), 'required unless disabled is true');
    return decodeOne(slot, inner.value, inner.path, options);
  }
  return slot === 'fault' ? decodeFault(value, path, options) : decodeRateLimitFilterConfig(value, path, options);
}
